// The engine uploads the scripts of the step it waits on and of the next one ahead of time
// (NodeSession.prepareScript), and many nodes do not trip Node's MaxListeners warning.
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import { MemorySession } from './memory-session.js';
import { NODES, plan, step } from './plan-builder.js';
import { waitFor } from './engine-events.js';

class PrefetchSession extends MemorySession {
  readonly prepared: string[] = [];
  prepareScript(script: string): void {
    this.prepared.push(script);
  }
}

const warnings: Error[] = [];
const onWarning = (w: Error) => warnings.push(w);
afterEach(() => {
  process.off('warning', onWarning);
  warnings.length = 0;
});

describe('engine prefetch', () => {
  it('prepares the waiting step and the next one while waiting for approval, and nothing further', async () => {
    const p = plan(
      [
        step('one', [{ kind: 'run', script: (n) => `echo one ${n}` }, { kind: 'file', path: '/etc/x', content: 'x' }]),
        step('two', [{ kind: 'run', script: 'echo two' }, { kind: 'verify', script: 'check two' }]),
        step('three', [{ kind: 'run', script: 'echo three' }]),
      ],
    );
    const sessions = new Map(NODES.map((n) => [n, new PrefetchSession(n, () => ({}))]));
    const engine = createEngine({ plan: p, connect: async (n) => sessions.get(n)!, stayAtEnd: false });
    const ended = engine.run();
    await waitFor(engine, (e) => e.type === 'engine.waiting' && e.step === 'rb/one');
    expect(sessions.get('n0')!.prepared).toEqual(['echo one n0', 'echo two', 'check two']);
    expect(sessions.get('n1')!.prepared).toEqual(['echo one n1', 'echo two', 'check two']);
    expect(sessions.get('n0')!.scripts).toEqual([]);

    engine.dispatch({ kind: 'next' });
    await waitFor(engine, (e) => e.type === 'engine.waiting' && e.step === 'rb/two');
    expect(sessions.get('n0')!.scripts.map((x) => x.script)).toEqual(['echo one n0']);
    expect(sessions.get('n0')!.prepared.slice(3)).toContain('echo three');
    engine.dispatch({ kind: 'quit' });
    await ended;
  });

  it('works with sessions that have no prepareScript (an optional method)', async () => {
    const p = plan([step('one', [{ kind: 'run', script: 'echo one', nodes: ['a'] }])], ['a']);
    const s = new MemorySession('a', () => ({}));
    const engine = createEngine({ plan: p, connect: async () => s, autoApprove: true });
    expect(await engine.run()).toBe('completed');
    expect(s.scripts.map((x) => x.script)).toEqual(['echo one']);
  });

  it('runs a step on 30 nodes without a MaxListenersExceededWarning', async () => {
    process.on('warning', onWarning);
    const nodes = Array.from({ length: 30 }, (_, i) => `n${i}`);
    const p = plan([step('wide', [{ kind: 'run', script: 'sleep', nodes }]), step('more', [{ kind: 'run', script: 'sleep', nodes }])], nodes);
    // Every node's block listens to the step's signal until it ends.
    const handler = ({ signal }: { signal?: AbortSignal }) =>
      new Promise<Partial<{ exitCode: number }>>((resolve) => {
        const t = setTimeout(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve({ exitCode: 0 });
        }, 20);
        const onAbort = () => clearTimeout(t);
        signal?.addEventListener('abort', onAbort);
      });
    const sessions = new Map(nodes.map((n) => [n, new MemorySession(n, handler)]));
    const engine = createEngine({ plan: p, connect: async (n) => sessions.get(n)!, autoApprove: true });
    expect(await engine.run()).toBe('completed');
    await new Promise((r) => setImmediate(r));
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });
});
