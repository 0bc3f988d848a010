// Output is emitted per node once per callback, not per chunk: a flood's socket read holds many
// SSH packets, and each event costs a recorded line. Order and content must not change.
import { describe, expect, it } from 'vitest';
import { of } from './engine-events.js';
import { engineOver, MemorySession } from './memory-session.js';
import { NODES, plan, step } from './plan-builder.js';

describe('engine output events', () => {
  it('joins the chunks one callback delivers into one event per node, before the events that follow', async () => {
    const sessions = new Map(
      NODES.map((n) => [
        n,
        new MemorySession(n, ({ session }) => {
          // Many small chunks in one synchronous callback, as ssh2 delivers a socket read.
          for (let i = 0; i < 100; i++) session.print(`${n} line ${i}\r\n`);
          return { output: `${n} done\r\n` };
        }),
      ]),
    );
    const { engine, events } = engineOver(sessions, { plan: plan([step('s', [{ kind: 'run', script: 'x' }])]), autoApprove: true });
    expect(await engine.run()).toBe('completed');
    for (const n of NODES) {
      const outputs = of(events, 'node.output').filter((e) => e.node === n);
      const text = outputs.map((e) => e.data).join('');
      expect(text).toBe(`${Array.from({ length: 100 }, (_, i) => `${n} line ${i}\r\n`).join('')}${n} done\r\n`);
      // One callback, one event (the runScript output is printed in a later one).
      expect(outputs.length).toBeLessThanOrEqual(2);
      // The node's output comes before its block's end.
      const lastOut = events.lastIndexOf(outputs.at(-1)!);
      const finished = events.findIndex((e) => e.type === 'block.finished' && e.node === n);
      expect(lastOut).toBeLessThan(finished);
    }
  });

  it('emits at once when one callback holds more than a socket read, so events stay bounded', async () => {
    const big = 'y\r\n'.repeat(100_000);
    const sessions = new Map(
      NODES.map((n) => [
        n,
        new MemorySession(n, ({ session }) => {
          for (let i = 0; i < 10; i++) session.print(big);
          return {};
        }),
      ]),
    );
    const { engine, events } = engineOver(sessions, { plan: plan([step('s', [{ kind: 'run', script: 'x' }])]), autoApprove: true });
    expect(await engine.run()).toBe('completed');
    const outputs = of(events, 'node.output');
    expect(outputs.reduce((sum, e) => sum + e.data.length, 0)).toBe(NODES.length * 10 * big.length);
    for (const e of outputs) expect(e.data.length).toBeLessThan(big.length + 64 * 1024);
  });
});
