import { afterEach, describe, expect, it } from 'vitest';
import pty from 'node-pty';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PaneTerminal, PaneSet } from '../../src/terminal/index.js';

const panes: PaneTerminal[] = [];
function pane(cols = 40, rows = 6, scrollback = 100): PaneTerminal {
  const p = new PaneTerminal({ cols, rows, scrollback });
  panes.push(p);
  return p;
}
afterEach(() => {
  for (const p of panes.splice(0)) p.dispose();
});

describe('PaneTerminal', () => {
  it('shows nothing until the write is parsed, then the text', async () => {
    const p = pane();
    p.write('hello\r\nworld');
    expect(p.text().trim()).toBe(''); // xterm reflects a write only after its callback
    await p.whenIdle();
    expect(p.text().split('\n').slice(0, 2)).toEqual(['hello', 'world']);
    expect(p.snapshot().cursor).toEqual({ x: 5, y: 1, visible: true });
  });

  it('keeps colours, bold, underline and inverse as styled runs', async () => {
    const p = pane();
    p.write('\x1b[1;31mERR\x1b[0m ok \x1b[4;38;5;202munder\x1b[0m \x1b[7;38;2;1;2;3minv\x1b[0m');
    await p.whenIdle();
    const runs = p.snapshot().lines[0]!.runs;
    expect(runs[0]).toEqual({ text: 'ERR', fg: 'red', bold: true });
    expect(runs[1]).toEqual({ text: ' ok ' });
    expect(runs[2]).toEqual({ text: 'under', fg: 'ansi256(202)', underline: true });
    expect(runs[4]).toEqual({ text: 'inv', fg: '#010203', inverse: true });
  });

  it('coalesces many small writes into few parses', async () => {
    const p = pane(80, 24, 1000);
    let changes = 0;
    p.onChange(() => changes++);
    for (let i = 0; i < 5000; i++) p.write(`${i}\r\n`);
    await p.whenIdle();
    expect(changes).toBeLessThan(10);
    expect(p.text()).toContain('4999');
  });

  it('tracks a hidden cursor, the alternate screen and scrollback', async () => {
    const p = pane(20, 3, 50);
    p.write('a\r\nb\r\nc\r\nd\r\ne');
    await p.whenIdle();
    expect(p.snapshot().scrollbackLines).toBe(2);
    p.scrollBy(2);
    expect(p.text().split('\n')).toEqual(['a', 'b', 'c']);
    expect(p.snapshot().cursor.visible).toBe(false);
    p.scrollBy(100); // clamped
    expect(p.scrollOffset).toBe(2);
    p.scrollToBottom();
    expect(p.text().split('\n')).toEqual(['c', 'd', 'e']);
    p.write('\x1b[?1049h\x1b[?25l\x1b[H\x1b[2JFULL');
    await p.whenIdle();
    const s = p.snapshot();
    expect(s.altScreen).toBe(true);
    expect(s.cursor.visible).toBe(false);
    expect(p.text().split('\n')[0]).toBe('FULL');
    p.write('\x1b[?1049l\x1b[?25h');
    await p.whenIdle();
    expect(p.snapshot().altScreen).toBe(false);
    expect(p.text().split('\n')).toEqual(['c', 'd', 'e']);
  });

  it('resizes and bounds scrollback', async () => {
    const p = pane(20, 4, 10);
    for (let i = 0; i < 100; i++) p.write(`line ${i}\r\n`);
    await p.whenIdle();
    expect(p.snapshot().scrollbackLines).toBe(10);
    p.resize(30, 8);
    const s = p.snapshot();
    expect([s.cols, s.rows, s.lines.length]).toEqual([30, 8, 8]);
  });

  it('renders what less prints in a real PTY: alternate screen, reverse-video prompt', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockstep-less-'));
    const file = join(dir, 'notes.txt');
    writeFileSync(file, Array.from({ length: 100 }, (_, i) => `row ${i + 1}`).join('\n'));
    const p = pane(40, 10, 100);
    const child = pty.spawn('less', ['-R', file], { name: 'xterm-256color', cols: 40, rows: 10, env: { ...process.env, LESS: '', TERM: 'xterm-256color' } });
    let bytes = '';
    child.onData((d) => {
      bytes += d;
      p.write(d);
    });
    const deadline = Date.now() + 10_000;
    while (!bytes.includes('row 9') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    await p.whenIdle();
    const s = p.snapshot();
    expect(s.altScreen).toBe(true);
    expect(p.text().split('\n')[0]).toBe('row 1');
    expect(p.text().split('\n')[8]).toBe('row 9');
    // less shows its prompt on the last row in reverse video: the file name
    const last = s.lines[9]!.runs;
    expect(last.some((r) => r.inverse && r.text.includes('notes.txt'))).toBe(true);
    child.write('q');
    await new Promise<void>((resolve) => child.onExit(() => resolve()));
    await new Promise((r) => setTimeout(r, 50));
    await p.whenIdle();
    expect(p.snapshot().altScreen).toBe(false);
  });
});

describe('PaneTerminal under load', () => {
  it('ingests seq-like output faster than a tmux pane (11 MB/s) with 10k lines of scrollback', async () => {
    const p = pane(80, 24, 10_000);
    let data = '';
    for (let i = 1; data.length < 1 << 20; i++) data += `${i}\n`;
    data = data.replace(/\n/g, '\r\n');
    const chunks: string[] = [];
    for (let i = 0; i < data.length; i += 4096) chunks.push(data.slice(i, i + 4096));
    const rounds = 12; // ~12 MB
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let r = 0; r < rounds; r++) {
      for (const c of chunks) p.write(c);
      await p.whenIdle();
    }
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    // CPU time of this process, so a busy CI machine does not fail the test; wall time is reported.
    const mbPerCpuSecond = (rounds * data.length) / 1e6 / ((cpu.user + cpu.system) / 1e6);
    console.log(`ingest: ${mbPerCpuSecond.toFixed(1)} MB per CPU second, ${((rounds * data.length) / 1e6 / wall).toFixed(1)} MB/s wall`);
    expect(mbPerCpuSecond).toBeGreaterThan(11);
    expect(p.snapshot().scrollbackLines).toBe(10_000);
  });

  it('skips the oldest output of a flood it cannot keep up with, and says so', async () => {
    const p = pane(80, 5, 100);
    const chunk = 'y\r\n'.repeat(20_000);
    for (let i = 0; i < 200; i++) p.write(chunk); // 12 M characters at once
    p.write('the end\r\n');
    await p.whenIdle();
    expect(p.skipped).toBeGreaterThan(0);
    expect(p.parsed).toBeLessThan(12_000_000);
    expect(p.text()).toContain('the end');
    expect(p.snapshot().skipped).toBe(p.skipped); // the pane title tells the operator
  });
});

describe('PaneSet', () => {
  it('creates panes on first output and resizes all or some', async () => {
    const set = new PaneSet({ cols: 30, rows: 5, scrollback: 10 });
    set.write('n1', 'one');
    set.write('n2', 'two');
    await set.whenIdle();
    expect(set.nodes()).toEqual(['n1', 'n2']);
    set.resize(50, 7, ['n2']);
    expect([set.get('n1').cols, set.get('n2').cols]).toEqual([30, 50]);
    set.resize(60, 9);
    set.write('n3', 'x');
    expect(set.get('n3').cols).toBe(60);
    set.dispose();
  });
});
