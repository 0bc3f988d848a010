// The `lockstep` command line: wiring only. Each command lives in its own module that
// exports `register(program)`; the work itself is done by the modules they call.
import { Command, CommanderError } from 'commander';
import { UserError } from './errors.js';
import { VERSION } from './version.js';

type Registrar = (program: Command) => void;

// `lockstep audit REC | head`: the reader went away; stop quietly, as cat or grep do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

const program = new Command('lockstep')
  .description('Guided, recorded, verifiable runbooks for Kubernetes control-plane installs')
  .version(VERSION)
  .showHelpAfterError()
  .exitOverride();

const modules: (() => Promise<{ register: Registrar }>)[] = [
  // One line per command module; keep in the order `lockstep --help` lists them.
  () => import('./start.js'),
  () => import('./lint.js'),
  () => import('./plan.js'),
  () => import('./run.js'),
  () => import('./rollback.js'),
  () => import('./backups.js'),
  () => import('./lab.js'),
  () => import('./certs.js'),
  () => import('./verify.js'),
  () => import('./audit.js'),
  () => import('./export.js'),
  () => import('./replay.js'),
];
for (const load of modules) (await load()).register(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  if (err instanceof UserError) {
    process.stderr.write(`lockstep: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  // Anything else is a bug in lockstep: say so, with the stack, so it can be reported.
  process.stderr.write(`lockstep: internal error (please report): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(70);
}
