// PaneFrames: a flood's frames are spaced by what frames cost, a quiet pane's change is still
// published at once. Real panes (xterm), real timers; a subscriber that burns CPU stands in for
// a costly Ink frame.
import { afterEach, describe, expect, it } from 'vitest';
import { PaneSet } from '../../src/terminal/index.js';
import { FLOOD_COST_FACTOR, PaneFrames } from '../../src/ui/pane-frames.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const disposers: (() => void)[] = [];
afterEach(() => {
  for (const d of disposers.splice(0)) d();
});

/** Floods pane `a` for `ms` (16 KB every 5 ms); returns how many frames were published. */
async function framesDuringFlood(frameCostMs: number, ms: number): Promise<{ frames: number; set: PaneSet; count: () => number }> {
  const set = new PaneSet({ cols: 80, rows: 24, scrollback: 1000, reclaim: false });
  const frames = new PaneFrames(set);
  disposers.push(() => frames.dispose(), () => set.dispose());
  let count = 0;
  frames.subscribe(() => {
    count++;
    const end = performance.now() + frameCostMs;
    while (performance.now() < end) {
      /* a costly frame */
    }
  });
  frames.snapshot('a');
  let n = 0;
  const chunk = () => Array.from({ length: 2000 }, () => `line ${n++}`).join('\r\n') + '\r\n';
  const end = performance.now() + ms;
  while (performance.now() < end) {
    set.write('a', chunk());
    await sleep(5);
  }
  await set.whenIdle();
  return { frames: count, set, count: () => count };
}

describe('PaneFrames', () => {
  it('spaces a flood’s frames by their cost, and still publishes a quiet change at once', async () => {
    const cheap = await framesDuringFlood(0, 1200);
    const costly = await framesDuringFlood(20, 1200);
    // Cheap frames: one per FLOOD_REFRESH_MS (100 ms) or so; costly ones: one per 15 × 20 ms.
    expect(cheap.frames).toBeGreaterThanOrEqual(5);
    expect(costly.frames).toBeLessThanOrEqual(Math.ceil(1200 / (FLOOD_COST_FACTOR * 20)) + 2);
    expect(costly.frames).toBeLessThan(cheap.frames);
    // After the flood: a typed key's echo on the quiet pane goes out within a frame gap.
    await sleep(300);
    const before = costly.count();
    const t0 = performance.now();
    costly.set.write('a', 'x');
    while (costly.count() === before && performance.now() - t0 < 1000) await sleep(1);
    expect(performance.now() - t0).toBeLessThan(60);
  });
});
