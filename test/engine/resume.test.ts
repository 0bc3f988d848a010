// Resume, as pure logic: where an interrupted session continues, what is re-checked, and what
// is refused. The property test at the end cuts a real recording (written by the Recorder from
// a real engine run on in-memory nodes) after every line, as kill -9 would, and resumes each.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import { describeResume, findResumePoint, RECHECK_SUFFIX, ResumeError, resumedPlan, type ResumeSource } from '../../src/engine/resume.js';
import { decodeRecording, Recorder } from '../../src/record/index.js';
import type { Plan } from '../../src/runbook/plan-types.js';
import type { EventBody, LockstepEvent } from '../../src/state/events.js';
import { MemorySession, type ScriptHandler } from './memory-session.js';
import { NODES, plan, step } from './plan-builder.js';

const P = plan([
  step('one', [{ kind: 'run', script: 'echo one' }, { kind: 'verify', script: 'test -f one' }]),
  step('two', [{ kind: 'run', script: 'echo two' }]),
  step('three', [{ kind: 'run', script: 'echo three' }, { kind: 'verify', script: 'test -f three' }]),
  step('four', [{ kind: 'run', script: 'echo four' }]),
]);
const RB = P.runbooks;
const FILE = 'old.jsonl';

function started(p: Plan = P): EventBody {
  return { type: 'session.started', version: '0', operator: 'op', host: 'h', startedAt: '2026-01-01T00:00:00Z', runbooks: p.runbooks, nodes: p.nodes, steps: p.steps.map((s) => ({ id: s.id, title: s.title, nodes: s.nodes })), cols: 80, rows: 24 };
}
const ok = (id: string): EventBody[] => [
  { type: 'step.started', step: `rb/${id}` },
  { type: 'step.finished', step: `rb/${id}`, status: 'passed' },
];
function src(bodies: EventBody[], header: ResumeSource['header'] = { runbooks: RB }): ResumeSource {
  return { file: FILE, header, events: bodies.map((b, t) => ({ ...b, t }) as LockstepEvent) };
}
/** The `block.finished` of an action block on every node. */
const actionDone = (stepId: string, block: string): EventBody[] => NODES.map((node) => ({ type: 'block.finished', step: `rb/${stepId}`, block: `rb/${stepId}/${block}`, node, exitCode: 0, timedOut: false, interrupted: false }));

describe('findResumePoint', () => {
  it('continues after the last completed step, re-checking its gates, when cut off inside the next one', () => {
    const p = findResumePoint(src([started(), ...ok('one'), { type: 'step.started', step: 'rb/two' }, { type: 'block.started', step: 'rb/two', block: 'rb/two/run-1', nodes: NODES }]), P);
    expect(p.nextIndex).toBe(1);
    expect(p.lastCompleted).toEqual({ id: 'rb/one', status: 'passed', line: 4 });
    expect(p.recheck?.step.id).toBe('rb/one');
    expect(p.recheck?.why).toBe('last-completed');
    expect(p.cutOff).toMatchObject({ id: 'rb/two', line: 5, actionsDone: false });
    const lines = describeResume(p, P, FILE);
    expect(lines).toContain('last completed step: rb/one (passed, old.jsonl:4)');
    expect(lines).toContain('rb/two was cut off while running (old.jsonl:5); it runs again from its first block');
    expect(lines).toContain('re-checking the gates of rb/one first (rb/one/verify-2)');
    expect(lines.at(-1)).toBe('continuing at rb/two (step 2 of 4)');
  });

  it('re-checks the nearest passed step when the last completed one has no gates', () => {
    const p = findResumePoint(src([started(), ...ok('one'), ...ok('two')]), P);
    expect(p.nextIndex).toBe(2);
    expect(p.lastCompleted?.id).toBe('rb/two');
    expect(p.recheck).toBeUndefined();
    expect(p.noRecheck).toBe('rb/two has no gates');
  });

  it('walks back over skipped steps to the last passed one', () => {
    const p = findResumePoint(src([started(), ...ok('one'), { type: 'step.finished', step: 'rb/two', status: 'skipped' }]), P);
    expect(p.lastCompleted).toMatchObject({ id: 'rb/two', status: 'skipped' });
    expect(p.recheck?.step.id).toBe('rb/one');
  });

  it('when only the gates of a step were cut off, re-checks them and goes on after it', () => {
    const p = findResumePoint(
      src([started(), ...ok('one'), ...ok('two'), { type: 'step.started', step: 'rb/three' }, ...actionDone('three', 'run-1'), { type: 'block.started', step: 'rb/three', block: 'rb/three/verify-2', nodes: NODES }]),
      P,
    );
    expect(p.recheck).toMatchObject({ why: 'gates-cut-off' });
    expect(p.recheck?.step.id).toBe('rb/three');
    expect(p.nextIndex).toBe(3);
    expect(p.lastCompleted?.id).toBe('rb/two');
    expect(describeResume(p, P, FILE)).toContain('rb/three was cut off in its gates (old.jsonl:7); every action had finished on every node, so only its gates run again');
    // One node had not finished the action: the whole step runs again.
    const partial = findResumePoint(src([started(), ...ok('one'), ...ok('two'), { type: 'step.started', step: 'rb/three' }, ...actionDone('three', 'run-1').slice(0, 2)]), P);
    expect(partial.nextIndex).toBe(2);
    expect(partial.recheck).toBeUndefined(); // rb/two has no gates
  });

  it('runs a failed step again, and a rolled-back one from the lowest step rolled back', () => {
    const failed = findResumePoint(src([started(), ...ok('one'), { type: 'step.started', step: 'rb/two' }, { type: 'step.finished', step: 'rb/two', status: 'failed', reason: 'boom' }, { type: 'session.ended', status: 'failed' }]), P);
    expect(failed.nextIndex).toBe(1);
    expect(failed.failedAt).toMatchObject({ id: 'rb/two', line: 6, reason: 'boom' });
    expect(failed.ended).toEqual({ status: 'failed', line: 7 });
    const rolled = findResumePoint(
      src([started(), ...ok('one'), ...ok('two'), ...ok('three'), { type: 'rollback.started', step: 'rb/three' }, { type: 'step.finished', step: 'rb/three', status: 'rolled-back' }, { type: 'rollback.started', step: 'rb/two' }, { type: 'step.finished', step: 'rb/two', status: 'rolled-back' }]),
      P,
    );
    expect(rolled.nextIndex).toBe(1);
    expect(rolled.recheck?.step.id).toBe('rb/one');
    // A retry that passed moves on again.
    const retried = findResumePoint(src([started(), ...ok('one'), { type: 'step.started', step: 'rb/two' }, { type: 'step.finished', step: 'rb/two', status: 'failed' }, ...ok('two')]), P);
    expect(retried.nextIndex).toBe(2);
    expect(retried.failedAt).toBeUndefined();
  });

  it('starts at the beginning when nothing was completed (cut off while connecting, or before any event)', () => {
    for (const bodies of [[], [started(), { type: 'node.connecting', node: 'n0' } as EventBody]]) {
      const p = findResumePoint(src(bodies), P);
      expect(p.nextIndex).toBe(0);
      expect(p.recheck).toBeUndefined();
      expect(p.noRecheck).toBe('no step was completed before it');
    }
  });

  it('a session that started later (--from) continues after its own steps', () => {
    const p = findResumePoint(src([started(), ...ok('three')]), P);
    expect(p.nextIndex).toBe(3);
    expect(p.recheck?.step.id).toBe('rb/three');
  });

  it('every step done: nothing left', () => {
    const p = findResumePoint(src([started(), ...ok('one'), ...ok('two'), ...ok('three'), ...ok('four'), { type: 'session.ended', status: 'completed' }]), P);
    expect(p.nextIndex).toBe(4);
    expect(resumedPlan(P, p, FILE).steps.map((s) => s.id)).toEqual([]);
    expect(describeResume(p, P, FILE).at(-1)).toBe('no steps left to run');
  });

  it('refuses a changed runbook naming file:1, unless forced', () => {
    const changed = { runbooks: [{ ...RB[0], sha256: 'f'.repeat(64) } as (typeof RB)[number]] };
    const run = () => findResumePoint(src([started(), ...ok('one')], changed), P);
    expect(run).toThrow(ResumeError);
    expect(run).toThrow(/^old\.jsonl:1: runbook "rb" \(test\.md\) changed since it was recorded \(sha256 ffffffffffff… then, 000000000000… now\).*--force/);
    const forced = findResumePoint(src([started(), ...ok('one')], changed), P, { force: true });
    expect(forced.warnings).toEqual(['runbook "rb" (test.md) changed since it was recorded (sha256 ffffffffffff… then, 000000000000… now)']);
    expect(forced.nextIndex).toBe(1);
    expect(describeResume(forced, P, FILE)[0]).toMatch(/^warning \(--force\): runbook "rb"/);
    // Missing or extra runbooks, and a header without runbooks.
    expect(() => findResumePoint(src([], { runbooks: [...RB, { name: 'etcd', file: 'etcd.md', sha256: 'a'.repeat(64) }] }), P)).toThrow(/runbook "etcd" \(etcd\.md\) was part of the recorded session but is not part of this run/);
    expect(() => findResumePoint(src([], { runbooks: [] }), P)).toThrow(/runbook "rb" \(test\.md\) is new/);
    expect(() => findResumePoint(src([], {}), P)).toThrow(/^old\.jsonl:1: the recording does not say which runbooks it ran/);
  });

  it('refuses steps that are gone or now target other nodes, naming the session.started line', () => {
    const fewer = plan(P.steps.map((s) => ({ ...s, nodes: s.nodes.slice(0, 2) })));
    expect(() => findResumePoint(src([{ type: 'notice', level: 'info', message: 'x' }, started(), ...ok('one')]), fewer)).toThrow(/^old\.jsonl:3: step rb\/one ran on n0, n1, n2 and would now run on n0, n1 \(the inventory changed\)/);
    const shorter = plan(P.steps.slice(1));
    expect(() => findResumePoint(src([started(), ...ok('one')]), shorter)).toThrow(/^old\.jsonl:2: step rb\/one is not in the runbooks now/);
    // Forced: the unknown step is ignored.
    expect(findResumePoint(src([started(), ...ok('one'), ...ok('two')]), shorter, { force: true }).nextIndex).toBe(1);
  });
});

describe('resumedPlan', () => {
  it('puts a re-check step (the gates only, on the gates’ nodes) before the steps still to run', () => {
    const gated = plan([step('a', [{ kind: 'run', script: 'x' }, { kind: 'verify', script: 'y', nodes: ['n1'] }, { kind: 'rollback', script: 'z' }]), step('b', [{ kind: 'run', script: 'w' }])]);
    const p = findResumePoint(src([started(gated), ...ok('a')], { runbooks: gated.runbooks }), gated);
    const r = resumedPlan(gated, p, FILE);
    expect(r.steps.map((s) => s.id)).toEqual([`rb/a${RECHECK_SUFFIX}`, 'rb/b']);
    const re = r.steps[0];
    expect(re).toMatchObject({ title: 'Re-check: a', nodes: ['n1'], actions: [], rollbacks: [] });
    expect(re?.gates.map((g) => g.id)).toEqual(['rb/a/verify-2']);
    expect(re?.explanation).toContain('old.jsonl');
    expect(r.runbooks).toBe(gated.runbooks);
  });

  it('a resumed recording resumes again the same way, also when its re-check failed', () => {
    const resumedHeader = { runbooks: RB, previous: { lastCompletedStep: 'rb/one' } };
    const second = resumedPlan(P, findResumePoint(src([started(), ...ok('one'), { type: 'step.started', step: 'rb/two' }]), P), FILE);
    const s2 = (bodies: EventBody[]) => findResumePoint(src([started(second), ...bodies], resumedHeader), P);
    // Cut off before anything ran: same as the first time.
    expect(s2([])).toMatchObject({ nextIndex: 1, lastCompleted: { id: 'rb/one' } });
    expect(s2([]).recheck?.step.id).toBe('rb/one');
    // The re-check failed: re-check again, never re-run rb/one.
    const f = s2([{ type: 'step.started', step: 'rb/one.recheck' }, { type: 'step.finished', step: 'rb/one.recheck', status: 'failed' }]);
    expect(f.nextIndex).toBe(1);
    expect(f.recheck?.step.id).toBe('rb/one');
    // Went on to pass rb/two and rb/three.
    const g = s2([...ok('one.recheck'), ...ok('two'), ...ok('three'), { type: 'step.started', step: 'rb/four' }]);
    expect(g.nextIndex).toBe(3);
    expect(g.recheck?.step.id).toBe('rb/three');
    // Its header alone (cut off before session.started) is enough.
    expect(findResumePoint(src([], resumedHeader), P).nextIndex).toBe(1);
  });
});

describe('kill -9 after every line of a real recording', () => {
  /** Runs `p` on in-memory nodes with --yes, recording to a file; `ran` counts actions per node. */
  async function record(p: Plan, file: string, ran: Map<string, number>, header: ConstructorParameters<typeof Recorder>[1]['header'] = {}): Promise<string> {
    const handler: ScriptHandler = ({ node, blockId }) => {
      if (!blockId.includes('/verify')) ran.set(`${node} ${blockId}`, (ran.get(`${node} ${blockId}`) ?? 0) + 1);
      return { output: `${blockId} on ${node}\r\n` };
    };
    const sessions = new Map(NODES.map((n) => [n, new MemorySession(n, handler)]));
    const engine = createEngine({ plan: p, autoApprove: true, connect: async (node) => sessions.get(node) as MemorySession });
    const rec = new Recorder(file, { secrets: [], header: { runbooks: p.runbooks, ...header } });
    engine.subscribe((e) => rec.write(e));
    const end = await engine.run();
    rec.close();
    return end;
  }

  it('resumes at every cut point: no completed step runs again, every step ends up done', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockstep-resume-'));
    const full = join(dir, 'full.jsonl');
    expect(await record(P, full, new Map())).toBe('completed');
    const bytes = readFileSync(full);
    const lineEnds = [...bytes.entries()].filter(([, b]) => b === 0x0a).map(([i]) => i);
    expect(lineEnds.length).toBeGreaterThan(30);
    for (let k = 1; k < lineEnds.length; k++) {
      // The first k lines, and half of the next one (killed while writing it).
      const end = lineEnds[k - 1] as number;
      const cut = bytes.subarray(0, end + 1 + Math.floor(((lineEnds[k] as number) - end) / 2));
      const d = decodeRecording(cut, 'cut.jsonl');
      expect(d.lines).toBe(k);
      const point = findResumePoint({ file: 'cut.jsonl', header: d.header as ResumeSource['header'], events: d.events }, P);
      const passed = new Set(d.events.flatMap((e) => (e.type === 'step.finished' && e.status === 'passed' ? [e.step] : [])));
      const next = resumedPlan(P, point, 'cut.jsonl');
      const willRun = new Set(next.steps.filter((s) => s.actions.length > 0).map((s) => s.id));
      for (const s of P.steps) {
        // Cut off after every action had finished well: only its gates are left (or none).
        const cutInGates = point.cutOff?.actionsDone === true && point.cutOff.id === s.id;
        // Completed steps never run again; every other step does (or only its gates are left).
        expect(passed.has(s.id) || cutInGates ? !willRun.has(s.id) : willRun.has(s.id), `cut after line ${k}: ${s.id}`).toBe(true);
      }
      // The re-check is of the last step done, when it had gates.
      if (point.recheck?.why === 'last-completed') expect(point.recheck.step.id).toBe(P.steps[point.nextIndex - 1]?.id);
      if (passed.size > 0 && point.lastCompleted?.id === 'rb/one') expect(next.steps[0]?.id).toBe('rb/one.recheck');
      // And the resumed run completes, re-checking first, running each remaining action once.
      if (next.steps.length === 0) continue;
      const ran = new Map<string, number>();
      const rec2 = join(dir, `resumed-${k}.jsonl`);
      expect(await record(next, rec2, ran, { previous: { file: 'cut.jsonl', head: d.head ?? '', lines: d.lines } })).toBe('completed');
      for (const s of P.steps) for (const a of s.actions) for (const n of a.nodes) expect(ran.get(`${n} ${a.id}`) ?? 0, `cut after line ${k}: ${a.id} on ${n}`).toBe(willRun.has(s.id) ? 1 : 0);
      const events2 = decodeRecording(readFileSync(rec2), rec2).events;
      if (point.recheck) expect(events2.filter((e) => e.type === 'gate.result' && e.step === `${point.recheck?.step.id}.recheck` && e.ok)).toHaveLength(point.recheck.step.gates.length * NODES.length);
    }
  });
});
