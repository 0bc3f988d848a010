// selectFocusStep follows the step the engine waits on, not only the last step that ran.
import { describe, expect, it } from 'vitest';
import { initialSessionState, reduceAll, selectFocusStep, type EventBody } from '../../src/state/index.js';
import { demoOpening, demoStep, stamp } from '../../src/ui/demo/script.js';

const run = (bodies: EventBody[]) => reduceAll(initialSessionState(), stamp([...demoOpening(), ...bodies]));

describe('selectFocusStep', () => {
  it('is the step the engine waits to run after --from, although no step ran yet', () => {
    const s = run([{ type: 'engine.waiting', reason: 'approval', step: 'etcd/verify' }]);
    expect(s.currentStep).toBeNull();
    expect(selectFocusStep(s)?.id).toBe('etcd/verify');
  });

  it('is the step a rollback went back to, not the last step that ran', () => {
    const s = run([
      ...demoStep(0),
      { type: 'step.started', step: 'etcd/unit' },
      { type: 'step.finished', step: 'etcd/unit', status: 'passed' },
      { type: 'rollback.started', step: 'etcd/unit' },
      { type: 'step.finished', step: 'etcd/unit', status: 'rolled-back' },
      { type: 'rollback.started', step: 'etcd/download' },
      { type: 'step.finished', step: 'etcd/download', status: 'rolled-back' },
      { type: 'engine.waiting', reason: 'approval', step: 'etcd/download' },
    ]);
    expect(s.currentStep).toBe('etcd/unit');
    expect(selectFocusStep(s)?.id).toBe('etcd/download');
  });

  it('is the failed step while the engine waits on it, and the running step while no one waits', () => {
    let s = run([...demoStep(0), { type: 'engine.waiting', reason: 'approval', step: 'etcd/unit' }, { type: 'step.started', step: 'etcd/unit' }]);
    expect(selectFocusStep(s)?.id).toBe('etcd/unit');
    s = reduceAll(s, stamp([{ type: 'step.finished', step: 'etcd/unit', status: 'failed' }, { type: 'engine.waiting', reason: 'failed', step: 'etcd/unit' }], 100));
    expect(selectFocusStep(s)?.id).toBe('etcd/unit');
  });

  it('falls back to the last step when the engine waits on nothing (all done)', () => {
    const s = run([
      ...['etcd/download', 'etcd/unit', 'etcd/verify', 'apiserver/certs'].flatMap((step): EventBody[] => [
        { type: 'step.started', step },
        { type: 'step.finished', step, status: 'passed' },
      ]),
      { type: 'engine.waiting', reason: 'done' },
    ]);
    expect(selectFocusStep(s)?.id).toBe('apiserver/certs');
  });
});
