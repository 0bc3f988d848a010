// `lockstep rollback REC [--to STEP]`: rolls a recorded session (finished or cut off) back,
// headless, from its last step that ran down to --to (default: the first): each step's rollback
// blocks run, then its files come back from the backups kept on the nodes (checked by sha256).
// Recorded as a new session linked to the old one. Wiring only: the engine does the work.
import { readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { createEngine, findStep, runHeadless } from '../engine/index.js';
import { earlierSteps, type RollbackRecording } from '../engine/rollback-source.js';
import { decodeRecording, defaultRecordingPath, type PreviousRecording } from '../record/index.js';
import { UserError } from './errors.js';
import { collectVar } from './options.js';
import { withRecordedVars } from './recorded-vars.js';
import { backupConfig, connectNode, loadPlan, readForResume, type RunOptions } from './run.js';
import { openSessionRecorder } from './session-recorder.js';
import { VERSION } from './version.js';

interface RollbackOptions {
  inventory: string;
  var?: Record<string, string>;
  to?: string;
  yes?: boolean;
  force?: boolean;
  record?: string;
  acceptNewHostKeys?: boolean;
}

export function register(program: Command): void {
  program
    .command('rollback')
    .description('roll a recorded session back (finished or cut off): rollback blocks run and files are restored from the backups kept on the nodes, newest step first')
    .argument('<recording>', 'the recording of the session to roll back')
    .argument('[runbook...]', 'runbook Markdown files (default: the recorded ones)')
    .requiredOption('-i, --inventory <file>', 'inventory of nodes')
    .option('--to <step>', 'roll back down to this step, included (default: the first)')
    .option('--var <name=value>', 'set a variable (repeatable); default: the values the session ran with (secrets must be given again)', collectVar, {} as Record<string, string>)
    .option('-y, --yes', 'do not ask before rolling back')
    .option('--force', 'restore even from backups that are missing their record or whose sha256 differs, and even though a runbook changed')
    .option('--record <path>', 'write the new recording here (default $XDG_STATE_HOME/lockstep/recordings/)')
    .option('--accept-new-host-keys', 'trust SSH host keys that known_hosts does not list yet')
    .action(async (file: string, paths: string[], opts: RollbackOptions) => {
      process.exitCode = await rollbackCommand(file, paths, opts);
    });
}

/** The recording and the ones it continued (header.previous), oldest first. */
export function readChain(file: string, decoded?: ReturnType<typeof readForResume>): { chain: RollbackRecording[]; newest: ReturnType<typeof readForResume> } {
  const newest = decoded ?? readForResume(file);
  const chain: RollbackRecording[] = [{ file, events: newest.events }];
  const seen = new Set([resolve(file)]);
  let prev = (newest.header as { previous?: PreviousRecording }).previous;
  while (prev && !seen.has(resolve(prev.file))) {
    const path = resolve(prev.file);
    seen.add(path);
    let d;
    try {
      d = decodeRecording(readFileSync(path), prev.file);
    } catch (err) {
      process.stderr.write(`lockstep: the earlier recording ${prev.file} cannot be read (${err instanceof Error ? err.message : String(err)}); steps it ran cannot be rolled back from here\n`);
      break;
    }
    chain.unshift({ file: prev.file, events: d.events.slice(0, Math.max(0, prev.lines - 1)) });
    prev = (d.header as { previous?: PreviousRecording }).previous;
  }
  return { chain, newest };
}

async function ask(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  process.stderr.write(question);
  const answer = await new Promise<string>((res) => process.stdin.once('data', (d) => res(String(d))));
  process.stdin.pause();
  return /^y(es)?\s*$/i.test(answer.trim());
}

export async function rollbackCommand(file: string, paths: string[], opts: RollbackOptions): Promise<number> {
  const { chain, newest } = readChain(file);
  const header = newest.header as { runbooks?: { name: string; file: string; sha256: string }[] };
  const started = newest.events.find((e) => e.type === 'session.started');
  const recorded = header.runbooks ?? (started?.type === 'session.started' ? started.runbooks : []);
  if (paths.length === 0) {
    if (recorded.length === 0) throw new UserError(`cannot roll back: ${file}:1: the recording does not name its runbooks; give them on the command line`);
    paths = recorded.map((r) => r.file);
  }
  const vars = withRecordedVars(newest.header, opts.var ?? {}, file, 'roll back');
  const { plan, inventory, secretNames } = loadPlan(paths, { inventory: opts.inventory, var: vars, tui: false } as RunOptions);
  for (const r of recorded) {
    const now = plan.runbooks.find((p) => p.name === r.name);
    if (now && now.sha256 !== r.sha256) {
      const msg = `runbook "${r.name}" (${now.file}) changed since ${file} was recorded: its rollback blocks may not be the ones that ran`;
      if (!opts.force) throw new UserError(`cannot roll back: ${file}:1: ${msg}; use --force to roll back anyway`);
      process.stderr.write(`lockstep: rollback: warning (--force): ${msg}\n`);
    }
  }
  const earlier = earlierSteps(chain).filter((s) => plan.steps.some((p) => p.id === s.step));
  const to = opts.to ?? plan.steps[0]?.id ?? '';
  const toIndex = findStep(plan.steps, to);
  if (toIndex < 0) throw new UserError(`--to ${to}: no such step; steps are: ${plan.steps.map((s) => s.id).join(', ')}`);
  const todo = earlier.filter((s) => plan.steps.findIndex((p) => p.id === s.step) >= toIndex);
  if (todo.length === 0) {
    process.stderr.write(`lockstep: rollback: nothing to roll back in ${file}: no step from ${plan.steps[toIndex]?.id} on ran (or it was rolled back already)\n`);
    return 0;
  }
  for (const s of [...todo].reverse()) {
    process.stderr.write(`lockstep: rollback: ${s.step} (${s.status === 'running' ? 'cut off' : s.status}, ${s.startedAt}): ${s.backups.length} file backup${s.backups.length === 1 ? '' : 's'}\n`);
  }
  if (!opts.yes && !(await ask(`Roll back ${todo.length} step${todo.length === 1 ? '' : 's'} on the nodes? [y/N] `))) {
    throw new UserError('nothing was rolled back (confirm with --yes when not at a terminal)', 1);
  }

  const recordPath = opts.record ?? defaultRecordingPath([...plan.runbooks.map((r) => r.name), 'rollback']);
  if (resolve(recordPath) === resolve(file)) throw new UserError(`--record ${recordPath}: that is the recording being rolled back; it is never written to`);
  const size = { cols: process.stdout.columns || 120, rows: process.stdout.rows || 32 };
  const operator = userInfo().username;
  const recorder = openSessionRecorder(recordPath, { plan, inventory, operator, size, previous: { file, head: newest.head, lines: newest.lines }, vars: { given: vars, secretNames } });
  // Connect only the nodes of the steps to roll back.
  const used = new Set(todo.flatMap((s) => plan.steps.find((p) => p.id === s.step)?.nodes ?? []));
  const connect = connectNode(inventory, { acceptNewHostKeys: opts.acceptNewHostKeys } as RunOptions, () => false);
  const engine = createEngine({
    plan: { ...plan, steps: plan.steps.map((s) => (used.size && s.nodes.every((n) => used.has(n)) ? s : { ...s, nodes: s.nodes.filter((n) => used.has(n)) })) },
    connect: (name, ctx) => connect(name, ctx, size),
    autoApprove: true,
    earlier: todo.map((s) => ({ step: s.step, backups: s.backups })),
    forceRestore: opts.force ?? false,
    rollbackOnly: plan.steps[toIndex]?.id,
    backups: backupConfig(recordPath, inventory),
    nodeVars: Object.fromEntries(inventory.nodes.map((n) => [n.name, n.vars])),
    meta: { version: VERSION, operator, host: hostname(), ...size },
  });
  engine.subscribe((e) => {
    recorder.write(e);
    if (e.type === 'session.ended') recorder.close(e.t);
  });
  const onSignal = () => engine.dispatch({ kind: 'quit' });
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    process.stderr.write(`lockstep: recording to ${recordPath}\n`);
    return await runHeadless(engine, { secrets: plan.secrets, out: process.stdout, color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    recorder.close();
  }
}
