// Production mode (confirmFileWrites): a step that would change files starts only on an
// `approve` naming it. A `next` typed while the step before it ran, and a run-to-gate, stop
// and wait there instead. Real bash on a local PTY node writes the files.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEngine, type EngineOptions } from '../../src/engine/index.js';
import type { Node } from '../../src/inventory/types.js';
import type { LockstepEvent } from '../../src/state/events.js';
import { connectLocal } from '../../src/transport/index.js';
import { plan, step } from './plan-builder.js';
import { of, waitFor } from './engine-events.js';

const N = ['n0'];
const local: Node = { name: 'n0', transport: 'local', port: 0, groups: [], vars: {}, pos: { file: 'inventory.yaml', line: 1, column: 1 } };

function start(steps: Parameters<typeof plan>[0], opts: Partial<EngineOptions> = {}) {
  const engine = createEngine({ plan: plan(steps, N), stayAtEnd: true, connect: async () => connectLocal(local, { cols: 100, rows: 30 }), ...opts });
  const events: LockstepEvent[] = [];
  engine.subscribe((e) => events.push(e));
  return { engine, events, done: engine.run() };
}

const started = (events: LockstepEvent[]) => of(events, 'step.started').map((e) => e.step);
const settle = (ms = 400) => new Promise((r) => setTimeout(r, ms));

describe('confirmFileWrites: file-writing steps wait for their own approval', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-confirm-'));

  const steps = (file: string) => [
    step('slow', [{ kind: 'run', script: 'sleep 0.4; echo slow', nodes: N }]),
    step('write', [{ kind: 'file', path: file, content: 'written\n', nodes: N }]),
    step('after', [{ kind: 'run', script: 'echo after', nodes: N }]),
  ];

  /** Starts the plan, approves `slow`, and types `next` while it runs. */
  async function nextWhileRunning(file: string, confirmFileWrites: boolean) {
    const run = start(steps(file), { confirmFileWrites });
    await waitFor(run.engine, (e) => e.type === 'engine.waiting' && e.step === 'rb/slow');
    run.engine.dispatch({ kind: 'next' });
    await waitFor(run.engine, (e) => e.type === 'block.started' && e.step === 'rb/slow');
    run.engine.dispatch({ kind: 'next' }); // queued: the slow step is still running
    return run;
  }

  it('a next queued while a step ran stops at the file step; only approve writes', async () => {
    const file = join(dir, 'queued.conf');
    const { engine, events, done } = await nextWhileRunning(file, true);
    await waitFor(engine, (e) => e.type === 'notice' && e.message.includes('rb/write writes files'));
    await waitFor(engine, (e) => e.type === 'engine.waiting' && e.step === 'rb/write' && e.reason === 'approval');
    await settle();
    expect(started(events)).toEqual(['rb/slow']);
    expect(existsSync(file)).toBe(false);
    // A run-to-gate or another next does not get past it either.
    engine.dispatch({ kind: 'run-to-gate' });
    engine.dispatch({ kind: 'next' });
    await settle();
    expect(started(events)).toEqual(['rb/slow']);
    expect(existsSync(file)).toBe(false);

    engine.dispatch({ kind: 'approve', step: 'rb/write' });
    await waitFor(engine, (e) => e.type === 'step.finished' && e.step === 'rb/write');
    expect(readFileSync(file, 'utf8')).toBe('written\n');
    // The approval covered that step only: the next one waits again.
    await waitFor(engine, (e) => e.type === 'engine.waiting' && e.step === 'rb/after');
    expect(started(events)).toEqual(['rb/slow', 'rb/write']);
    engine.dispatch({ kind: 'quit' });
    await done;
  });

  it('without it (learning mode) the queued next writes the file, as before', async () => {
    const file = join(dir, 'learn.conf');
    const { engine, events, done } = await nextWhileRunning(file, false);
    await waitFor(engine, (e) => e.type === 'step.finished' && e.step === 'rb/write');
    expect(readFileSync(file, 'utf8')).toBe('written\n');
    expect(started(events)).toEqual(['rb/slow', 'rb/write']);
    engine.dispatch({ kind: 'quit' });
    await done;
  });

  it('run-to-gate stops before a step that changes files, goes on after approve, passes unchanged files', async () => {
    const file = join(dir, 'gate.conf');
    const same = join(dir, 'same.conf');
    writeFileSync(same, 'same\n');
    const { engine, events, done } = start(
      [
        step('a', [{ kind: 'run', script: 'echo a', nodes: N }]),
        step('write', [{ kind: 'file', path: file, content: 'gated\n', nodes: N }]),
        step('same', [{ kind: 'file', path: same, content: 'same\n', nodes: N }]),
        step('checked', [
          { kind: 'run', script: 'echo checked', nodes: N },
          { kind: 'verify', script: 'true', nodes: N },
        ]),
        step('beyond', [{ kind: 'run', script: 'echo beyond', nodes: N }]),
      ],
      { confirmFileWrites: true },
    );
    await waitFor(engine, (e) => e.type === 'engine.waiting' && e.step === 'rb/a');
    engine.dispatch({ kind: 'run-to-gate' });
    await waitFor(engine, (e) => e.type === 'engine.waiting' && e.step === 'rb/write' && e.reason === 'approval');
    await settle();
    expect(started(events)).toEqual(['rb/a']);
    expect(existsSync(file)).toBe(false);
    expect(of(events, 'notice').map((n) => n.message)).toContainEqual(expect.stringContaining('run to gate stopped before rb/write'));

    engine.dispatch({ kind: 'approve', step: 'rb/write' });
    // The run to the gate goes on: the unchanged file step needs no question.
    await waitFor(engine, (e) => e.type === 'engine.waiting' && e.step === 'rb/beyond');
    expect(of(events, 'engine.waiting').at(-1)).toMatchObject({ reason: 'gate', step: 'rb/beyond' });
    expect(started(events)).toEqual(['rb/a', 'rb/write', 'rb/same', 'rb/checked']);
    expect(readFileSync(file, 'utf8')).toBe('gated\n');
    engine.dispatch({ kind: 'quit' });
    await done;
  });

  it('--yes (autoApprove) still runs everything', async () => {
    const file = join(dir, 'yes.conf');
    const { done } = start(steps(file), { confirmFileWrites: true, autoApprove: true, stayAtEnd: false });
    expect(await done).toBe('completed');
    expect(readFileSync(file, 'utf8')).toBe('written\n');
  });
});
