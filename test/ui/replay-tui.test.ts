// The replay TUI as components: the App over a replay player (the real `openReplay` over a
// recorded-shape session), rendered with ink-testing-library, driven by keys.
import React from 'react';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { openReplay, type ReplayController } from '../../src/record/replay-source.js';
import { App } from '../../src/ui/app.js';
import { chooseCharset } from '../../src/ui/charset.js';
import { REPLAY_BINDINGS, REPLAY_SPEEDS, liveBindingsInReplay, liveOnlyBindings, replayCommandFor } from '../../src/ui/keys.js';
import { cellOf, formatClock, formatSpeed, progressCells, progressGlyphs } from '../../src/ui/replay/index.js';
import type { OperatorIntent } from '../../src/state/index.js';
import { syntheticSession } from '../record/synthetic-session.js';

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function mount(options: { unicode?: boolean } = {}) {
  const events = syntheticSession();
  const replay: ReplayController = openReplay(events, { idleLimitMs: 2000, scrollback: 200 });
  const intents: OperatorIntent[] = [];
  const app = render(
    React.createElement(App, {
      session: replay.store,
      replay,
      dispatch: (i: OperatorIntent) => intents.push(i),
      charset: chooseCharset(options.unicode === false ? 'ascii' : 'unicode', {}),
      mode: 'production',
    }),
  );
  cleanups.push(() => {
    app.unmount();
    replay.dispose();
  });
  const frame = (): string => app.lastFrame() ?? '';
  const waitFor = async (test: (f: string) => boolean, what: string, ms = 10_000): Promise<string> => {
    const end = Date.now() + ms;
    while (!test(frame())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last frame:\n${frame()}`);
      await tick(20);
    }
    return frame();
  };
  const key = async (...raw: string[]): Promise<void> => {
    for (const k of raw) {
      app.stdin.write(k);
      await tick(10);
    }
  };
  /** The replay bar's cells between its brackets. */
  const bar = (f = frame()): string => {
    const line = f.split('\n').find((l) => l.includes(' REPLAY ')) ?? '';
    return line.slice(line.lastIndexOf('[') + 1, line.lastIndexOf(']'));
  };
  return { events, replay, intents, frame, waitFor, key, bar };
}

describe('progress bar cells (pure)', () => {
  const g = progressGlyphs(true);
  it('places the position and the marks by time, the most important mark winning a cell', () => {
    const marks = [
      { kind: 'step' as const, index: 1, t: 0, label: 's1' },
      { kind: 'gate' as const, index: 5, t: 500, label: 'g' },
      { kind: 'failure' as const, index: 6, t: 500, label: 'f' },
      { kind: 'decision' as const, index: 9, t: 900, label: 'd' },
      { kind: 'decision' as const, index: 0, t: 0, label: 'approve' },
    ];
    const cells = progressCells(11, 300, 1000, marks, g);
    expect(cells.map((c) => c.char).join('')).toBe('│━━●─x───o─');
    expect(cells.filter((c) => c.played)).toHaveLength(4);
    expect(progressCells(11, 1000, 1000, marks, g).at(-1)!.char).toBe('●');
    expect(progressCells(5, 0, 0, [], progressGlyphs(false)).map((c) => c.char).join('')).toBe('@----');
    expect([cellOf(0, 100, 10), cellOf(100, 100, 10), cellOf(50, 100, 10)]).toEqual([0, 9, 4]);
  });
  it('formats clocks and speeds', () => {
    expect([formatClock(0), formatClock(61_500), formatClock(3_723_000), formatClock(2_345, true)]).toEqual(['0:00', '1:01', '1:02:03', '0:02.3']);
    expect([formatSpeed(0.5), formatSpeed(1), formatSpeed(16)]).toEqual(['x0.5', 'x1', 'x16']);
  });
});

describe('replay keys (pure)', () => {
  it('gives every replay key one command, keeps the live pane keys it does not take, refuses engine commands', () => {
    const seen = new Map<string, string>();
    for (const b of REPLAY_BINDINGS) for (const k of b.keys) {
      expect(seen.get(k), `key ${k}`).toBeUndefined();
      seen.set(k, b.command);
      expect(replayCommandFor(k)).toBe(b.command);
    }
    expect(replayCommandFor('space')).toBe('replay-play');
    expect(replayCommandFor('x')).toBeUndefined();
    const live = liveBindingsInReplay();
    expect(live.some((b) => b.engine)).toBe(false);
    expect(live.find((b) => b.command === 'focus-next')?.keys).toEqual(['tab']); // → seeks in replay
    expect(live.find((b) => b.command === 'focus-node')).toBeUndefined(); // digits jump to steps
    expect(live.map((b) => b.command)).toEqual(expect.arrayContaining(['scroll', 'zoom', 'help', 'quit', 'diff']));
    expect(liveOnlyBindings().map((b) => b.command)).toEqual(expect.arrayContaining(['type', 'rollback', 'retry', 'skip', 'broadcast-all']));
    for (const b of liveOnlyBindings()) for (const k of b.keys) expect(replayCommandFor(k)).toBeUndefined();
    expect(REPLAY_SPEEDS[0]).toBe(0.5);
    expect(REPLAY_SPEEDS.at(-1)).toBe(16);
  });
});

describe('the replay TUI', () => {
  it('shows REPLAY, paused, speed, time / duration and a progress bar with every kind of mark', async () => {
    const r = mount();
    const duration = formatClock(r.replay.index.duration);
    let f = await r.waitFor((x) => x.includes(' REPLAY '), 'first frame');
    expect(f).toContain('paused');
    expect(f).toContain(`x1 0:00/${duration}`);
    const b = r.bar(f);
    expect(b.length).toBeGreaterThan(20);
    expect(b[0]).toBe('●'); // at the start
    expect(b).toContain('│'); // steps
    expect(b).toContain('g'); // gates
    expect(b).toContain('x'); // failures
    expect(b).toContain('o'); // operator decisions
    expect(b).not.toContain('━'); // nothing played yet
    // the footer names the replay keys; the live engine keys are gone
    expect(f).toContain('Space play/pause');
    expect(f).toContain('+/- speed');
    expect(f).not.toMatch(/\bretry\b/);

    // the end of the recording: the position is the last cell, everything before it played
    await r.key('\x1b[F'); // End
    f = await r.waitFor((x) => r.bar(x).endsWith('●'), 'position at the end');
    expect(f).toContain(`${duration}/${duration}`);
    expect(f).toContain('ended');
    expect(r.bar(f)).toContain('━');
    expect(r.bar(f)).not.toContain('─');
  });

  it('draws the bar and the keys in ASCII where the terminal has no Unicode', async () => {
    const r = mount({ unicode: false });
    let f = await r.waitFor((x) => x.includes(' REPLAY '), 'first frame');
    expect(r.bar(f)).toMatch(/^@-+/);
    expect(f).toContain('Left/Right 10s');
    await r.key('\x1b[F');
    f = await r.waitFor((x) => r.bar(x).endsWith('@'), 'the end');
    expect(r.bar(f)).toMatch(/^[=|gxo]+@$/);
    expect(f).not.toMatch(/[━─●←→]/);
  });

  it('changes speed with + and - between x0.5 and x16', async () => {
    const r = mount();
    await r.waitFor((x) => x.includes(' x1 '), 'x1');
    await r.key('+');
    await r.waitFor((x) => x.includes(' x2 '), 'x2');
    expect(r.replay.status().speed).toBe(2);
    await r.key('+', '+', '+', '+');
    let f = await r.waitFor((x) => x.includes(' x16 ') && x.includes('already the fastest'), 'x16, no faster');
    expect(r.replay.status().speed).toBe(16);
    for (let i = 0; i < 6; i++) await r.key('-');
    f = await r.waitFor((x) => x.includes(' x0.5 '), 'x0.5');
    expect(f).toContain('already the slowest');
    expect(r.replay.status().speed).toBe(0.5);
  });

  it('plays and pauses with space, and plays again from the start once ended', async () => {
    const r = mount();
    await r.waitFor((x) => x.includes(' REPLAY '), 'first frame');
    await r.key('+', '+', '+', '+', ' ');
    await r.waitFor((x) => x.includes('playing x16'), 'playing');
    await r.waitFor(() => r.replay.status().position > 5, 'some events played');
    await r.key(' ');
    await r.waitFor((x) => x.includes('paused x16'), 'paused');
    const at = r.replay.status().position;
    expect(at).toBeLessThan(r.replay.index.length);
    await tick(300);
    expect(r.replay.status().position).toBe(at);
    await r.key(' ');
    let f = await r.waitFor((x) => x.includes('ended') && r.bar(x).endsWith('●'), 'played to the end', 20_000);
    expect(f).toContain('started on n2');
    await r.key(' '); // from the start again
    f = await r.waitFor((x) => x.includes('playing') || r.replay.status().position < r.replay.index.length, 'restarted');
    expect(r.replay.status().position).toBeLessThan(r.replay.index.length);
  });

  it("jumps to step N and shows that step's screens; a jump back shows the earlier screens", async () => {
    const r = mount();
    let f = await r.waitFor((x) => x.includes(' REPLAY '), 'first frame');
    expect(f).not.toContain('started on n0');
    await r.key('3');
    await r.waitFor((x) => x.includes('Jump to step (1-3): 3_'), 'the step prompt');
    await r.key('\r');
    f = await r.waitFor((x) => x.includes('started on n0') && x.includes('started on n2'), "step 3's output");
    expect(f).toContain('Step 3: Start etcd (its end)');
    expect(f).toContain('config ok');
    const step3End = r.replay.index.steps[2]!.ends.at(-1)!;
    expect(r.replay.status().position).toBe(step3End);

    // back to step 1: a new store (screens cannot be rewound), followed by the TUI
    const before = r.replay.store;
    await r.key('1', '\r');
    f = await r.waitFor((x) => x.includes('Step 1: Download etcd') && !x.includes('started on n0'), "step 1's screens");
    expect(r.replay.store).not.toBe(before);
    expect(f).toContain('downloaded 21 MB');
    expect(f).not.toContain('config ok');
    expect(f).not.toContain('config BAD');

    // per-pane scrollback, as live: [ then g (top) shows what scrolled off; q returns
    await r.key('\x1b[F'); // End
    f = await r.waitFor((x) => x.includes('started on n0') && x.includes('ended'), 'the end');
    expect(f).not.toContain('curl etcd on n0'); // scrolled off the 6-row recorded screen
    await r.key('[', 'g');
    f = await r.waitFor((x) => x.includes('curl etcd on n0') && x.includes('[scroll -'), 'scrolled to the top');
    expect(f).toContain('SCROLL');
    await r.key('q');
    f = await r.waitFor((x) => !x.includes('curl etcd on n0') && !x.includes('SCROLL'), 'back from scrolling');
    expect(r.replay.status().position).toBe(r.replay.index.length); // g scrolled, it did not jump to a gate

    // a step that does not exist
    await r.key('7', '\r');
    await r.waitFor((x) => x.includes('No step 7: this recording has steps 1-3.'), 'no step 7');
  });

  it('jumps to the next failure, gate and decision, seeks with the arrows, and refuses live-only keys', async () => {
    const r = mount();
    await r.waitFor((x) => x.includes(' REPLAY '), 'first frame');
    await r.key('f');
    let f = await r.waitFor((x) => x.includes('failed on n1') && x.includes('config BAD'), 'next failure, on screen');
    expect(f).not.toContain('started on n0');
    const failure = r.replay.index.marks.find((m) => m.kind === 'failure')!;
    expect(r.replay.status().position).toBe(failure.index + 1);

    await r.key('o');
    f = await r.waitFor((x) => x.includes('retry'), 'next decision');
    expect(r.replay.status().position).toBe(r.replay.index.marks.find((m) => m.kind === 'decision' && m.label === 'retry')!.index + 1);

    // right: +10 s, i.e. every event up to then (here: up to a 60 s idle stretch)
    const { t: t0, position: p0 } = r.replay.status();
    const upTo = (t: number): number => Array.from(r.replay.index.tMax).filter((x) => x <= t).length;
    await r.key('\x1b[C');
    await r.waitFor(() => r.replay.status().position === upTo(t0 + 10_000) && !r.replay.status().seeking, 'seek +10 s');
    expect(r.replay.status().position).toBeGreaterThan(p0);
    // again: an idle stretch is no wall, the next event is reached
    await r.key('\x1b[C');
    await r.waitFor(() => r.replay.status().t >= t0 + 10_000 && !r.replay.status().seeking, 'seek +10 s over the idle stretch');
    const t1 = r.replay.status().t;
    expect(r.bar()).toMatch(/━●/);
    await r.key('\x1b[D'); // left: -10 s
    await r.waitFor(() => r.replay.status().t <= t1 - 10_000 && !r.replay.status().seeking, 'seek -10 s');

    await r.key('i');
    f = await r.waitFor((x) => x.includes('is live only'), 'live-only message');
    expect(f).toContain('i (type) is live only');
    await r.key('u');
    await r.waitFor((x) => x.includes('u (rollback) is live only'), 'rollback refused');
    expect(r.intents).toEqual([]);

    await r.key('?');
    f = await r.waitFor((x) => x.includes('Keys (replay)'), 'help');
    expect(f).toContain('next failure');
    expect(f).not.toContain('Live only');
    await r.key('\x1b[6~'); // PgDn scrolls the help, it does not play
    await r.key('\x1b[6~');
    f = await r.waitFor((x) => x.includes('Live only'), 'the live-only keys in the help');
    expect(f).toMatch(/│u +roll the current step back/);
    expect(r.replay.status().playing).toBe(false);
  });
});
