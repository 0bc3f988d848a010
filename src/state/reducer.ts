// The fold of the event stream into what the operator sees. Pure: same events, same state,
// whether they come from a live engine or a recording.
import { assertNever, type LockstepEvent, type StepStatus } from './events.js';
import { MAX_NOTICES, type GateMark, type NodeMark, type SessionState, type StepView } from './session-state.js';

export function reduce(state: SessionState, event: LockstepEvent): SessionState {
  const next = apply(state, event);
  return next === state ? state : { ...next, t: event.t };
}

export function reduceAll(state: SessionState, events: Iterable<LockstepEvent>): SessionState {
  for (const e of events) state = reduce(state, e);
  return state;
}

function apply(state: SessionState, e: LockstepEvent): SessionState {
  switch (e.type) {
    case 'session.started':
      return {
        ...state,
        started: true,
        meta: { version: e.version, operator: e.operator, host: e.host, startedAt: e.startedAt, runbooks: e.runbooks },
        nodes: e.nodes.map((n) => ({ name: n.name, address: n.address, groups: n.groups, status: 'connecting' })),
        steps: e.steps.map((s) => ({
          id: s.id,
          title: s.title,
          nodes: s.nodes,
          explanation: s.explanation ?? '',
          changes: s.changes ?? [],
          status: 'pending',
          rollingBack: false,
          marks: Object.fromEntries(s.nodes.map((n) => [n, 'pending' as NodeMark])),
          gates: {},
        })),
        size: { cols: e.cols, rows: e.rows },
        ended: null,
      };
    case 'node.connecting':
      return updateNode(state, e.node, { status: 'connecting', reason: undefined });
    case 'node.connected':
      return updateNode(state, e.node, { status: 'connected', reason: undefined, hostKey: undefined });
    case 'node.status':
      return updateNode(state, e.node, { status: e.status, reason: e.reason });
    case 'hostkey.unknown':
      return updateNode(state, e.node, {
        hostKey: { fingerprint: e.fingerprint, keyType: e.keyType, knownHosts: e.knownHosts, line: e.line, changed: e.changed },
      });
    case 'hostkey.accepted':
      return updateNode(state, e.node, { hostKey: undefined });
    case 'node.output':
    case 'node.input':
      // Bytes belong to the pane screens, not to state: nothing the step list shows changes.
      return state;
    case 'node.resized':
      return e.nodes ? state : { ...state, size: { cols: e.cols, rows: e.rows } };
    case 'step.started':
      return {
        ...updateStep(state, e.step, (s) => ({
          ...s,
          status: 'running',
          reason: undefined,
          rollingBack: false,
          marks: Object.fromEntries(s.nodes.map((n) => [n, 'pending' as NodeMark])),
          gates: {},
        })),
        currentStep: e.step,
        waiting: null,
      };
    case 'block.started':
      return updateStep(state, e.step, (s) => ({ ...s, marks: { ...s.marks, ...Object.fromEntries(e.nodes.map((n) => [n, 'running' as NodeMark])) } }));
    case 'block.finished': {
      const mark: NodeMark = e.exitCode === 0 && !e.timedOut && !e.interrupted ? 'ok' : 'failed';
      return updateStep(state, e.step, (s) => ({ ...s, marks: { ...s.marks, [e.node]: s.marks[e.node] === 'failed' ? 'failed' : mark } }));
    }
    case 'file.diff': {
      const diffs = state.diffs.filter((d) => !(d.step === e.step && d.block === e.block && d.node === e.node));
      diffs.push({ step: e.step, block: e.block, node: e.node, path: e.path, existed: e.existed, diff: e.diff, changed: e.changed, state: 'proposed' });
      return { ...state, diffs };
    }
    case 'file.written':
      return setDiffState(state, e.step, e.block, e.node, 'written');
    case 'file.restored':
      return setDiffState(state, e.step, e.block, e.node, e.removed ? 'removed' : 'restored');
    case 'file.backup':
      return state;
    case 'gate.attempt':
      return setGate(state, e.step, e.node, { block: e.block, state: 'pending', attempt: e.attempt });
    case 'gate.result':
      return setGate(state, e.step, e.node, {
        block: e.block,
        state: e.ok ? 'passing' : 'failed',
        attempt: e.attempt,
        reason: e.ok ? undefined : (e.reason ?? (e.exitCode === null ? 'no exit status' : `exit code ${e.exitCode}`)),
        tail: e.ok ? undefined : e.tail,
      });
    case 'divergence': {
      const divergences = state.divergences.filter((d) => !(d.step === e.step && d.block === e.block));
      divergences.push({ step: e.step, block: e.block, majority: e.majority, tie: e.tie ?? false, outliers: e.outliers });
      return { ...state, divergences };
    }
    case 'step.finished':
      return updateStep(state, e.step, (s) => ({ ...s, status: e.status, reason: e.reason, rollingBack: false, marks: finalMarks(s, e.status) }));
    case 'rollback.started':
      return { ...updateStep(state, e.step, (s) => ({ ...s, rollingBack: true })), waiting: null };
    case 'engine.waiting':
      return { ...state, waiting: { reason: e.reason, step: e.step }, paused: e.reason === 'paused' };
    case 'operator.intent':
      if (e.intent.kind === 'pause') return { ...state, paused: true };
      if (e.intent.kind === 'resume' || e.intent.kind === 'next' || e.intent.kind === 'run-to-gate' || e.intent.kind === 'approve' || e.intent.kind === 'skip' || e.intent.kind === 'retry' || e.intent.kind === 'rollback') {
        // The operator acted: the engine no longer waits (it says so again if it does).
        return state.paused || state.waiting ? { ...state, paused: false, waiting: null } : state;
      }
      return state;
    case 'notice': {
      const notices = [...state.notices, { t: e.t, level: e.level, message: e.message, node: e.node }];
      return { ...state, notices: notices.length > MAX_NOTICES ? notices.slice(-MAX_NOTICES) : notices };
    }
    case 'session.ended':
      return { ...state, ended: e.status };
    default:
      return assertNever(e);
  }
}

function updateNode(state: SessionState, name: string, patch: Partial<SessionState['nodes'][number]>): SessionState {
  const i = state.nodes.findIndex((n) => n.name === name);
  const nodes = [...state.nodes];
  if (i < 0) nodes.push({ name, groups: [], status: 'connecting', ...patch });
  else nodes[i] = { ...nodes[i]!, ...patch };
  return { ...state, nodes };
}

function updateStep(state: SessionState, id: string, f: (s: StepView) => StepView): SessionState {
  const i = state.steps.findIndex((s) => s.id === id);
  if (i < 0) return state; // an event for a step the session never announced: nothing to show
  const steps = [...state.steps];
  steps[i] = f(steps[i]!);
  return { ...state, steps };
}

function setGate(state: SessionState, step: string, node: string, mark: GateMark): SessionState {
  return updateStep(state, step, (s) => ({ ...s, gates: { ...s.gates, [node]: { ...s.gates[node], [mark.block]: mark } } }));
}

function setDiffState(state: SessionState, step: string, block: string, node: string, to: 'written' | 'restored' | 'removed'): SessionState {
  const i = state.diffs.findIndex((d) => d.step === step && d.block === block && d.node === node);
  if (i < 0) return state;
  const diffs = [...state.diffs];
  diffs[i] = { ...diffs[i]!, state: to };
  return { ...state, diffs };
}

/** A finished step settles every node's mark that was still open. */
function finalMarks(s: StepView, status: StepStatus): Record<string, NodeMark> {
  const marks: Record<string, NodeMark> = {};
  for (const n of s.nodes) {
    const m = s.marks[n] ?? 'pending';
    if (status === 'skipped') marks[n] = m === 'ok' || m === 'failed' ? m : 'skipped';
    else if (status === 'rolled-back') marks[n] = 'rolled-back';
    else if (status === 'passed') marks[n] = m === 'failed' ? 'failed' : 'ok';
    else if (status === 'failed') marks[n] = m === 'running' ? 'failed' : m;
    else marks[n] = m;
  }
  return marks;
}
