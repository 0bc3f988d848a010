// The replay index: where every step starts and ends, every gate, failure and operator
// decision, and the reducer's state at regular checkpoints, so seeking anywhere in a long
// recording folds at most CHECKPOINT_EVERY events of state. Pure; built once on open.
import type { LockstepEvent } from '../state/events.js';
import { reduce } from '../state/reducer.js';
import { initialSessionState, type SessionState } from '../state/session-state.js';

export type MarkKind = 'step' | 'gate' | 'failure' | 'decision';

export interface ReplayMark {
  kind: MarkKind;
  /** Index of the event in the recording's event list. */
  index: number;
  t: number;
  label: string;
}

export interface StepSpan {
  id: string;
  title: string;
  /** 1-based, in plan order (session.started's step list). */
  number: number;
  /** Event indices of each step.started (several when retried). */
  starts: number[];
  /** Event indices just after each step.finished. */
  ends: number[];
}

export interface ReplayIndex {
  /** Number of events. */
  length: number;
  /** `t` of the last event. */
  duration: number;
  steps: StepSpan[];
  marks: ReplayMark[];
  /** State after folding events[0, index). checkpoints[0] is the initial state at index 0. */
  checkpoints: { index: number; state: SessionState }[];
  /** Running maximum of `t` (recorded times are monotonic, but be safe): tMax[i] = max t of events[0..i]. */
  tMax: Float64Array;
}

export const CHECKPOINT_EVERY = 2000;

export function buildReplayIndex(events: readonly LockstepEvent[], every = CHECKPOINT_EVERY): ReplayIndex {
  const steps = new Map<string, StepSpan>();
  const marks: ReplayMark[] = [];
  const checkpoints: ReplayIndex['checkpoints'] = [{ index: 0, state: initialSessionState() }];
  const tMax = new Float64Array(events.length);
  let state = initialSessionState();
  let maxT = 0;
  const span = (id: string): StepSpan => {
    let s = steps.get(id);
    if (!s) steps.set(id, (s = { id, title: id, number: steps.size + 1, starts: [], ends: [] }));
    return s;
  };
  events.forEach((e, i) => {
    maxT = Math.max(maxT, e.t);
    tMax[i] = maxT;
    // Output never changes the reducer's state: skip the call on the hot path.
    if (e.type !== 'node.output') state = reduce(state, e);
    switch (e.type) {
      case 'session.started':
        for (const s of e.steps) Object.assign(span(s.id), { title: s.title });
        break;
      case 'step.started': {
        const s = span(e.step);
        s.starts.push(i);
        marks.push({ kind: 'step', index: i, t: e.t, label: `Step ${s.number}: ${s.title}` });
        break;
      }
      case 'step.finished':
        span(e.step).ends.push(i + 1);
        if (e.status === 'failed') marks.push({ kind: 'failure', index: i, t: e.t, label: `${e.step} failed${e.reason ? `: ${e.reason}` : ''}` });
        break;
      case 'gate.result':
        marks.push({ kind: 'gate', index: i, t: e.t, label: `gate ${e.block} on ${e.node}: ${e.ok ? 'passed' : 'FAILED'}` });
        if (!e.ok) marks.push({ kind: 'failure', index: i, t: e.t, label: `gate ${e.block} failed on ${e.node}${e.reason ? `: ${e.reason}` : ''}` });
        break;
      case 'block.finished':
        if (e.exitCode !== 0 || e.timedOut || e.interrupted) marks.push({ kind: 'failure', index: i, t: e.t, label: `${e.block} failed on ${e.node}` });
        break;
      case 'operator.intent':
        if (e.intent.kind !== 'input' && e.intent.kind !== 'resize') marks.push({ kind: 'decision', index: i, t: e.t, label: e.intent.kind });
        break;
      case 'hostkey.accepted':
        marks.push({ kind: 'decision', index: i, t: e.t, label: `accept host key of ${e.node}` });
        break;
      default:
        break;
    }
    if ((i + 1) % every === 0) checkpoints.push({ index: i + 1, state });
  });
  return { length: events.length, duration: maxT, steps: [...steps.values()], marks, checkpoints, tMax };
}

/** The number of events with t <= `t` (the index to seek to for time t). */
export function indexAtTime(index: ReplayIndex, t: number): number {
  let lo = 0;
  let hi = index.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((index.tMax[mid] ?? 0) <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The reducer's state after the first `n` events: nearest checkpoint, then a short fold. */
export function stateAt(index: ReplayIndex, events: readonly LockstepEvent[], n: number): SessionState {
  let lo = 0;
  let hi = index.checkpoints.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((index.checkpoints[mid]?.index ?? 0) <= n) lo = mid;
    else hi = mid - 1;
  }
  const cp = index.checkpoints[lo]!;
  let state = cp.state;
  for (let i = cp.index; i < n; i++) {
    const e = events[i]!;
    if (e.type !== 'node.output') state = reduce(state, e);
  }
  return state;
}

/** Finds step number `n` (1-based) or id; undefined when there is none. */
export function findStepSpan(index: ReplayIndex, step: number | string): StepSpan | undefined {
  return typeof step === 'number' ? index.steps.find((s) => s.number === step) : (index.steps.find((s) => s.id === step) ?? index.steps.find((s) => s.id.endsWith(`/${step}`)));
}

/** The first mark of `kind` after event index `from` (exclusive). */
export function nextMark(index: ReplayIndex, kind: MarkKind, from: number): ReplayMark | undefined {
  return index.marks.find((m) => m.kind === kind && m.index > from);
}
