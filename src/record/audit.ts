// `lockstep audit`: who ran what, where, when, and what it changed, as a pure fold over the
// recorded events (plus the header). Rendering to Markdown is separate (audit-md.ts).
import { assertNever, type LockstepEvent, type OperatorIntent, type StepStatus } from '../state/events.js';
import type { HeaderInfo } from './header.js';

export type NodeOutcome = 'pending' | 'ok' | 'failed' | 'timed out' | 'interrupted' | 'skipped' | 'rolled back' | 'not run';

export interface AuditStep {
  id: string;
  title: string;
  nodes: string[];
  /** Final status; `pending` when it never ran. */
  status: StepStatus;
  reason?: string;
  /** How many times it was started (more than 1: retried). */
  runs: number;
  firstStartedAt?: number;
  lastFinishedAt?: number;
  /** node → outcome of the step's last run. */
  outcome: Record<string, NodeOutcome>;
  /** node → exit codes of its blocks in the last run, in order. */
  exitCodes: Record<string, (number | null)[]>;
  gates: { node: string; block: string; ok: boolean; attempts: number; t: number; reason?: string }[];
  rolledBack: boolean;
}

export interface AuditDecision {
  t: number;
  kind: OperatorIntent['kind'] | 'accept-host-key';
  /** In words, for people. */
  what: string;
}

export interface AuditReport {
  recording: { file: string; version: number; lines: number; head: string | null; endedCleanly: boolean };
  session: {
    lockstep?: string;
    operator?: string;
    host?: string;
    startedAt?: string;
    /** Wall-clock end: startedAt + duration. */
    endedAt?: string;
    durationMs: number;
    /** session.ended's status, or `cut off` when it never came. */
    status: 'completed' | 'failed' | 'aborted' | 'interrupted' | 'cut off';
    runbooks: { name: string; file: string; sha256: string }[];
    terminal?: { cols: number; rows: number };
    resumedFrom?: HeaderInfo['previous'];
  };
  nodes: { name: string; address?: string; groups: string[]; status: string; reason?: string }[];
  hostKeys: { t: number; node: string; fingerprint: string; keyType: string; event: 'accepted' | 'unknown' | 'changed'; by?: string; knownHosts?: string }[];
  steps: AuditStep[];
  decisions: AuditDecision[];
  typed: { t: number; nodes: string[]; data: string; redacted: boolean }[];
  files: { t: number; step: string; block: string; node: string; path: string; action: 'written' | 'restored' | 'removed'; existed?: boolean; diff?: string; backup?: string }[];
  divergences: { t: number; step: string; block: string; majority: string[]; tie: boolean; outliers: { node: string; diff: string }[] }[];
  notices: { t: number; level: 'warn' | 'error'; message: string; node?: string }[];
}

export interface AuditInput {
  file: string;
  version: number;
  lines: number;
  head: string | null;
  ended: boolean;
  header: Partial<HeaderInfo> & { createdAt?: string };
  events: readonly LockstepEvent[];
}

function intentWords(i: OperatorIntent): string | null {
  switch (i.kind) {
    case 'next':
      return 'run the next step';
    case 'run-to-gate':
      return 'run to the next gate';
    case 'pause':
      return 'pause';
    case 'resume':
      return 'resume';
    case 'skip':
      return `skip ${i.step}`;
    case 'retry':
      return `retry ${i.step}`;
    case 'rollback':
      return `roll back to ${i.toStep}`;
    case 'interrupt':
      return 'interrupt (Ctrl-C) the running block on every node';
    case 'accept-host-key':
      return `accept ${i.node}'s host key ${i.fingerprint}`;
    case 'approve':
      return `approve ${i.step}`;
    case 'quit':
      return 'quit';
    case 'goto':
      return `go to ${i.step}`;
    case 'input':
    case 'resize':
      return null; // typing is listed apart (node.input); resizes are not decisions
    default:
      return assertNever(i);
  }
}

function outcomeOf(exitCode: number | null, timedOut: boolean, interrupted: boolean): NodeOutcome {
  if (timedOut) return 'timed out';
  if (interrupted) return 'interrupted';
  return exitCode === 0 ? 'ok' : 'failed';
}

function addMs(iso: string | undefined, ms: number): string | undefined {
  if (!iso) return undefined;
  const d = Date.parse(iso);
  return Number.isFinite(d) ? new Date(d + ms).toISOString() : undefined;
}

/** The whole audit in one pass over the events. */
export function auditRecording(input: AuditInput): AuditReport {
  const h = input.header;
  const r: AuditReport = {
    recording: { file: input.file, version: input.version, lines: input.lines, head: input.head, endedCleanly: input.ended },
    session: {
      lockstep: h.lockstep,
      operator: h.operator,
      host: h.host,
      startedAt: h.createdAt,
      durationMs: 0,
      status: 'cut off',
      runbooks: h.runbooks ?? [],
      terminal: h.terminal,
      resumedFrom: h.previous,
    },
    nodes: (h.inventory?.nodes ?? []).map((n) => ({ name: n.name, address: n.address, groups: n.groups, status: 'not connected' })),
    hostKeys: [],
    steps: [],
    decisions: [],
    typed: [],
    files: [],
    divergences: [],
    notices: [],
  };
  const steps = new Map<string, AuditStep>();
  const node = (name: string) => {
    let n = r.nodes.find((x) => x.name === name);
    if (!n) r.nodes.push((n = { name, groups: [], status: 'not connected' }));
    return n;
  };
  const step = (id: string): AuditStep => {
    let s = steps.get(id);
    if (!s) {
      s = { id, title: id, nodes: [], status: 'pending', runs: 0, outcome: {}, exitCodes: {}, gates: [], rolledBack: false };
      steps.set(id, s);
      r.steps.push(s);
    }
    return s;
  };
  const diffs = new Map<string, { existed: boolean; diff: string }>();
  const backups = new Map<string, string>();
  for (const e of input.events) {
    r.session.durationMs = Math.max(r.session.durationMs, e.t); // t counts from the session's start
    switch (e.type) {
      case 'session.started':
        Object.assign(r.session, {
          lockstep: e.version || r.session.lockstep,
          operator: e.operator || r.session.operator,
          host: e.host || r.session.host,
          startedAt: e.startedAt || r.session.startedAt,
          runbooks: e.runbooks.length ? e.runbooks : r.session.runbooks,
          terminal: { cols: e.cols, rows: e.rows },
        });
        for (const n of e.nodes) Object.assign(node(n.name), { address: n.address ?? node(n.name).address, groups: n.groups });
        for (const s of e.steps) Object.assign(step(s.id), { title: s.title, nodes: s.nodes, outcome: Object.fromEntries(s.nodes.map((n) => [n, 'not run'])) });
        break;
      case 'node.connecting':
        node(e.node).status = 'connecting';
        break;
      case 'node.connected':
        Object.assign(node(e.node), { status: 'connected', reason: undefined });
        break;
      case 'node.status':
        Object.assign(node(e.node), { status: e.status, reason: e.reason });
        break;
      case 'hostkey.unknown':
        r.hostKeys.push({ t: e.t, node: e.node, fingerprint: e.fingerprint, keyType: e.keyType, event: e.changed ? 'changed' : 'unknown', knownHosts: e.knownHosts });
        break;
      case 'hostkey.accepted':
        r.hostKeys.push({ t: e.t, node: e.node, fingerprint: e.fingerprint, keyType: e.keyType, event: 'accepted', by: e.by });
        r.decisions.push({ t: e.t, kind: 'accept-host-key', what: `trusted ${e.node}'s new ${e.keyType} host key ${e.fingerprint} (${e.by === 'flag' ? '--accept-new-host-keys' : 'answered at the prompt'})` });
        break;
      case 'node.output':
      case 'node.resized':
      case 'block.started':
      case 'gate.attempt':
      case 'engine.waiting':
        break;
      case 'node.input':
        r.typed.push({ t: e.t, nodes: e.nodes, data: e.data, redacted: e.redacted });
        break;
      case 'step.started': {
        const s = step(e.step);
        s.runs++;
        s.firstStartedAt ??= e.t;
        s.status = 'running';
        s.outcome = Object.fromEntries(s.nodes.map((n) => [n, 'pending']));
        s.exitCodes = {};
        s.gates = []; // the last run's gates are the ones that count
        break;
      }
      case 'block.finished': {
        const s = step(e.step);
        (s.exitCodes[e.node] ??= []).push(e.exitCode);
        const o = outcomeOf(e.exitCode, e.timedOut, e.interrupted);
        if (s.outcome[e.node] === 'pending' || s.outcome[e.node] === 'ok' || s.outcome[e.node] === undefined) s.outcome[e.node] = o;
        break;
      }
      case 'file.diff':
        diffs.set(`${e.step}\0${e.block}\0${e.node}`, { existed: e.existed, diff: e.diff });
        break;
      case 'file.written': {
        const d = diffs.get(`${e.step}\0${e.block}\0${e.node}`);
        const backup = backups.get(`${e.step}\0${e.block}\0${e.node}`);
        r.files.push({ t: e.t, step: e.step, block: e.block, node: e.node, path: e.path, action: 'written', existed: d?.existed, diff: d?.diff, ...(backup ? { backup } : {}) });
        break;
      }
      case 'file.backup':
        backups.set(`${e.step}\0${e.block}\0${e.node}`, e.backup);
        break;
      case 'file.restored':
        r.files.push({ t: e.t, step: e.step, block: e.block, node: e.node, path: e.path, action: e.removed ? 'removed' : 'restored' });
        break;
      case 'gate.result': {
        const s = step(e.step);
        const g = s.gates.find((x) => x.node === e.node && x.block === e.block);
        const mark = { node: e.node, block: e.block, ok: e.ok, attempts: e.attempt, t: e.t, reason: e.ok ? undefined : (e.reason ?? (e.exitCode === null ? 'no exit status' : `exit code ${e.exitCode}`)) };
        if (g) Object.assign(g, mark);
        else s.gates.push(mark);
        if (!e.ok) s.outcome[e.node] = 'failed';
        break;
      }
      case 'divergence':
        r.divergences.push({ t: e.t, step: e.step, block: e.block, majority: e.majority, tie: e.tie ?? false, outliers: e.outliers });
        break;
      case 'step.finished': {
        const s = step(e.step);
        s.status = e.status;
        s.reason = e.reason;
        s.lastFinishedAt = e.t;
        // Nodes with no block of their own settle from their gates and the step's verdict.
        for (const n of s.nodes) {
          if (s.outcome[n] !== 'pending' && s.outcome[n] !== 'not run') continue;
          const gates = s.gates.filter((g) => g.node === n);
          if (e.status === 'skipped') s.outcome[n] = 'skipped';
          else if (e.status === 'passed') s.outcome[n] = 'ok';
          else if (e.status === 'failed' && s.outcome[n] === 'pending') s.outcome[n] = gates.length > 0 && gates.every((g) => g.ok) ? 'ok' : 'not run';
        }
        if (e.status === 'rolled-back') for (const n of s.nodes) s.outcome[n] = 'rolled back';
        break;
      }
      case 'rollback.started':
        step(e.step).rolledBack = true;
        break;
      case 'operator.intent': {
        const what = intentWords(e.intent);
        if (what) r.decisions.push({ t: e.t, kind: e.intent.kind, what });
        break;
      }
      case 'notice':
        if (e.level !== 'info') r.notices.push({ t: e.t, level: e.level, message: e.message, node: e.node });
        break;
      case 'session.ended':
        r.session.status = e.status;
        break;
      default:
        assertNever(e);
    }
  }
  r.session.endedAt = addMs(r.session.startedAt, r.session.durationMs);
  return r;
}
