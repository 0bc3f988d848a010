// The engine: drives one Plan over its nodes. It connects every node, then walks the steps:
// each step's run and file blocks on all targeted nodes at once, then its gates, waiting for
// the operator between steps unless told to go on. Everything it does is an event; it knows
// nothing about how events are shown or stored.
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Plan, PlannedStep } from '../runbook/plan-types.js';
import type { EventBody, LockstepEvent, OperatorIntent, StepStatus } from '../state/events.js';
import {
  checkRecordedBackups,
  FileJournal,
  failureReason,
  rollbackStep,
  runBlock,
  runFileBlock,
  runSanCheckGate,
  runVerifyGate,
  type NodeRun,
  type BackupConfig,
  type SanChecker,
  type StepContext,
  type StoredBackup,
} from '../steps/index.js';
import type { NodeSession } from '../transport/types.js';
import { REDACTED } from '../record/redact.js';
import { detectDivergence, type NodeIdentity } from './divergence.js';
import { prefetchSteps } from './prefetch.js';
import { previewFiles } from './file-preview.js';

/** Output held for one node before it is emitted at once (about one socket read's worth). */
const MAX_HELD_OUTPUT = 64 * 1024;

/** What a connector may use while connecting one node. */
export interface ConnectContext {
  emit(event: EventBody): void;
  /** Aborted when the operator quits during connection. */
  signal: AbortSignal;
  /**
   * Asks the operator whether to trust an unknown host key; resolves true when an
   * `accept-host-key` intent for this node and fingerprint arrives, false on quit.
   */
  askHostKey(fingerprint: string): Promise<boolean>;
}

/** Opens one node's session (ssh2 or node-pty); rejects with a message naming the problem. */
export type Connector = (node: string, ctx: ConnectContext) => Promise<NodeSession>;

export type SessionEnd = 'completed' | 'failed' | 'aborted' | 'interrupted';

export interface EngineOptions {
  plan: Plan;
  connect: Connector;
  /** Run every step without waiting for approval (`--yes`). Default false. */
  autoApprove?: boolean;
  /** End the session as soon as a step fails, instead of waiting for retry/skip/rollback.
   * Default: same as autoApprove (nobody is there to decide). */
  stopOnFailure?: boolean;
  /** After the last step, wait for intents (rollback, retry, goto, quit) instead of ending.
   * Default: the opposite of autoApprove. */
  stayAtEnd?: boolean;
  /** Start at this step id (or unique step-id suffix); earlier steps are left pending. */
  startAt?: string;
  /** Each node's variables, so divergence detection can mask them. */
  nodeVars?: Record<string, Record<string, string>>;
  /** The SAN check for `san-check` gates (from src/certs). */
  sanCheck?: SanChecker;
  /** For session.started. */
  meta?: { version: string; operator: string; host: string; cols: number; rows: number };
  /** Monotonic milliseconds; default performance.now(). */
  now?: () => number;
  /**
   * Pane output kept in `history()` per node, in characters: a late subscriber needs only the
   * recent output to rebuild the screens (the recorder keeps every byte). Default 512 Ki.
   */
  historyOutputChars?: number;
  /** Keep file backups durably on the nodes (file-backup.ts); absent: in memory only. */
  backups?: BackupConfig;
  /** Steps an earlier session ran (`run --resume`, `rollback`): they count as passed and roll
   * back from the node backups it recorded (checked by sha256). */
  earlier?: { step: string; backups: StoredBackup[] }[];
  /** Restore node backups even when missing or altered. Default false. */
  forceRestore?: boolean;
  /** Do not run anything: roll back to this step (id) and end (`lockstep rollback`). */
  rollbackOnly?: string;
  /**
   * Production: a step that would change files starts only on an `approve` for it (what the
   * TUI sends after its "Write N changed file(s)?" question). A `next` queued while a step ran,
   * or a run-to-gate, stops there and waits with reason 'approval'. No effect with autoApprove
   * (`--yes`). Default false.
   */
  confirmFileWrites?: boolean;
}

export interface Engine {
  /** Every event from now on; returns the unsubscribe function. */
  subscribe(listener: (event: LockstepEvent) => void): () => void;
  /**
   * The events emitted so far (for a view that subscribes late): every event except old pane
   * output, of which only the last `historyOutputChars` per node are kept, so memory stays
   * bounded in an output flood.
   */
  history(): readonly LockstepEvent[];
  /** An operator intent; safe to call at any time, also while a step runs. */
  dispatch(intent: OperatorIntent): void;
  /** Connects, drives the plan and closes the sessions; resolves with how the session ended. */
  run(): Promise<SessionEnd>;
}

/** Transports that can tell (PaneSession) say whether the pane's terminal has echo off. */
function echoOff(session: NodeSession | undefined): boolean {
  const probe = (session as { echoOff?: () => boolean } | undefined)?.echoOff;
  return typeof probe === 'function' ? probe.call(session) : false;
}

export function createEngine(options: EngineOptions): Engine {
  return new LockstepEngine(options);
}

/** Finds a step by full id (`runbook/step`) or by its unique step-id part. */
export function findStep(steps: PlannedStep[], id: string): number {
  const exact = steps.findIndex((s) => s.id === id);
  if (exact >= 0) return exact;
  const matches = steps.map((s, i) => [s, i] as const).filter(([s]) => s.id.endsWith(`/${id}`));
  return matches.length === 1 ? (matches[0]?.[1] ?? -1) : -1;
}

type WaitReason = 'approval' | 'failed' | 'gate';

class LockstepEngine implements Engine {
  private readonly plan: Plan;
  private readonly steps: PlannedStep[];
  private readonly listeners = new Set<(e: LockstepEvent) => void>();
  private events: LockstepEvent[] = [];
  /** Output of the current callback, per node, not yet emitted (see queueOutput). */
  private readonly heldOutput = new Map<string, string>();
  private outputQueued = false;
  /** Output characters per node currently in `events`. */
  private readonly outputChars = new Map<string, number>();
  private readonly historyOutputChars: number;
  private readonly now: () => number;
  private readonly t0: number;
  private readonly sessions = new Map<string, NodeSession>();
  private readonly gone = new Map<string, string>();
  private readonly goneWaiters = new Map<string, ((reason: string) => void)[]>();
  private readonly status: StepStatus[];
  private readonly journals = new Map<number, FileJournal>();
  private readonly toSkip = new Set<number>();
  private readonly identities: NodeIdentity[];
  private readonly hostKeyWaiters = new Map<string, { fingerprint: string; resolve: (ok: boolean) => void }>();
  private readonly quitController = new AbortController();
  private inbox: OperatorIntent[] = [];
  private wake: (() => void) | undefined;
  private resumeWaiters: (() => void)[] = [];
  private cursor = 0;
  private paused = false;
  private quitting = false;
  private interrupted = false;
  private quitWhileRunning = false;
  private runningToGate = false;
  private current: AbortController | undefined;
  private started = false;

  constructor(private readonly options: EngineOptions) {
    this.plan = options.plan;
    setMaxListeners(10 + 2 * this.plan.nodes.length, this.quitController.signal);
    this.steps = options.plan.steps;
    this.now = options.now ?? (() => performance.now());
    this.historyOutputChars = Math.max(0, options.historyOutputChars ?? 512 * 1024);
    this.t0 = this.now();
    this.status = this.steps.map(() => 'pending');
    for (const e of options.earlier ?? []) {
      const i = this.steps.findIndex((s) => s.id === e.step);
      if (i < 0) continue;
      this.status[i] = 'passed';
      const journal = new FileJournal();
      for (const b of e.backups) journal.rememberRecorded(b);
      this.journals.set(i, journal);
    }
    this.identities = this.plan.nodes.map((n) => ({ name: n.name, address: n.address, vars: options.nodeVars?.[n.name] }));
  }

  subscribe(listener: (event: LockstepEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  history(): readonly LockstepEvent[] {
    return this.events;
  }

  /** Keeps an event for `history()`, dropping a node's oldest output beyond the limit. */
  private remember(event: LockstepEvent): void {
    this.events.push(event);
    if (event.type !== 'node.output') return;
    const total = (this.outputChars.get(event.node) ?? 0) + event.data.length;
    this.outputChars.set(event.node, total);
    // Compact when a node holds twice its share: amortized O(1) per output character.
    if (total > 2 * this.historyOutputChars + 64 * 1024) this.compactHistory();
  }

  /** Drops output events older than the newest `historyOutputChars` of each node's output. */
  private compactHistory(): void {
    const kept = new Map<string, number>();
    const out: LockstepEvent[] = [];
    for (let i = this.events.length - 1; i >= 0; i--) {
      const e = this.events[i] as LockstepEvent;
      if (e.type === 'node.output') {
        const sum = kept.get(e.node) ?? 0;
        // Whole events only: cutting one could split an escape sequence.
        if (sum >= this.historyOutputChars) continue;
        kept.set(e.node, sum + e.data.length);
      }
      out.push(e);
    }
    this.events = out.reverse();
    this.outputChars.clear();
    for (const [node, chars] of kept) this.outputChars.set(node, chars);
  }

  /**
   * Output is gathered per node until the current callback is over (a microtask): one socket
   * read carries many SSH packets, each its own chunk (a few hundred bytes in a flood), and each
   * event costs a recorded line (JSON, hash, write) and a pane write. Nothing waits on it: the
   * microtask runs before any other I/O or timer, and any other event flushes it first.
   */
  private queueOutput(node: string, data: string): void {
    const held = this.heldOutput.get(node);
    const all = held === undefined ? data : held + data;
    // A transport that hands over megabytes in one callback still gets bounded events.
    if (all.length >= MAX_HELD_OUTPUT) {
      this.heldOutput.delete(node);
      this.emit({ type: 'node.output', node, data: all });
      return;
    }
    this.heldOutput.set(node, all);
    if (!this.outputQueued) {
      this.outputQueued = true;
      queueMicrotask(this.releaseOutput);
    }
  }

  private readonly releaseOutput = (): void => {
    this.outputQueued = false;
    if (this.heldOutput.size === 0) return;
    const held = [...this.heldOutput];
    this.heldOutput.clear();
    for (const [node, data] of held) this.emit({ type: 'node.output', node, data });
  };

  private emit(body: EventBody): void {
    if (body.type !== 'node.output' && this.heldOutput.size > 0) this.releaseOutput();
    const event = { t: Math.max(0, Math.round(this.now() - this.t0)), ...body } as LockstepEvent;
    this.remember(event);
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (err) {
        // A broken listener must not stop the run; say so once per event.
        process.emitWarning(`lockstep: event listener failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  dispatch(intent: OperatorIntent): void {
    switch (intent.kind) {
      case 'input': {
        const targets = intent.nodes.filter((n) => this.sessions.has(n) && !this.gone.has(n));
        // A pane with echo off (a password prompt) gets the keys, the event stream never does.
        const hidden = targets.some((n) => echoOff(this.sessions.get(n)));
        const enter = /[\r\n]+$/.exec(intent.data)?.[0] ?? '';
        // The keys go out before the event is recorded: the echo's round trip starts sooner.
        for (const n of targets) this.sessions.get(n)?.write(intent.data);
        this.emit({ type: 'node.input', nodes: targets, data: hidden ? REDACTED + enter : intent.data, redacted: hidden });
        return;
      }
      case 'resize': {
        const targets = intent.nodes ?? [...this.sessions.keys()];
        for (const n of targets) this.sessions.get(n)?.resize(intent.cols, intent.rows);
        this.emit({ type: 'node.resized', cols: intent.cols, rows: intent.rows, nodes: intent.nodes });
        return;
      }
      default:
        break;
    }
    this.emit({ type: 'operator.intent', intent });
    switch (intent.kind) {
      case 'pause':
        this.paused = true;
        return;
      case 'resume':
        this.paused = false;
        this.releasePause();
        return;
      case 'interrupt':
        if (this.current && !this.current.signal.aborted) {
          this.interrupted = true;
          this.current.abort();
        }
        return;
      case 'quit':
        this.quitting = true;
        if (this.current) this.quitWhileRunning = true;
        this.current?.abort();
        this.quitController.abort();
        for (const w of this.hostKeyWaiters.values()) w.resolve(false);
        this.hostKeyWaiters.clear();
        this.releasePause();
        this.wake?.();
        return;
      case 'accept-host-key': {
        const w = this.hostKeyWaiters.get(intent.node);
        if (w && w.fingerprint === intent.fingerprint) {
          this.hostKeyWaiters.delete(intent.node);
          w.resolve(true);
        }
        return;
      }
      default:
        this.inbox.push(intent);
        this.wake?.();
    }
  }

  async run(): Promise<SessionEnd> {
    if (this.started) throw new Error('engine.run() may be called once');
    this.started = true;
    const meta = this.options.meta ?? { version: '', operator: '', host: '', cols: 80, rows: 24 };
    this.emit({
      type: 'session.started',
      version: meta.version,
      operator: meta.operator,
      host: meta.host,
      startedAt: new Date().toISOString(),
      runbooks: this.plan.runbooks.map((r) => ({ name: r.name, file: r.file, sha256: r.sha256 })),
      nodes: this.plan.nodes,
      steps: this.steps.map((s) => ({ id: s.id, title: s.title, nodes: s.nodes, explanation: s.explanation })),
      cols: meta.cols,
      rows: meta.rows,
    });
    let end: SessionEnd;
    try {
      await this.connectAll();
      if (this.options.startAt !== undefined) this.goto(this.options.startAt);
      end = this.options.rollbackOnly !== undefined ? await this.rollbackOnly(this.options.rollbackOnly) : await this.drive();
    } finally {
      await this.closeAll();
    }
    this.emit({ type: 'session.ended', status: end });
    return end;
  }

  // ---- nodes ----------------------------------------------------------------------------

  private async connectAll(): Promise<void> {
    // Only nodes some step runs on: an inventory often lists more (a gateway, workers).
    const used = new Set(this.steps.flatMap((s) => s.nodes));
    const nodes = this.plan.nodes.map((n) => n.name).filter((n) => used.has(n));
    await Promise.all(
      nodes.map(async (node) => {
        this.emit({ type: 'node.connecting', node });
        try {
          const session = await this.options.connect(node, {
            emit: (e) => this.emit(e),
            signal: this.quitController.signal,
            askHostKey: (fingerprint) =>
              new Promise<boolean>((resolve) => {
                if (this.quitting) return resolve(false);
                this.hostKeyWaiters.set(node, { fingerprint, resolve });
              }),
          });
          if (this.quitting) {
            await session.close().catch(() => undefined);
            this.markGone(node, 'closed', 'session ended');
            return;
          }
          this.sessions.set(node, session);
          session.onOutput((data) => this.queueOutput(node, data));
          session.onClose(({ lost, reason }) => this.markGone(node, lost ? 'lost' : 'closed', reason));
          this.emit({ type: 'node.connected', node });
        } catch (err) {
          this.markGone(node, 'refused', err instanceof Error ? err.message : String(err));
        }
      }),
    );
  }

  private markGone(node: string, status: 'lost' | 'closed' | 'refused', reason: string): void {
    if (this.gone.has(node)) return;
    this.gone.set(node, reason);
    this.emit({ type: 'node.status', node, status, reason });
    for (const w of this.goneWaiters.get(node) ?? []) w(reason);
    this.goneWaiters.delete(node);
  }

  private whenGone(node: string): Promise<string> {
    const reason = this.gone.get(node);
    if (reason !== undefined) return Promise.resolve(reason);
    if (!this.sessions.has(node)) return Promise.resolve('not connected');
    return new Promise((resolve) => {
      const list = this.goneWaiters.get(node) ?? [];
      list.push(resolve);
      this.goneWaiters.set(node, list);
    });
  }

  private async closeAll(): Promise<void> {
    await Promise.allSettled(
      [...this.sessions.entries()].filter(([n]) => !this.gone.has(n)).map(([n, s]) =>
        Promise.race([s.close(), new Promise((r) => setTimeout(r, 5000).unref())]).finally(() => this.markGone(n, 'closed', 'session ended')),
      ),
    );
  }

  private context(step: string, signal: AbortSignal): StepContext {
    return {
      step,
      emit: (e) => this.emit(e),
      session: (n) => (this.gone.has(n) ? undefined : this.sessions.get(n)),
      whenGone: (n) => this.whenGone(n),
      signal,
      backups: this.options.backups,
      forceRestore: this.options.forceRestore,
      secrets: this.plan.secrets,
    };
  }

  // ---- the operator loop ----------------------------------------------------------------

  private nextIntent(): Promise<OperatorIntent> {
    const queued = this.inbox.shift();
    if (this.quitting) return Promise.resolve({ kind: 'quit' });
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => {
      this.wake = () => {
        this.wake = undefined;
        resolve(this.quitting ? { kind: 'quit' } : (this.inbox.shift() ?? { kind: 'resume' }));
      };
    });
  }

  private releasePause(): void {
    const waiters = this.resumeWaiters;
    this.resumeWaiters = [];
    for (const w of waiters) w();
  }

  private async untilUnpaused(step: string): Promise<void> {
    while (this.paused && !this.quitting) {
      this.emit({ type: 'engine.waiting', reason: 'paused', step });
      await new Promise<void>((resolve) => this.resumeWaiters.push(resolve));
    }
  }

  private notice(level: 'info' | 'warn' | 'error', message: string): void {
    this.emit({ type: 'notice', level, message });
  }

  private stepIndex(id: string): number {
    const i = findStep(this.steps, id);
    if (i < 0) this.notice('error', `no step "${id}" in this plan`);
    return i;
  }

  private goto(id: string): void {
    const i = this.stepIndex(id);
    if (i >= 0) this.cursor = i;
  }

  private async drive(): Promise<SessionEnd> {
    const auto = this.options.autoApprove ?? false;
    const stopOnFailure = this.options.stopOnFailure ?? auto;
    const stayAtEnd = this.options.stayAtEnd ?? !auto;
    let reason: WaitReason = 'approval';
    for (;;) {
      if (this.quitting) return this.quitWhileRunning ? 'interrupted' : this.summary();
      if (this.cursor >= this.steps.length) {
        if (!stayAtEnd) return this.summary();
        // An operator is there: the plan is done, but rollback, retry and goto still make sense.
        this.emit({ type: 'engine.waiting', reason: 'done' });
        if (await this.onWaitingIntent(await this.nextIntent())) reason = 'approval';
        else await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      const step = this.steps[this.cursor] as PlannedStep;
      if (this.toSkip.delete(this.cursor)) {
        this.setStatus(this.cursor, 'skipped');
        this.cursor++;
        continue;
      }
      // Upload this step's and the next one's scripts now, while waiting for approval.
      prefetchSteps(this.steps, this.cursor, (n) => (this.gone.has(n) ? undefined : this.sessions.get(n)));
      await this.untilUnpaused(step.id);
      if (this.quitting) continue;
      const ask = !(auto || this.runningToGate) || reason === 'failed';
      const writesFiles = reason !== 'failed' && step.actions.some((b) => b.kind === 'file');
      const mayNeedConfirm = !auto && (this.options.confirmFileWrites ?? false) && writesFiles;
      let mustApprove = false;
      if (writesFiles && (ask || mayNeedConfirm)) {
        // The file changes first: whoever sees the wait must know whether the step overwrites files.
        const preview = await previewFiles(step, { session: (n) => (this.gone.has(n) ? undefined : this.sessions.get(n)), emit: (e) => this.emit(e), signal: this.quitController.signal });
        if (this.quitting) continue;
        mustApprove = mayNeedConfirm && preview.mayChange;
      }
      if (ask || mustApprove) {
        if (!ask) this.notice('info', `run to gate stopped before ${step.id}: it writes files, approve it to go on`);
        this.emit({ type: 'engine.waiting', reason, step: step.id });
        this.interrupted = false;
        const intent = await this.nextIntent();
        // Anything but the approval itself ends a run to the gate here.
        if (mustApprove && intent.kind !== 'approve') this.runningToGate = false;
        let go: boolean;
        if (mustApprove && this.startsUnapproved(intent)) {
          // A `next` typed while the previous step ran, or a run-to-gate, never writes files.
          this.notice('warn', `${step.id} writes files: it runs only when approved`);
          go = false;
        } else go = await this.onWaitingIntent(intent);
        if (!go) {
          // Let timers and I/O run before asking again, even if a view answers every wait at once.
          await new Promise((resolve) => setImmediate(resolve));
          if (reason !== 'failed' || this.status[this.cursor] !== 'failed') reason = 'approval';
          continue;
        }
      }
      const passed = await this.execute(this.cursor);
      if (passed) {
        const hadGates = step.gates.length > 0;
        this.cursor++;
        reason = 'approval';
        if (this.runningToGate && hadGates) {
          this.runningToGate = false;
          reason = 'gate';
        }
      } else {
        this.runningToGate = false;
        if (this.quitting) continue;
        if (stopOnFailure) return this.interrupted ? 'interrupted' : 'failed';
        reason = 'failed';
      }
    }
  }

  /** Whether `intent` would start the step at the cursor without an `approve` naming it. */
  private startsUnapproved(intent: OperatorIntent): boolean {
    if (intent.kind === 'next' || intent.kind === 'run-to-gate') return true;
    return intent.kind === 'retry' && findStep(this.steps, intent.step) === this.cursor;
  }

  /** How the session stands when it ends without an interrupted step. */
  private summary(): SessionEnd {
    if (this.status.includes('failed')) return 'failed';
    return this.status.every((s) => s === 'passed' || s === 'skipped') ? 'completed' : 'aborted';
  }

  /** Handles one intent while idle; true when the step at the cursor should run now. */
  private async onWaitingIntent(intent: OperatorIntent): Promise<boolean> {
    switch (intent.kind) {
      case 'next':
        return true;
      case 'run-to-gate':
        this.runningToGate = true;
        return true;
      case 'approve': {
        const i = this.stepIndex(intent.step);
        if (i === this.cursor) return true;
        if (i >= 0) this.notice('warn', `step ${intent.step} is not the next step; nothing approved`);
        return false;
      }
      case 'retry': {
        const i = this.stepIndex(intent.step);
        if (i < 0) return false;
        if (i > this.cursor) {
          this.notice('warn', `step ${intent.step} has not run yet; nothing to retry`);
          return false;
        }
        this.cursor = i;
        return true;
      }
      case 'skip': {
        const i = this.stepIndex(intent.step);
        if (i < 0) return false;
        if (i === this.cursor) {
          this.setStatus(i, 'skipped');
          this.cursor++;
        } else if (i > this.cursor) {
          this.toSkip.add(i);
          this.notice('info', `step ${intent.step} will be skipped`);
        } else {
          this.notice('warn', `step ${intent.step} is already behind; roll back to it instead`);
        }
        return false;
      }
      case 'rollback': {
        const i = this.stepIndex(intent.toStep);
        if (i >= 0) await this.rollbackTo(i);
        return false;
      }
      case 'goto':
        this.goto(intent.step);
        return false;
      default:
        return false;
    }
  }

  private setStatus(i: number, status: StepStatus, reason?: string): void {
    this.status[i] = status;
    const step = this.steps[i];
    if (step) this.emit({ type: 'step.finished', step: step.id, status, reason });
  }

  // ---- running and undoing steps --------------------------------------------------------

  private async execute(i: number): Promise<boolean> {
    const step = this.steps[i] as PlannedStep;
    const ctl = new AbortController();
    // Every node's block listens to the step's signal: many nodes are not a leak.
    setMaxListeners(10 + 2 * this.plan.nodes.length, ctl.signal);
    this.current = ctl;
    this.interrupted = false;
    this.status[i] = 'running';
    this.emit({ type: 'step.started', step: step.id });
    let journal = this.journals.get(i);
    if (!journal) {
      journal = new FileJournal();
      this.journals.set(i, journal);
    }
    const ctx = this.context(step.id, ctl.signal);
    let failure: string | undefined;
    const missing = step.nodes.filter((n) => this.gone.has(n) || !this.sessions.has(n));
    if (missing.length > 0) failure = `not connected: ${missing.map((n) => `${n} (${this.gone.get(n) ?? 'no session'})`).join(', ')}`;

    const interruptedOr = (f: string) => (ctl.signal.aborted ? `interrupted (${f})` : f);
    for (const block of step.actions) {
      if (failure) break;
      await this.untilUnpaused(step.id);
      if (ctl.signal.aborted) {
        failure = 'interrupted';
        break;
      }
      if (block.kind === 'file') {
        const bad = (await runFileBlock(ctx, block, journal)).filter((o) => !o.ok);
        if (bad.length) failure = interruptedOr(`${block.id} failed on ${bad.map((o) => `${o.node} (${o.reason})`).join(', ')}`);
      } else {
        const runs = await runBlock(ctx, block);
        this.checkDivergence(step.id, block.id, runs);
        const bad = runs.map((r) => ({ node: r.node, reason: failureReason(r, block.timeoutMs) })).filter((r) => r.reason);
        if (bad.length) failure = interruptedOr(`${block.id} failed on ${bad.map((o) => `${o.node} (${o.reason})`).join(', ')}`);
      }
    }
    for (const gate of step.gates) {
      if (failure) break;
      await this.untilUnpaused(step.id);
      if (ctl.signal.aborted) {
        failure = 'interrupted';
        break;
      }
      let bad: { node: string; reason?: string }[];
      if (gate.kind === 'san-check') {
        bad = (await runSanCheckGate(ctx, gate, this.options.sanCheck)).filter((o) => !o.ok);
      } else {
        const { outcomes, runs } = await runVerifyGate(ctx, gate);
        this.checkDivergence(step.id, gate.id, runs);
        bad = outcomes.filter((o) => !o.ok);
      }
      if (bad.length) failure = interruptedOr(`gate ${gate.id} failed on ${bad.map((o) => `${o.node}: ${o.reason}`).join('; ')}`);
    }
    this.current = undefined;
    this.setStatus(i, failure ? 'failed' : 'passed', failure);
    return !failure;
  }

  private checkDivergence(step: string, block: string, runs: NodeRun[]): void {
    const order = this.plan.nodes.map((n) => n.name);
    const finished = runs
      // Nodes that failed are reported as failures already; divergence is about nodes that
      // all succeeded yet printed different things.
      .filter((r) => r.gone === undefined && r.result.exitCode === 0)
      .sort((a, b) => order.indexOf(a.node) - order.indexOf(b.node))
      .map((r) => ({ node: r.node, output: r.result.output }));
    const report = detectDivergence(finished, this.identities);
    if (report) this.emit({ type: 'divergence', step, block, majority: report.majority, outliers: report.outliers, tie: report.tie });
  }

  /** `rollbackOnly`: rolls back to `id` and ends (completed when every step rolled back). */
  private async rollbackOnly(id: string): Promise<SessionEnd> {
    const to = this.stepIndex(id);
    if (to < 0) return 'failed';
    this.cursor = this.steps.length;
    // Every node backup is checked before anything is undone: a bad one refuses the whole rollback.
    const check = this.context('', this.quitController.signal);
    let refused = false;
    for (let i = this.steps.length - 1; i >= to; i--) {
      for (const p of (await checkRecordedBackups(check, this.journals.get(i))).problems) {
        refused = true;
        this.emit({ type: 'notice', level: 'error', node: p.node, message: `cannot roll back ${this.steps[i]?.id}: ${p.reason}` });
      }
    }
    if (refused) return 'failed';
    await this.rollbackTo(to);
    if (this.quitting) return 'interrupted';
    return this.status.some((s, i) => i >= to && s === 'failed') ? 'failed' : 'completed';
  }

  /** Rolls back every step that ran, from the latest down to step `to`, in reverse order. */
  private async rollbackTo(to: number): Promise<void> {
    const ran = (s: StepStatus) => s === 'passed' || s === 'failed';
    let from = -1;
    this.status.forEach((s, i) => {
      if (i >= to && ran(s)) from = i;
    });
    if (from < 0) {
      this.notice('warn', `nothing to roll back: no step from ${this.steps[to]?.id ?? to} on has run`);
      this.cursor = to;
      return;
    }
    const ctl = new AbortController();
    // Every node's block listens to the step's signal: many nodes are not a leak.
    setMaxListeners(10 + 2 * this.plan.nodes.length, ctl.signal);
    this.current = ctl;
    for (let i = from; i >= to; i--) {
      if (!ran(this.status[i] as StepStatus)) continue;
      const step = this.steps[i] as PlannedStep;
      this.emit({ type: 'rollback.started', step: step.id });
      const result = await rollbackStep(this.context(step.id, ctl.signal), step, this.journals.get(i));
      if (!result.ok) {
        this.setStatus(i, 'failed', `rollback failed: ${result.problems.map((p) => `${p.node}: ${p.reason}`).join('; ')}`);
        this.cursor = i;
        this.current = undefined;
        return;
      }
      this.journals.delete(i);
      this.setStatus(i, 'rolled-back');
    }
    this.current = undefined;
    this.cursor = to;
  }
}
