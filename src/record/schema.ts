// The minimal shape of each event kind, checked when a recording is read so that a damaged or
// hand-made line is refused with its line number instead of crashing a consumer later.
// Only the fields consumers rely on are listed; unknown fields are allowed (newer writers).
import type { EventType } from '../state/events.js';

type Kind = 'status' | 'end' | 'string' | 'number' | 'boolean' | 'array' | 'object' | 'string[]' | 'number|null' | '?string' | '?string[]';

// Values the reducer and audit branch on: anything else is damage.
const STEP_STATUSES: readonly string[] = ['pending', 'running', 'passed', 'failed', 'skipped', 'rolled-back'];
const END_STATUSES: readonly string[] = ['completed', 'failed', 'aborted', 'interrupted'];

const SCHEMA: Record<EventType, Record<string, Kind>> = {
  'session.started': { version: 'string', operator: 'string', host: 'string', startedAt: 'string', runbooks: 'array', nodes: 'array', steps: 'array', cols: 'number', rows: 'number' },
  'node.connecting': { node: 'string' },
  'node.connected': { node: 'string' },
  'node.status': { node: 'string', status: 'string', reason: '?string' },
  'hostkey.unknown': { node: 'string', fingerprint: 'string', keyType: 'string', knownHosts: 'string', changed: 'boolean' },
  'hostkey.accepted': { node: 'string', fingerprint: 'string', keyType: 'string', by: 'string' },
  'node.output': { node: 'string', data: 'string' },
  'node.input': { nodes: 'string[]', data: 'string', redacted: 'boolean' },
  'node.resized': { cols: 'number', rows: 'number', nodes: '?string[]' },
  'step.started': { step: 'string' },
  'block.started': { step: 'string', block: 'string', nodes: 'string[]' },
  'block.finished': { step: 'string', block: 'string', node: 'string', exitCode: 'number|null', timedOut: 'boolean', interrupted: 'boolean' },
  'file.diff': { step: 'string', block: 'string', node: 'string', path: 'string', existed: 'boolean', diff: 'string', changed: 'boolean' },
  'file.written': { step: 'string', block: 'string', node: 'string', path: 'string' },
  'file.restored': { step: 'string', block: 'string', node: 'string', path: 'string', removed: 'boolean' },
  'file.backup': { step: 'string', block: 'string', node: 'string', path: 'string', backup: 'string', existed: 'boolean' },
  'gate.attempt': { step: 'string', block: 'string', node: 'string', attempt: 'number' },
  'gate.result': { step: 'string', block: 'string', node: 'string', ok: 'boolean', attempt: 'number', exitCode: 'number|null', reason: '?string', tail: '?string' },
  divergence: { step: 'string', block: 'string', majority: 'string[]', outliers: 'array' },
  'step.finished': { step: 'string', status: 'status', reason: '?string' },
  'rollback.started': { step: 'string' },
  'engine.waiting': { reason: 'string', step: '?string' },
  'operator.intent': { intent: 'object' },
  notice: { level: 'string', message: 'string', node: '?string' },
  'session.ended': { status: 'end' },
};

const NESTED: Partial<Record<EventType, (e: Record<string, unknown>) => string | null>> = {
  'session.started': (e) =>
    everyObject(e.nodes, { name: 'string', groups: 'string[]' }, 'nodes') ??
    everyObject(e.steps, { id: 'string', title: 'string', nodes: 'string[]' }, 'steps') ??
    everyObject(e.runbooks, { name: 'string', file: 'string', sha256: 'string' }, 'runbooks'),
  divergence: (e) => everyObject(e.outliers, { node: 'string', diff: 'string' }, 'outliers'),
  'operator.intent': (e) => (typeof (e.intent as { kind?: unknown }).kind === 'string' ? null : 'intent.kind must be a string'),
};

function is(value: unknown, kind: Kind): boolean {
  switch (kind) {
    case 'status':
      return typeof value === 'string' && STEP_STATUSES.includes(value);
    case 'end':
      return typeof value === 'string' && END_STATUSES.includes(value);
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'string[]':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case 'number|null':
      return value === null || is(value, 'number');
    case '?string':
      return value === undefined || typeof value === 'string';
    case '?string[]':
      return value === undefined || is(value, 'string[]');
  }
}

function fieldsProblem(obj: Record<string, unknown>, fields: Record<string, Kind>, where: string): string | null {
  for (const [name, kind] of Object.entries(fields)) {
    if (!is(obj[name], kind)) {
      const want = kind === 'status' ? `one of ${STEP_STATUSES.join(', ')}` : kind === 'end' ? `one of ${END_STATUSES.join(', ')}` : kind.replace('?', 'absent or ');
      return `${where}${name} should be ${want}, found ${describe(obj[name])}`;
    }
  }
  return null;
}

function everyObject(list: unknown, fields: Record<string, Kind>, name: string): string | null {
  const items = list as unknown[];
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (!is(item, 'object')) return `${name}[${i}] should be an object`;
    const p = fieldsProblem(item as Record<string, unknown>, fields, `${name}[${i}].`);
    if (p) return p;
  }
  return null;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return v.length <= 40 ? JSON.stringify(v) : 'a long string';
  return `a ${typeof v}`;
}

export function isKnownEventType(type: string): type is EventType {
  return Object.prototype.hasOwnProperty.call(SCHEMA, type);
}

/** Why this parsed line is not a usable event of its `type`, or null when it is. */
export function eventShapeProblem(type: EventType, e: Record<string, unknown>): string | null {
  return fieldsProblem(e, SCHEMA[type], '') ?? NESTED[type]?.(e) ?? null;
}
