// What the operator sees, as plain data: the fold of the event stream (see reducer.ts).
// Pane contents are not here: bytes go to src/terminal screens, which are too big and too
// hot to copy into immutable state.
import type { EventBody, NodeStatus, StepStatus } from './events.js';

export type WaitReason = Extract<EventBody, { type: 'engine.waiting' }>['reason'];

/** Where a node stands on one step. */
export type NodeMark = 'pending' | 'running' | 'ok' | 'failed' | 'skipped' | 'rolled-back';

/** One gate block on one node. */
export interface GateMark {
  block: string;
  state: 'pending' | 'passing' | 'failed';
  attempt: number;
  reason?: string;
  tail?: string;
}

export interface StepView {
  id: string;
  title: string;
  nodes: string[];
  /** Markdown prose. */
  explanation: string;
  /** What the step will change, in a few words each (may be empty). */
  changes: string[];
  status: StepStatus;
  /** Why the step ended the way it did (from step.finished), if the engine said. */
  reason?: string;
  /** Its rollback is under way. */
  rollingBack: boolean;
  /** node → how its blocks went. */
  marks: Record<string, NodeMark>;
  /** node → block → gate result. */
  gates: Record<string, Record<string, GateMark>>;
}

export interface NodeView {
  name: string;
  address?: string;
  groups: string[];
  status: NodeStatus;
  reason?: string;
  /** Set while the node's host key is unknown or changed and waits for the operator. */
  hostKey?: { fingerprint: string; keyType: string; knownHosts: string; line?: number; changed: boolean };
}

export interface FileDiffView {
  step: string;
  block: string;
  node: string;
  path: string;
  existed: boolean;
  /** Unified diff text. */
  diff: string;
  changed: boolean;
  state: 'proposed' | 'written' | 'restored' | 'removed';
}

export interface DivergenceView {
  step: string;
  block: string;
  majority: string[];
  /** No group was larger than the others: `majority` is only the reference group. */
  tie: boolean;
  outliers: { node: string; diff: string }[];
}

export interface NoticeView {
  t: number;
  level: 'info' | 'warn' | 'error';
  message: string;
  node?: string;
}

export interface SessionState {
  started: boolean;
  meta: { version: string; operator: string; host: string; startedAt: string; runbooks: { name: string; file: string; sha256: string }[] } | null;
  nodes: NodeView[];
  steps: StepView[];
  /** The step started last (running, or the one that just finished). */
  currentStep: string | null;
  paused: boolean;
  /** What the engine waits for from the operator, if it is idle; cleared by the next step activity. */
  waiting: { reason: WaitReason; step?: string } | null;
  /** PTY size the panes were last resized to. */
  size: { cols: number; rows: number };
  diffs: FileDiffView[];
  divergences: DivergenceView[];
  /** The most recent notices (bounded). */
  notices: NoticeView[];
  ended: 'completed' | 'failed' | 'aborted' | 'interrupted' | null;
  /** `t` of the last event folded. */
  t: number;
}

export const MAX_NOTICES = 50;

export function initialSessionState(): SessionState {
  return {
    started: false,
    meta: null,
    nodes: [],
    steps: [],
    currentStep: null,
    paused: false,
    waiting: null,
    size: { cols: 80, rows: 24 },
    diffs: [],
    divergences: [],
    notices: [],
    ended: null,
    t: 0,
  };
}
