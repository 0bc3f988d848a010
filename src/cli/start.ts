// `lockstep start` (the README's first command, via `npm start`): bring the practice lab up if
// needed, with progress, then open the control-plane runbooks on it. Wiring only.
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { labStatus, labUp, stderrProgress } from '../lab/index.js';
import { runCommand, type RunOptions } from './run.js';

/** The top-level runbook, shipped beside src/ and dist/. */
const CONTROL_PLANE = fileURLToPath(new URL('../../runbooks/control-plane.md', import.meta.url));

interface StartOptions {
  tui: boolean;
  yes?: boolean;
  controllers?: number;
}

export function register(program: Command): void {
  program
    .command('start')
    .description('bring up the practice lab (if needed) and run the control-plane runbooks on it')
    .argument('[runbook...]', 'runbooks to run instead of the whole control plane')
    .option('--no-tui', 'print output line by line instead of the terminal UI (automatic without a TTY)')
    .option('-y, --yes', 'run every step without asking; stop at the first failure')
    .option('--controllers <n>', 'number of controllers when the lab is first brought up', (v) => Number(v))
    .action(async (runbooks: string[], opts: StartOptions) => {
      const progress = stderrProgress();
      await labUp({ controllers: opts.controllers, progress });
      const lab = await labStatus();
      const runOpts: RunOptions = { inventory: lab.files.inventory, tui: opts.tui, yes: opts.yes, var: {} };
      process.exitCode = await runCommand(runbooks.length ? runbooks : [CONTROL_PLANE], runOpts);
    });
}
