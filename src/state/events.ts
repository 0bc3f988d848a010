// The one event stream. Everything that happens in a session is one of these; the reducer
// folds them into the store the UI renders, the recorder appends them to disk, and replay
// feeds the recorded ones back through the same reducer.
//
// `t` is milliseconds since the session started, from a monotonic clock.
// Add kinds freely; every consumer's switch ends in `assertNever`, so the compiler lists
// the places a new kind must be handled.

export type StepStatus = 'pending' | 'running' | 'passed' | 'failed' | 'skipped' | 'rolled-back';
export type NodeStatus = 'connecting' | 'connected' | 'lost' | 'refused' | 'closed';

export type OperatorIntent =
  | { kind: 'next' }
  | { kind: 'run-to-gate' }
  | { kind: 'pause' }
  | { kind: 'resume' }
  | { kind: 'skip'; step: string }
  | { kind: 'retry'; step: string }
  | { kind: 'rollback'; toStep: string }
  | { kind: 'interrupt' }
  | { kind: 'accept-host-key'; node: string; fingerprint: string }
  | { kind: 'approve'; step: string }
  | { kind: 'quit' }
  /** Keystrokes typed by the operator, to be written to these nodes' panes (focus or broadcast). */
  | { kind: 'input'; nodes: string[]; data: string }
  /** The UI laid out its panes at this size: resize these nodes' PTYs (all when `nodes` is absent). */
  | { kind: 'resize'; cols: number; rows: number; nodes?: string[] }
  /** Move the cursor to this step without running anything (start at / resume from). */
  | { kind: 'goto'; step: string };

export type EventBody =
  | {
      type: 'session.started';
      version: string;
      operator: string;
      host: string;
      startedAt: string; // ISO wall-clock time, for humans; `t` stays monotonic
      runbooks: { name: string; file: string; sha256: string }[];
      nodes: { name: string; address?: string; groups: string[] }[];
      /** `explanation` is the step's Markdown prose, so the UI (live or replayed) can show it;
       * `changes` says in a few words what the step will change (`writes /etc/x on 3 nodes`,
       * `runs 2 commands`), shown before it runs in learning mode. */
      steps: { id: string; title: string; nodes: string[]; explanation?: string; changes?: string[] }[];
      cols: number;
      rows: number;
    }
  | { type: 'node.connecting'; node: string }
  | { type: 'node.connected'; node: string }
  | { type: 'node.status'; node: string; status: NodeStatus; reason?: string }
  | { type: 'hostkey.unknown'; node: string; fingerprint: string; keyType: string; knownHosts: string; line?: number; changed: boolean }
  | { type: 'hostkey.accepted'; node: string; fingerprint: string; keyType: string; by: 'flag' | 'prompt' }
  | { type: 'node.output'; node: string; data: string }
  | { type: 'node.input'; nodes: string[]; data: string; redacted: boolean }
  /** Pane PTYs resized; `nodes` absent means every node. */
  | { type: 'node.resized'; cols: number; rows: number; nodes?: string[] }
  | { type: 'step.started'; step: string }
  | { type: 'block.started'; step: string; block: string; nodes: string[] }
  | { type: 'block.finished'; step: string; block: string; node: string; exitCode: number | null; timedOut: boolean; interrupted: boolean }
  /**
   * `preview`: computed while the step waits for approval, before it runs (nothing written yet;
   * the step diffs again when it writes). Absent: the diff of the write itself.
   */
  | { type: 'file.diff'; step: string; block: string; node: string; path: string; existed: boolean; diff: string; changed: boolean; preview?: boolean }
  | { type: 'file.written'; step: string; block: string; node: string; path: string }
  | { type: 'file.restored'; step: string; block: string; node: string; path: string; removed: boolean }
  /**
   * Before a file block changes `path`, the previous content (or the fact that the file did not
   * exist), its mode and owner were kept on the node in `backup`, a root-only directory that
   * outlives lockstep (a crash, kill -9): `lockstep rollback REC` and `--resume` restore from it.
   * `sha256` is the hex sha256 of the previous content (null when it did not exist); the content
   * itself never enters the recording.
   */
  | { type: 'file.backup'; step: string; block: string; node: string; path: string; backup: string; existed: boolean; sha256: string | null; mode?: number; owner?: string }
  | { type: 'gate.attempt'; step: string; block: string; node: string; attempt: number }
  | {
      type: 'gate.result';
      step: string;
      block: string;
      node: string;
      ok: boolean;
      attempt: number;
      exitCode: number | null;
      /** Plain-words reason when not ok: exit code, pattern not matched, time-out. */
      reason?: string;
      /** The last lines of output, for a failed gate. */
      tail?: string;
    }
  | {
      type: 'divergence';
      step: string;
      block: string;
      majority: string[];
      outliers: { node: string; diff: string }[];
      /** True when no group was larger than the others: `majority` is then the group of the
       * first node in inventory order, used as the reference. */
      tie?: boolean;
    }
  | { type: 'step.finished'; step: string; status: StepStatus; reason?: string }
  /** Rolling this step back: its rollback blocks run, then its files are restored. */
  | { type: 'rollback.started'; step: string }
  /**
   * The engine is idle and waits for an operator intent: `approval` before running `step`
   * (next/approve/run-to-gate/skip), `failed` after `step` failed (retry/skip/rollback/quit),
   * `paused` between blocks (resume), `gate` after run-to-gate reached a passed gate, `done`
   * after the last step (rollback/retry/goto/quit); `step` is absent then.
   */
  | { type: 'engine.waiting'; reason: 'approval' | 'failed' | 'paused' | 'gate' | 'done'; step?: string }
  | { type: 'operator.intent'; intent: OperatorIntent }
  | { type: 'notice'; level: 'info' | 'warn' | 'error'; message: string; node?: string }
  | { type: 'session.ended'; status: 'completed' | 'failed' | 'aborted' | 'interrupted' };

export type LockstepEvent = EventBody & { t: number };
export type EventType = LockstepEvent['type'];

export function assertNever(x: never): never {
  throw new Error(`unhandled event: ${JSON.stringify(x)}`);
}
