// engine.history() stays bounded in an output flood, yet a view that subscribes late still
// rebuilds the same screens as one that watched from the start.
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import type { LockstepEvent } from '../../src/state/events.js';
import { createSessionStore } from '../../src/state/index.js';
import { PaneTerminal } from '../../src/terminal/index.js';
import { MemorySession } from './memory-session.js';
import { NODES, plan, step } from './plan-builder.js';

const FLOOD = 50 * 1024 * 1024;
const CHUNK = 16 * 1024;

/** Deterministic coloured log lines, different per node, `CHUNK` characters at a time. */
function* flood(node: string): Generator<string> {
  let line = 0;
  let sent = 0;
  let carry = '';
  while (sent < FLOOD) {
    let chunk = carry;
    while (chunk.length < CHUNK) chunk += `\x1b[32m${node}\x1b[0m line ${line++} ${'x'.repeat(line % 40)}\r\n`;
    carry = chunk.slice(CHUNK);
    chunk = chunk.slice(0, CHUNK);
    sent += chunk.length;
    yield chunk;
  }
}

describe('engine history', () => {
  it('keeps at most a fixed amount of output per node through a 50 MB flood, and late subscribers get the right screens', { timeout: 120_000 }, async () => {
    const tails = new Map<string, string[]>();
    const handler = ({ node, session }: { node: string; session: MemorySession }) => {
      const tail: string[] = [];
      for (const chunk of flood(node)) {
        session.print(chunk);
        tail.push(chunk);
        if (tail.length > 64) tail.shift(); // the last 1 MiB, for the reference screen
      }
      tails.set(node, tail);
      return { output: `done on ${node}\r\n` };
    };
    const sessions = new Map(NODES.map((n) => [n, new MemorySession(n, handler)]));
    const limit = 256 * 1024;
    const engine = createEngine({ plan: plan([step('flood', [{ kind: 'run', script: 'yes' }])]), autoApprove: true, historyOutputChars: limit, connect: async (n) => sessions.get(n)! });
    let maxHistoryChars = 0;
    let seenChars = 0;
    engine.subscribe((e) => {
      if (e.type !== 'node.output') return;
      seenChars += e.data.length;
      // Measure now and then (measuring after every event would be quadratic).
      if (seenChars % (4 * 1024 * 1024) < CHUNK) maxHistoryChars = Math.max(maxHistoryChars, outputChars(engine.history()));
    });
    expect(await engine.run()).toBe('completed');
    expect(seenChars).toBeGreaterThanOrEqual(3 * FLOOD);

    const history = engine.history();
    maxHistoryChars = Math.max(maxHistoryChars, outputChars(history));
    // Per node: at most twice the limit plus compaction slack, whatever the flood's size.
    expect(maxHistoryChars).toBeLessThanOrEqual(NODES.length * (2 * limit + 64 * 1024 + CHUNK));
    for (const n of NODES) expect(outputChars(history, n)).toBeGreaterThanOrEqual(limit);
    // Every other event is still there, in order.
    const kinds = history.filter((e) => e.type !== 'node.output').map((e) => e.type);
    expect(kinds[0]).toBe('session.started');
    expect(kinds).toContain('step.started');
    expect(kinds.filter((k) => k === 'block.finished')).toHaveLength(NODES.length);
    expect(kinds.at(-1)).toBe('session.ended');
    const ts = history.map((e) => e.t);
    expect([...ts].sort((a, b) => a - b)).toEqual(ts);

    // A view that subscribes now rebuilds each pane from the history alone.
    const late = createSessionStore({ cols: 80, rows: 24, scrollback: 1000 });
    for (const e of history) late.ingest(e);
    await late.panes.whenIdle();
    for (const n of NODES) {
      const ref = new PaneTerminal({ cols: 80, rows: 24, scrollback: 100 });
      for (const chunk of tails.get(n)!) ref.write(chunk);
      ref.write(`done on ${n}\r\n`);
      await ref.whenIdle();
      const screen = late.panes.get(n).text();
      expect(screen).toContain(`done on ${n}`);
      expect(screen).toBe(ref.text());
      expect(late.panes.get(n).snapshot().lines[0]!.runs[0]).toMatchObject({ fg: 'green', text: n });
      ref.dispose();
    }
    late.dispose();
  });

  it('keeps every output event while under the limit', async () => {
    const sessions = new Map(NODES.map((n) => [n, new MemorySession(n, () => ({ output: `hello from ${n}\r\n` }))]));
    const engine = createEngine({ plan: plan([step('one', [{ kind: 'run', script: 'echo' }])]), autoApprove: true, connect: async (n) => sessions.get(n)! });
    const all: LockstepEvent[] = [];
    engine.subscribe((e) => all.push(e));
    await engine.run();
    expect(engine.history()).toEqual(all);
  });
});

function outputChars(events: readonly LockstepEvent[], node?: string): number {
  let sum = 0;
  for (const e of events) if (e.type === 'node.output' && (node === undefined || e.node === node)) sum += e.data.length;
  return sum;
}
