// `lockstep run <runbook…> -i inventory`: runs the plan on every node in live panes. With a
// TTY (and without --no-tui) the TUI shows it; otherwise headless output with node prefixes.
// Wiring only: the engine drives, transports connect, the recorder writes.
import { readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { basename, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { createEngine, findStep, runHeadless, type ConnectContext, type Engine, type EngineOptions } from '../engine/index.js';
import { describeResume, findResumePoint, ResumeError, resumedPlan } from '../engine/resume.js';
import { earlierSteps, withEarlierSteps } from '../engine/rollback-source.js';
import { readChain } from './rollback.js';
import { loadInventory, type Inventory, type Node } from '../inventory/index.js';
import { decodeRecording, defaultRecordingPath, RecordingError, type DecodedRecording, type PreviousRecording } from '../record/index.js';
import { buildPlan, hasErrors, loadRunbooks, type Plan } from '../runbook/index.js';
import type { BackupConfig, SanChecker } from '../steps/index.js';
import { backupRootOf } from '../steps/backup-sets.js';
import { connectLocal, connectSsh, HostKeyError, type NodeSession } from '../transport/index.js';
import { printDiagnostics } from './diagnostics.js';
import { UserError } from './errors.js';
import { collectVar } from './options.js';
import { withRecordedVars } from './recorded-vars.js';
import { openSessionRecorder } from './session-recorder.js';
import { VERSION } from './version.js';
import { chooseMode, PaneSizes, withChanges, type TuiMode } from './run-wiring.js';

export interface RunOptions {
  inventory: string;
  tui: boolean;
  yes?: boolean;
  record?: string;
  var: Record<string, string>;
  from?: string;
  acceptNewHostKeys?: boolean;
  learn?: boolean;
  production?: boolean;
  resume?: string;
  force?: boolean;
}

export function register(program: Command): void {
  program
    .command('run')
    .description('run runbooks on every node at once in live panes, with gates, diffs, divergence checks and rollback')
    .argument('[runbook...]', 'runbook Markdown files (required runbooks are added automatically); with --resume, default: the recorded ones')
    .requiredOption('-i, --inventory <file>', 'inventory of nodes')
    .option('--no-tui', 'print output line by line instead of the terminal UI (automatic without a TTY)')
    .option('-y, --yes', 'run every step without asking; stop at the first failure')
    .option('--record <path>', 'write the recording here (default $XDG_STATE_HOME/lockstep/recordings/)')
    .option('--var <name=value>', 'set a variable (repeatable); inventory values win; with --resume, default: the values the session ran with', collectVar, {} as Record<string, string>)
    .option('--from <step>', 'start at this step (its id, or runbook/step-id)')
    .option('--resume <recording>', 'continue the session of this recording after its last completed step, re-checking that step\'s gates first; writes a new recording linked to it')
    .option('--force', 'with --resume: resume even though a runbook or the inventory changed since the recording')
    .option('--learn', 'learning mode: full explanations and, before each step, what it will change (default on the practice lab)')
    .option('--production', 'production mode: nothing advances without you; file overwrites and rollbacks ask first (default elsewhere)')
    .option('--accept-new-host-keys', 'trust SSH host keys that known_hosts does not list yet (they are added and recorded); changed keys are always refused')
    .action(async (paths: string[], opts: RunOptions) => {
      process.exitCode = await runCommand(paths, opts);
    });
}

export function loadPlan(paths: string[], opts: RunOptions): { plan: Plan; inventory: Inventory; secretNames: Set<string> } {
  const loaded = loadRunbooks(paths);
  const inv = loadInventory(opts.inventory);
  const diagnostics = [...loaded.diagnostics, ...inv.diagnostics];
  let plan: Plan | undefined;
  if (inv.value && !hasErrors(diagnostics)) {
    const r = buildPlan(loaded.value ?? [], inv.value, { vars: opts.var });
    diagnostics.push(...r.diagnostics);
    plan = r.plan;
  }
  const failed = printDiagnostics(diagnostics, process.stderr);
  if (failed || !plan || !inv.value) throw new UserError('nothing was run; fix the errors above (`lockstep lint` checks runbooks)', 1);
  const secretNames = new Set((loaded.value ?? []).flatMap((rb) => rb.vars.filter((v) => v.secret).map((v) => v.name)));
  return { plan, inventory: inv.value, secretNames };
}

/** Opens one node's session at the panes' current size. */
function connector(inventory: Inventory, opts: RunOptions, interactive: () => boolean, sizes: PaneSizes) {
  const connect = connectNode(inventory, opts, interactive);
  return async (name: string, ctx: ConnectContext): Promise<NodeSession> => {
    // The TUI may have laid the panes out while this node was connecting.
    const asked = sizes.of(name);
    const session = await connect(name, ctx, asked);
    sizes.settle(name, session, asked);
    return session;
  };
}

/** Opens one node's session at `size`, turning host-key outcomes into events. */
export function connectNode(inventory: Inventory, opts: RunOptions, interactive: () => boolean) {
  const byName = new Map(inventory.nodes.map((n) => [n.name, n]));
  return async (name: string, ctx: ConnectContext, size: { cols: number; rows: number }): Promise<NodeSession> => {
    const node = byName.get(name) as Node;
    if (node.transport === 'local') return connectLocal(node, size);
    let prompted = false;
    try {
      const session = await connectSsh(node, {
        ...size,
        knownHostsFile: inventory.knownHosts,
        acceptNewHostKey: opts.acceptNewHostKeys
          ? true
          : interactive()
            ? async (facts) => {
                ctx.emit({ type: 'hostkey.unknown', node: name, fingerprint: facts.fingerprint, keyType: facts.keyType, knownHosts: facts.knownHosts, changed: false });
                prompted = true;
                return ctx.askHostKey(facts.fingerprint);
              }
            : false,
      });
      for (const k of session.hostKeys) {
        if (k.status === 'accepted') ctx.emit({ type: 'hostkey.accepted', node: name, fingerprint: k.fingerprint, keyType: k.keyType, by: prompted ? 'prompt' : 'flag' });
      }
      return session;
    } catch (err) {
      if (err instanceof HostKeyError && !prompted) {
        ctx.emit({ type: 'hostkey.unknown', node: name, fingerprint: err.facts.fingerprint, keyType: err.facts.keyType, knownHosts: err.facts.knownHosts, line: err.line, changed: err.reason !== 'unknown' });
        if (err.reason === 'unknown' && !opts.acceptNewHostKeys) {
          throw new Error(`${err.message} Once checked, run again with --accept-new-host-keys to trust it.`);
        }
      }
      throw err;
    }
  };
}

/** The SAN check from src/certs, as the engine's san-check gate wants it. */
const sanCheck: SanChecker = async ({ session, options }) => {
  const certs = await import('../certs/index.js');
  const result = await certs.runSanCheck(certs.parseSanCheckOptions(options), session, new Date());
  return {
    ok: result.ok,
    reason: result.ok ? undefined : result.summary,
    details: result.findings.map((f) => `${f.title}: ${f.fix}`).join('\n') || undefined,
  };
};

async function tryTui(engine: Engine, mode: TuiMode, plan: Plan, sizes: PaneSizes): Promise<{ done: Promise<unknown>; unmount(): void } | null> {
  try {
    const ui = await import('../ui/index.js');
    const annotate = withChanges(plan);
    const tui = ui.startTui({
      source: { subscribe: (listener) => engine.subscribe((e) => listener(annotate(e))) },
      history: engine.history().map(annotate),
      dispatch: (i) => {
        if (i.kind === 'resize') sizes.resized(i.cols, i.rows, i.nodes);
        engine.dispatch(i);
      },
      mode,
    });
    return { done: tui.waitUntilExit(), unmount: () => tui.unmount() };
  } catch (err) {
    process.stderr.write(`lockstep: the terminal UI is not available (${err instanceof Error ? err.message : String(err)}); running headless\n`);
    return null;
  }
}

/** Reads the recording to resume; a damaged one is refused naming file:line. */
export function readForResume(file: string): DecodedRecording & { head: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`--resume ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a recording' : `cannot read it (${code ?? (err as Error).message})`}`);
  }
  let d: DecodedRecording;
  try {
    d = decodeRecording(bytes, file);
  } catch (err) {
    if (err instanceof RecordingError) throw new UserError(`cannot resume: ${err.message}\n(run \`lockstep verify ${file}\` for the full report)`, err.kind === 'not-recording' ? 2 : 1);
    throw err;
  }
  if (d.version !== 2 || d.head === null) throw new UserError(`cannot resume: ${file}:1: format v${d.version} has no hash chain; only v2 recordings can be resumed`);
  return d as DecodedRecording & { head: string };
}

/** --resume: works out what to run (pure, src/engine/resume.ts) and the new recording's link. */
function prepareResume(
  paths: string[],
  opts: RunOptions & { resume: string },
): { plan: Plan; inventory: Inventory; secretNames: Set<string>; vars: Record<string, string>; previous: PreviousRecording; startAt?: string; earlier: EngineOptions['earlier'] } {
  if (opts.from !== undefined) throw new UserError('--from and --resume do not go together: --resume continues where the recording stops');
  const file = opts.resume;
  const rec = readForResume(file);
  const header = rec.header as { runbooks?: { name: string; file: string; sha256: string }[]; previous?: PreviousRecording };
  const started = rec.events.find((e) => e.type === 'session.started');
  const recorded = header.runbooks ?? (started?.type === 'session.started' ? started.runbooks : []);
  if (paths.length === 0) {
    if (recorded.length === 0) throw new UserError(`cannot resume: ${file}:1: the recording does not name its runbooks; give them on the command line`);
    paths = recorded.map((r) => r.file);
  }
  const vars = withRecordedVars(header, opts.var ?? {}, file, 'resume');
  const { plan, inventory, secretNames } = loadPlan(paths, { ...opts, var: vars });
  let point;
  try {
    point = findResumePoint({ file, header, events: rec.events }, plan, { force: opts.force });
  } catch (err) {
    if (err instanceof ResumeError) throw new UserError(`cannot resume: ${err.message}`);
    throw err;
  }
  for (const line of describeResume(point, plan, file)) process.stderr.write(`lockstep: resume: ${line}\n`);
  const steps = resumedPlan(plan, point, file);
  if (steps.steps.length === 0) {
    throw new UserError(`nothing to resume: every step of ${file} was completed${point.lastCompleted ? ` (the last, ${point.lastCompleted.id}, at ${file}:${point.lastCompleted.line})` : ''}`);
  }
  const after = point.nextIndex > 0 ? plan.steps[point.nextIndex - 1]?.id : undefined;
  // Steps done before stay in the plan (not run again), so a rollback reaches them through the
  // backups kept on the nodes (src/engine/rollback-source.ts).
  const prior = withEarlierSteps(plan, steps, earlierSteps(readChain(file, rec).chain));
  const withPrior = { ...steps, steps: [...plan.steps.filter((s) => prior.prefix.includes(s.id)), ...steps.steps] };
  return { plan: withPrior, inventory, secretNames, vars, previous: { file, head: rec.head, lines: rec.lines, lastCompletedStep: after }, startAt: prior.startAt, earlier: prior.earlier };
}

/** Durable file backups on the nodes, one directory per session (named after its recording). */
export function backupConfig(recordPath: string, inventory: Inventory): BackupConfig {
  const byName = new Map(inventory.nodes.map((n) => [n.name, n]));
  const sessionId = `${basename(recordPath).replace(/\.jsonl$/, '')}-${randomBytes(3).toString('hex')}`;
  return { sessionId, root: (node) => backupRootOf(byName.get(node)?.vars) };
}

export async function runCommand(paths: string[], opts: RunOptions): Promise<number> {
  if (paths.length === 0 && opts.resume === undefined) throw new UserError('run: give at least one runbook (or --resume RECORDING)');
  if (opts.force && opts.resume === undefined) throw new UserError('--force only goes with --resume');
  const resumed = opts.resume !== undefined ? prepareResume(paths, { ...opts, resume: opts.resume }) : undefined;
  const { plan, inventory, secretNames } = resumed ?? loadPlan(paths, opts);
  if (opts.from !== undefined && findStep(plan.steps, opts.from) < 0) {
    throw new UserError(`--from ${opts.from}: no such step; steps are: ${plan.steps.map((s) => s.id).join(', ')}`);
  }
  const tty = Boolean(process.stdout.isTTY && process.stdin.isTTY);
  const wantTui = opts.tui !== false && tty;
  const size = { cols: process.stdout.columns || 120, rows: process.stdout.rows || 32 };
  const recordPath = opts.record ?? defaultRecordingPath(plan.runbooks.map((r) => r.name));
  if (resumed && resolve(recordPath) === resolve(resumed.previous.file)) {
    throw new UserError(`--record ${recordPath}: that is the recording being resumed; it is never written to (a resumed session gets a new recording linked to it)`);
  }
  const operator = userInfo().username;
  const vars = { given: resumed?.vars ?? opts.var ?? {}, secretNames };
  const recorder = openSessionRecorder(recordPath, { plan, inventory, operator, size, previous: resumed?.previous, vars });
  const mode = chooseMode(opts, inventory);
  const sizes = new PaneSizes(size);
  let tuiActive = false;
  const engine = createEngine({
    plan,
    // Unknown host keys are asked about only when a TUI is there to answer.
    connect: connector(inventory, opts, () => tuiActive, sizes),
    autoApprove: opts.yes ?? false,
    // Production: a file-writing step starts only on the TUI's explicit yes (headless approves
    // by naming the step; --yes approves everything).
    confirmFileWrites: mode === 'production',
    startAt: opts.from ?? resumed?.startAt,
    earlier: resumed?.earlier,
    nodeVars: Object.fromEntries(inventory.nodes.map((n) => [n.name, n.vars])),
    sanCheck,
    meta: { version: VERSION, operator, host: hostname(), ...size },
    backups: backupConfig(recordPath, inventory),
  });
  const annotate = withChanges(plan);
  engine.subscribe((e) => {
    recorder.write(annotate(e));
    if (e.type === 'session.ended') recorder.close(e.t);
  });

  // Ctrl-C: first interrupts the running block on every node, a second one quits.
  let interrupts = 0;
  const onSigint = () => engine.dispatch(interrupts++ === 0 ? { kind: 'interrupt' } : { kind: 'quit' });
  const onSigterm = () => engine.dispatch({ kind: 'quit' });
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  try {
    const tui = wantTui ? await tryTui(engine, mode, plan, sizes) : null;
    tuiActive = tui !== null;
    if (tui) {
      let finished = false;
      const ended = engine.run().finally(() => (finished = true));
      await Promise.race([tui.done, ended]);
      if (!finished) engine.dispatch({ kind: 'quit' });
      const end = await ended;
      tui.unmount();
      process.stderr.write(`lockstep: session ${end}; recording: ${recordPath}\n`);
      return end === 'completed' ? 0 : end === 'failed' ? 1 : end === 'interrupted' ? 130 : 3;
    }
    process.stderr.write(`lockstep: recording to ${recordPath}\n`);
    return await runHeadless(engine, {
      secrets: plan.secrets,
      out: process.stdout,
      input: opts.yes ? undefined : process.stdin,
      color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
    });
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
    recorder.close();
  }
}
