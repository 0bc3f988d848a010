import { describe, expect, it } from 'vitest';
import {
  createSessionStore, gateSummary, initialSessionState, reduce, reduceAll, selectFocusStep, selectIsRunning,
  selectNextStep, selectProposedDiffs, type LockstepEvent,
} from '../../src/state/index.js';
import { demoApproved, demoOpening, demoStep, stamp } from '../../src/ui/demo/script.js';

const opening = stamp(demoOpening());

describe('reduce', () => {
  it('announces nodes and steps, all pending, from session.started', () => {
    const s = reduceAll(initialSessionState(), opening);
    expect(s.started).toBe(true);
    expect(s.nodes.map((n) => [n.name, n.status])).toEqual([
      ['controller-0', 'connected'], ['controller-1', 'connected'], ['controller-2', 'connected'],
    ]);
    expect(s.steps.map((x) => x.status)).toEqual(['pending', 'pending', 'pending', 'pending']);
    expect(s.steps[0]!.explanation).toContain('**etcd**');
    expect(s.size).toEqual({ cols: 60, rows: 10 });
  });

  it('leaves state untouched for output bytes (no re-render on floods)', () => {
    const s = reduceAll(initialSessionState(), opening);
    expect(reduce(s, { t: 99, type: 'node.output', node: 'controller-0', data: 'x' })).toBe(s);
  });

  it('marks nodes as blocks run and settles them when the step finishes', () => {
    let s = reduceAll(initialSessionState(), opening);
    s = reduceAll(s, stamp([{ type: 'step.started', step: 'etcd/download' }, { type: 'block.started', step: 'etcd/download', block: 'b', nodes: ['controller-0', 'controller-1', 'controller-2'] }], 100));
    expect(s.currentStep).toBe('etcd/download');
    expect(selectIsRunning(s)).toBe(true);
    expect(s.steps[0]!.marks['controller-1']).toBe('running');
    s = reduce(s, { t: 200, type: 'block.finished', step: 'etcd/download', block: 'b', node: 'controller-1', exitCode: 2, timedOut: false, interrupted: false });
    expect(s.steps[0]!.marks['controller-1']).toBe('failed');
    s = reduce(s, { t: 201, type: 'step.finished', step: 'etcd/download', status: 'failed', reason: 'exit 2' });
    expect(s.steps[0]!.marks).toEqual({ 'controller-0': 'failed', 'controller-1': 'failed', 'controller-2': 'failed' });
    expect(s.steps[0]!.reason).toBe('exit 2');
    expect(selectIsRunning(s)).toBe(false);
  });

  it('folds gates, diffs, divergence and waiting from a realistic session', () => {
    const events = stamp([...demoOpening(), ...demoStep(0), ...demoStep(1)]);
    let s = reduceAll(initialSessionState(), events);
    expect(s.steps[0]!.status).toBe('passed');
    expect(s.waiting).toEqual({ reason: 'approval', step: 'etcd/unit' });
    expect(selectProposedDiffs(s).map((d) => d.node)).toEqual(['controller-0', 'controller-1', 'controller-2']);
    s = reduce(s, { t: 500, type: 'operator.intent', intent: { kind: 'approve', step: 'etcd/unit' } });
    expect(s.waiting).toBeNull();
    s = reduceAll(s, stamp([...demoApproved(), ...demoStep(2)], 501));
    expect(selectProposedDiffs(s)).toEqual([]);
    expect(s.diffs.every((d) => d.state === 'written')).toBe(true);
    const verify = s.steps[2]!;
    expect(gateSummary(verify, 'controller-0').state).toBe('passing');
    const bad = gateSummary(verify, 'controller-2');
    expect(bad.state).toBe('failed');
    expect(bad.failed?.reason).toBe('pattern "started" not found');
    expect(s.divergences[0]!.outliers[0]!.node).toBe('controller-2');
    expect(selectFocusStep(s)?.id).toBe('etcd/verify');
    expect(selectNextStep(s)?.id).toBe('apiserver/certs');
    expect(s.waiting?.reason).toBe('failed');
  });

  it('moves the focus to the next step once the current one passed, not when it failed', () => {
    let s = reduceAll(initialSessionState(), stamp([...demoOpening(), ...demoStep(0)]));
    expect(s.currentStep).toBe('etcd/download');
    expect(selectFocusStep(s)?.id).toBe('etcd/unit');
    s = reduceAll(s, stamp([{ type: 'step.started', step: 'etcd/unit' }, { type: 'step.finished', step: 'etcd/unit', status: 'failed' }], 900));
    expect(selectFocusStep(s)?.id).toBe('etcd/unit');
  });

  it('bounds notices and records the end', () => {
    let s = initialSessionState();
    for (let i = 0; i < 80; i++) s = reduce(s, { t: i, type: 'notice', level: 'info', message: `n${i}` });
    expect(s.notices).toHaveLength(50);
    expect(s.notices.at(-1)!.message).toBe('n79');
    s = reduce(s, { t: 100, type: 'session.ended', status: 'completed' });
    expect(s.ended).toBe('completed');
    expect(s.t).toBe(100);
  });

  it('ignores events for unknown steps instead of failing', () => {
    const s = reduceAll(initialSessionState(), opening);
    expect(reduce(s, { t: 5, type: 'step.finished', step: 'nope', status: 'passed' })).toBe(s);
  });
});

describe('createSessionStore', () => {
  it('routes output to pane screens and everything else through the reducer', async () => {
    const store = createSessionStore({ scrollback: 100 });
    let notified = 0;
    store.state.subscribe(() => notified++);
    const listeners: ((e: LockstepEvent) => void)[] = [];
    store.connect({ subscribe: (l) => (listeners.push(l), () => undefined) });
    for (const e of opening) listeners.forEach((l) => l(e));
    const before = notified;
    for (let i = 0; i < 100; i++) listeners.forEach((l) => l({ t: 50 + i, type: 'node.output', node: 'controller-1', data: `line ${i}\r\n` }));
    expect(notified).toBe(before); // the flood did not touch the store
    await store.panes.whenIdle();
    expect(store.panes.get('controller-1').text()).toContain('line 99');
    expect(store.panes.get('controller-0').cols).toBe(60);
    listeners.forEach((l) => l({ t: 300, type: 'node.resized', cols: 70, rows: 12 }));
    expect(store.panes.get('controller-2').cols).toBe(70);
    expect(store.state.getState().size).toEqual({ cols: 70, rows: 12 });
    store.dispose();
  });
});
