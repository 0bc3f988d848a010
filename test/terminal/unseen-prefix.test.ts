// A flood's batch whose start would scroll out of the scrollback before the batch ends is not
// parsed (see PaneTerminal.unseenPrefix): what the pane holds afterwards (every scrollback
// line, the screen, the cursor) must be exactly what parsing all of it gives.
import { afterEach, describe, expect, it } from 'vitest';
import { PaneTerminal } from '../../src/terminal/index.js';

const panes: PaneTerminal[] = [];
function pane(cols: number, rows: number, scrollback: number): PaneTerminal {
  const p = new PaneTerminal({ cols, rows, scrollback });
  panes.push(p);
  return p;
}
afterEach(() => {
  for (const p of panes.splice(0)) p.dispose();
});

/** Every line the pane holds, scrollback first, styles included; then the cursor. */
function everything(p: PaneTerminal): string[] {
  p.scrollBy(1e9);
  const total = p.snapshot().scrollbackLines;
  const out: string[] = [];
  for (let top = 0; top < total + p.rows; top += p.rows) {
    p.scrollToBottom();
    p.scrollBy(Math.max(0, total - top));
    const s = p.snapshot();
    const first = total - s.scrollOffset;
    s.lines.forEach((l, i) => (out[first + i] = JSON.stringify(l.runs)));
  }
  p.scrollToBottom();
  const s = p.snapshot();
  out.push(`cursor ${s.cursor.x},${s.cursor.y} scrollback ${total}`);
  return out;
}

/** Feeds `data` in small pieces, each parsed before the next: nothing can be skipped. */
async function feedSlowly(p: PaneTerminal, data: string): Promise<void> {
  for (let i = 0; i < data.length; i += 4000) {
    p.write(data.slice(i, i + 4000));
    await p.whenIdle();
  }
}

/** Two panes shown `before`, then `data`: one fed slowly (nothing skipped), one in one write. */
async function slowAndFast(cols: number, scrollback: number, before: string, data: string): Promise<{ slow: PaneTerminal; fast: PaneTerminal }> {
  const slow = pane(cols, 12, scrollback);
  const fast = pane(cols, 12, scrollback);
  for (const p of [slow, fast]) {
    p.write(before);
    await p.whenIdle();
  }
  await feedSlowly(slow, data);
  fast.write(data);
  await fast.whenIdle();
  return { slow, fast };
}

// Lines of varied length (some wrap at 50 columns), tabs and backspaces, CR LF endings.
function flood(lines: number, seed: number): string {
  let s = '';
  let x = seed;
  for (let i = 0; i < lines; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const len = x % 130;
    s += `${i}:${'abcdefghij'.repeat(13).slice(0, len)}${x % 7 === 0 ? '\tT' : ''}${x % 11 === 0 ? 'ab\bX' : ''}\r\n`;
  }
  return s;
}

describe('PaneTerminal: unparsed start of a flood', () => {
  for (const [scrollback, cols, label] of [
    [3000, 50, 'compact scrollback, wrapped lines'],
    [3000, 200, 'compact scrollback, no line wraps: the cut is exact'],
    [500, 50, "xterm's own scrollback"],
  ] as const) {
    it(`ends with the same scrollback, screen and cursor as parsing everything (${label})`, async () => {
      // A coloured prompt and a cursor in the middle of a line before the flood.
      const before = '\x1b[1;32mprompt$\x1b[0m seq\r\n\x1b[44mblue\x1b[0m\r\nhalf a line';
      const data = `${flood(12_000, 7)}last line, no newline`;
      const { slow, fast } = await slowAndFast(cols, scrollback, before, data);
      expect(slow.unseen).toBe(0);
      expect(fast.unseen).toBeGreaterThan(12_000 - scrollback - 12 - 50);
      expect(fast.lost).toBe(0);
      expect(fast.parsed).toBe(slow.parsed);
      const want = everything(slow);
      expect(want.length).toBe(scrollback + 12 + 1);
      expect(everything(fast)).toEqual(want);
    });
  }

  // Printable ASCII in CR LF lines (what `seq`, `yes` or most logs print): the lines that stay
  // in the scrollback are kept as text, never parsed; only the last screenful is.
  function asciiFlood(lines: number, seed: number, cols: number): string {
    let s = '';
    let x = seed;
    for (let i = 0; i < lines; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      const kind = x % 9;
      // Empty lines, lines of exactly the width (autowrap pending), two widths, trailing blanks.
      const text =
        kind === 0 ? '' : kind === 1 ? 'w'.repeat(cols) : kind === 2 ? 'v'.repeat(2 * cols) : kind === 3 ? `${i} trailing   ` : `${i}:${'abcdefghij'.repeat(13).slice(0, x % 130)}`;
      s += `${text}\r\n`;
    }
    return s;
  }

  for (const [cols, before, tail, label] of [
    [50, '\x1b[1;32mprompt$\x1b[0m seq\r\n\x1b[44mblue\x1b[0m\r\nhalf a line', 'last line, no newline', 'wrapped lines, a cursor mid-line before'],
    [200, '\x1b[2J\x1b[H$ yes', '', 'no wraps, cursor at the top before, ends with CR LF'],
    [40, '\x1b[31mred left on: ', 'end', 'a colour left on: parsed the usual way'],
    [40, '\x1b(0', 'end', 'line-drawing charset: parsed the usual way'],
  ] as const) {
    it(`keeps a plain ASCII flood's scrollback as text, with the same result as parsing it all (${label})`, async () => {
      const data = asciiFlood(12_000, 3, cols) + tail;
      const { slow, fast } = await slowAndFast(cols, 3000, before, data);
      const plain = !before.includes('\x1b[31m') && !before.includes('\x1b(0');
      // As text: all but the last screenful or so was never parsed.
      if (plain) expect(fast.unseen).toBeGreaterThan(12_000 - 12 - 4);
      else expect(fast.unseen).toBeLessThan(12_000 - 3000 + 50);
      expect(fast.lost).toBe(0);
      expect(fast.parsed).toBe(slow.parsed);
      const want = everything(slow);
      expect(want.length).toBe(3000 + 12 + 1);
      expect(everything(fast)).toEqual(want);
    });
  }

  it('cuts across megabytes waiting at once (more than one xterm write holds), with the same result', async () => {
    const data = `${flood(40_000, 11)}tail`;
    expect(data.length).toBeGreaterThan(2 * 1024 * 1024);
    const { slow, fast } = await slowAndFast(80, 3000, '', data);
    // All but the lines that stay were skipped, not just those of the first megabyte.
    expect(fast.unseen).toBeGreaterThan(40_000 - 3000 - 12 - 50);
    expect(fast.lost).toBe(0);
    expect(fast.parsed).toBe(slow.parsed);
    expect(everything(fast)).toEqual(everything(slow));
  }, 60_000);

  it('parses all of a plain batch that completes an escape sequence begun in the last one', async () => {
    const slow = pane(200, 12, 3000);
    const fast = pane(200, 12, 3000);
    const data = `1m${flood(12_000, 11)}`;
    for (const p of [slow, fast]) {
      p.write('before \x1b[3'); // CSI 3… cut off: "1m" (red) begins the next batch
      await p.whenIdle();
    }
    await feedSlowly(slow, data);
    fast.write(data);
    await fast.whenIdle();
    expect(fast.unseen).toBe(0);
    const want = everything(slow);
    expect(want.at(-3)).toContain('"fg":"red"');
    expect(everything(fast)).toEqual(want);
  });

  it('parses all of a batch with an escape sequence, or too few lines to skip any', async () => {
    const p = pane(50, 12, 3000);
    p.write(`${flood(6000, 3)}\x1b[31mred\x1b[0m\r\n${flood(6000, 5)}`);
    await p.whenIdle();
    expect(p.unseen).toBe(0);
    p.write(flood(2500, 9));
    await p.whenIdle();
    expect(p.unseen).toBe(0);
  });
});
