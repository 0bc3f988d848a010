// The compact scrollback: 10k lines per pane at a fraction of xterm's memory, with nothing lost
// or duplicated on the way out of xterm's own (short) scrollback, through resizes and clears.
import { describe, expect, it, vi } from 'vitest';
import xtermHeadless from '@xterm/headless';
import { CompactScrollback, collectGarbage, FloodReclaimer, PaneTerminal } from '../../src/terminal/index.js';
import { plainText, splitByLines, XTERM_SCROLLBACK } from '../../src/terminal/pane-terminal.js';


/** The scrollback plus screen as plain text lines, top to bottom. */
function everything(p: PaneTerminal): string[] {
  const snap = p.snapshot();
  const total = snap.scrollbackLines;
  const out: string[] = [];
  for (let top = 0; top < total + snap.rows; top += snap.rows) {
    p.scrollToBottom();
    p.scrollBy(total - top);
    const s = p.snapshot();
    const start = total - s.scrollOffset; // index of the first row shown
    s.lines.forEach((l, y) => {
      if (start + y >= top && start + y < total + snap.rows) out[start + y] = l.runs.map((r) => r.text).join('').trimEnd();
    });
  }
  p.scrollToBottom();
  return out;
}

describe('CompactScrollback', () => {
  it('keeps the newest lines up to its capacity', () => {
    const c = new CompactScrollback(3);
    for (const l of ['a', 'b', 'c', 'd', 'e']) c.push(l);
    expect([c.length, c.get(0), c.get(2), c.get(3)]).toEqual([3, 'c', 'e', undefined]);
    c.dropNewest(2);
    expect([c.length, c.get(0)]).toEqual([1, 'c']);
    c.push('f');
    expect([c.get(0), c.get(1)]).toEqual(['c', 'f']);
    c.clear();
    expect(c.length).toBe(0);
  });
});

describe('splitByLines', () => {
  it('cuts output into pieces of at most maxLines lines that join back to the original', () => {
    let data = '';
    for (let i = 0; i < 5000; i++) data += i % 97 === 0 ? `${'x'.repeat(500)}\r\n` : `line ${i}\r\n`;
    data += 'y'.repeat(100_000); // one very long line without a newline
    const pieces = splitByLines(data, 80, 500);
    expect(pieces.join('')).toBe(data);
    for (const p of pieces) {
      const lines = p.split('\n').reduce((n, seg) => n + 1 + Math.floor(seg.length / 80), 0);
      expect(lines).toBeLessThanOrEqual(502);
    }
    expect(splitByLines('short', 80, 500)).toEqual(['short']);
  });
});

describe('plainText', () => {
  it('matches xterm’s own text for plain lines and says undefined for styled ones', async () => {
    const t = new xtermHeadless.Terminal({ cols: 30, rows: 6, allowProposedApi: true });
    const lines = ['plain ascii   ', 'wide 漢字 ok', 'café ü', '  lead and  inner', '\x1b[31mred\x1b[0m', '\x1b[44m\x1b[K'];
    await new Promise<void>((r) => t.write(lines.join('\r\n'), r));
    const b = t.buffer.active;
    const cell = b.getNullCell();
    for (let y = 0; y < 4; y++) expect(plainText(b.getLine(y)!, cell)).toBe(b.getLine(y)!.translateToString(true).trimEnd());
    expect(plainText(b.getLine(4)!, cell)).toBeUndefined();
    expect(plainText(b.getLine(5)!, cell)).toBeUndefined(); // blank, but on a blue background
    t.dispose();
  });
});

describe('PaneTerminal with a compact scrollback', () => {
  it('keeps exactly the last 10k lines, in order, nothing lost or doubled, colours included', async () => {
    const p = new PaneTerminal({ cols: 60, rows: 20, scrollback: 10_000 });
    let data = '';
    for (let i = 1; i <= 30_000; i++) data += i % 1000 === 0 ? `\x1b[1;32mline ${i}\x1b[0m\r\n` : `line ${i}\r\n`;
    for (let i = 0; i < data.length; i += 3000) p.write(data.slice(i, i + 3000));
    await p.whenIdle();
    expect(p.lost).toBe(0);
    const all = everything(p);
    expect(p.snapshot().scrollbackLines).toBe(10_000);
    // 30 000 lines + the empty cursor line: the screen shows 29 982-30 000 and the cursor line.
    const expected = Array.from({ length: 10_000 + 19 }, (_, k) => `line ${30_000 - 10_000 - 19 + 1 + k}`);
    expect(all.slice(0, 10_000 + 19)).toEqual(expected);
    // a coloured line far back in the scrollback keeps its colour
    p.scrollBy(10_000 - (29_000 - 19_982)); // line 29 000 at the top row
    const top = p.snapshot().lines[0]!.runs[0]!;
    expect(top).toMatchObject({ text: 'line 29000', fg: 'green', bold: true });
    p.dispose();
  });

  it('stays consistent through a resize (xterm re-wraps its part) and clears with ED 3', async () => {
    const p = new PaneTerminal({ cols: 40, rows: 10, scrollback: 5000 });
    for (let i = 1; i <= 8000; i++) p.write(`row ${i}\r\n`);
    await p.whenIdle();
    p.resize(50, 12);
    for (let i = 8001; i <= 8100; i++) p.write(`row ${i}\r\n`);
    await p.whenIdle();
    const all = everything(p).filter((l) => l !== '');
    expect(all.at(-1)).toBe('row 8100');
    const nums = all.map((l) => Number(l.slice(4)));
    for (let k = 1; k < nums.length; k++) expect(nums[k]).toBe(nums[k - 1]! + 1);
    expect(p.snapshot().scrollbackLines).toBe(5000);
    p.write('\x1b[H\x1b[2J\x1b[3J');
    await p.whenIdle();
    expect(p.snapshot().scrollbackLines).toBe(0);
    p.dispose();
  });

  it('holds 3 panes × 10k lines in a fraction of what xterm alone needs', async () => {
    collectGarbage();
    const before = process.memoryUsage();
    const panes = [0, 1, 2].map(() => new PaneTerminal({ cols: 80, rows: 24, scrollback: 10_000 }));
    const chunk = Array.from({ length: 1000 }, (_, i) => `the quick brown fox jumps over the lazy dog ${i}\r\n`).join('');
    for (let r = 0; r < 15; r++) for (const p of panes) p.write(chunk);
    await Promise.all(panes.map((p) => p.whenIdle()));
    for (const p of panes) expect(p.snapshot().scrollbackLines).toBe(10_000);
    collectGarbage();
    const after = process.memoryUsage();
    const grew = (after.heapUsed - before.heapUsed + after.arrayBuffers - before.arrayBuffers) / 1024 / 1024;
    // xterm's own 10k-line scrollback: 80 cells × 12 bytes + ~300 bytes of objects per line ≈ 37 MB for 3 panes.
    expect(grew).toBeLessThan(14);
    expect(XTERM_SCROLLBACK).toBeLessThan(10_000);
    for (const p of panes) p.dispose();
  });
});

describe('FloodReclaimer', () => {
  it('collects once after a flood goes quiet, not during it, not for ordinary output', () => {
    vi.useFakeTimers();
    let t = 0;
    const collect = vi.fn();
    const r = new FloodReclaimer({ floodChars: 1000, quietMs: 100, collect, now: () => t });
    r.output(10);
    vi.advanceTimersByTime(500);
    t += 500;
    expect(collect).not.toHaveBeenCalled();
    for (let i = 0; i < 20; i++) {
      r.output(100);
      t += 50;
      vi.advanceTimersByTime(50);
    }
    expect(collect).not.toHaveBeenCalled();
    t += 200;
    vi.advanceTimersByTime(200);
    expect(collect).toHaveBeenCalledTimes(1);
    t += 1000;
    vi.advanceTimersByTime(1000);
    expect(collect).toHaveBeenCalledTimes(1);
    r.dispose();
    vi.useRealTimers();
  });
});
