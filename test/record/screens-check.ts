// Shared by the replay tests on local nodes and on the lab: run a plan with a recorder and a
// live store side by side, take every node's live screen each time the engine waits before a
// step, then check that the recording rebuilds exactly those screens.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { createEngine, type EngineOptions } from '../../src/engine/index.js';
import { Recorder, readRecording } from '../../src/record/index.js';
import { screensAt, storeAt } from '../../src/record/screens.js';
import type { Plan } from '../../src/runbook/plan-types.js';
import { createSessionStore, type LockstepEvent } from '../../src/state/index.js';

/** Every pane's styled lines, cursor and screen mode, comparable as one string. */
export function styled(store: ReturnType<typeof createSessionStore>): string {
  return JSON.stringify(store.panes.nodes().map((n) => {
    const { lines, cursor, altScreen, cols, rows } = store.panes.get(n).snapshot();
    return { n, lines, cursor, altScreen, cols, rows };
  }));
}

export interface Capture {
  /** How many events had been emitted when the screens were taken. */
  count: number;
  screens: Map<string, string>;
  styled: string;
}

export interface RecordedRun {
  file: string;
  events: LockstepEvent[];
  captures: Capture[];
  end: string;
}

export async function recordWithLiveScreens(plan: Plan, connect: EngineOptions['connect'], size: { cols: number; rows: number }, secrets: string[] = []): Promise<RecordedRun> {
  const file = join(mkdtempSync(join(tmpdir(), 'lockstep-replay-')), 'rec.jsonl');
  const engine = createEngine({
    plan,
    autoApprove: false,
    stayAtEnd: false,
    connect,
    meta: { version: 'test', operator: 'tester', host: 'here', ...size },
  });
  const recorder = new Recorder(file, { secrets });
  const live = createSessionStore(size);
  const events: LockstepEvent[] = [];
  engine.subscribe((e) => {
    events.push(e);
    recorder.write(e);
    live.ingest(e);
  });
  const captures: Capture[] = [];
  let settled = Promise.resolve();
  engine.subscribe((e) => {
    // A failed step would leave the engine waiting for the operator: end so the caller sees it.
    if (e.type === 'engine.waiting' && e.reason === 'failed') engine.dispatch({ kind: 'quit' });
    if (e.type !== 'engine.waiting' || e.reason !== 'approval') return;
    settled = settled.then(async () => {
      // Let the prompt arrive, then take the live screens and how many events made them.
      await new Promise((r) => setTimeout(r, 300));
      await live.panes.whenIdle();
      captures.push({ count: events.length, screens: new Map(live.panes.nodes().map((n) => [n, live.panes.get(n).text()])), styled: styled(live) });
      engine.dispatch({ kind: 'next' });
    });
  });
  const end = await engine.run();
  await settled;
  recorder.close();
  live.dispose();
  return { file, events, captures, end };
}

/** The recording holds every event, and rebuilds each captured screen: text, colours, cursor. */
export async function expectReplayMatches(run: RecordedRun, size: { cols: number; rows: number }): Promise<void> {
  const rec = readRecording(run.file);
  expect(rec.events).toHaveLength(run.events.length);
  for (const c of run.captures) {
    const replayed = await screensAt(rec.events, c.count, size);
    expect(replayed).toEqual(c.screens);
    const store = await storeAt(rec.events, c.count, size);
    expect(styled(store)).toBe(c.styled);
    store.dispose();
  }
}
