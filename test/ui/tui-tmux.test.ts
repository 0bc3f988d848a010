// The real TUI in a real terminal: tmux runs the demo entry (the real App driven by the
// scripted demo engine), send-keys types, capture-pane shows what a person would see.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { paneText, Tmux } from '../support/tmux.js';

const root = join(import.meta.dirname, '..', '..');
const demo = join(root, 'dist', 'ui', 'demo', 'demo.js');
const server = new Tmux(`lockstep-ui-${process.pid}`);
const BOX = /[┌┐└┘─│╔═║]/;

const capture = (session: string, escapes = false): string => server.capture(session, escapes);
const tmux = (...args: string[]): string => server.run(...args);
const keys = (session: string, ...k: string[]): void => server.keys(session, ...k);

function waitFor(session: string, test: (screen: string) => boolean, what: string, ms = 10_000): Promise<string> {
  return server.waitFor(session, test, what, ms);
}

function start(session: string, env: Record<string, string>, args = '', cols = 160, rows = 50): void {
  const envs = Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ');
  // `env -u` clears what could override the locale we test.
  server.start(session, `env -u LC_ALL -u LC_CTYPE -u LANG ${envs} node ${demo} ${args}; sleep 60`, cols, rows);
}

beforeAll(() => {
  // `npm test` builds before testing; when run alone, build if dist is missing or stale.
  const newest = Math.max(
    ...['ui', 'state', 'terminal'].flatMap((d) =>
      readdirSync(join(root, 'src', d), { recursive: true, encoding: 'utf8' }).map((f) => statSync(join(root, 'src', d, f)).mtimeMs),
    ),
  );
  if (!existsSync(demo) || statSync(demo).mtimeMs < newest) {
    spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'ignore' });
  }
  expect(existsSync(demo), `${demo} missing: run npm run build`).toBe(true);
}, 180_000);

afterAll(() => {
  server.killServer();
});

describe('the TUI in tmux', () => {
  it('shows steps and panes, broadcasts to all and to selected panes, runs a full-screen program, re-lays out on resize', { timeout: 120_000 }, async () => {
    const s = 'main';
    start(s, { TERM: 'xterm-256color', LANG: 'C.UTF-8' }, '--learn');
    let screen = await waitFor(s, (x) => x.includes('3 controller-2') && x.includes('root@controller-2:~#'), 'first frame');
    expect(screen).toContain('Download etcd');
    expect(screen).toContain('Check API server SANs');
    expect(screen).toContain('• the tarball goes to /tmp');
    expect(screen).toMatch(/┌─+┐/);
    expect(paneText(screen, 'controller-1')).toContain('root@controller-1:~#');

    keys(s, 'n');
    screen = await waitFor(s, (x) => /✓ Download etcd\s+✓✓✓/.test(x) && paneText(x, 'controller-2').includes('extracting'), 'step 1 passed');
    expect(paneText(screen, 'controller-2')).toContain('extracting etcd-v3.5/etcd');

    // broadcast to every pane, with the indicator
    keys(s, 'b');
    screen = await waitFor(s, (x) => x.includes('BROADCAST'), 'broadcast indicator');
    expect(screen).toContain('BROADCAST → ALL 3 PANES (Ctrl-] stops)');
    keys(s, 'echo all', 'Enter');
    screen = await waitFor(s, (x) => (x.match(/ran: echo all/g) ?? []).length === 3, 'echo on all three');
    for (const n of ['controller-0', 'controller-1', 'controller-2']) expect(paneText(screen, n)).toContain('ran: echo all');

    // selected panes only: 1 and 3
    keys(s, 'C-]', '1', 'Space', '3', 'Space', 'B');
    screen = await waitFor(s, (x) => x.includes('BROADCAST → controller-0, controller-2'), 'selected broadcast');
    keys(s, 'only13', 'Enter', 'C-]');
    screen = await waitFor(s, (x) => (x.match(/ran: only13/g) ?? []).length === 2 && x.includes('keys: commands'), 'selected echo');
    expect(paneText(screen, 'controller-0')).toContain('ran: only13');
    expect(paneText(screen, 'controller-2')).toContain('ran: only13');
    expect(paneText(screen, 'controller-1')).not.toContain('only13');

    // a full-screen program in the focused pane, with its colours
    keys(s, '2', 'i', 'top', 'Enter');
    screen = await waitFor(s, (x) => x.includes('812 etcd') && x.includes('[full]'), 'top in pane 2');
    expect(screen).toContain('2 controller-1  >> KEYS [full]');
    expect(paneText(screen, 'controller-1').split('\n')[0]).toContain('top - 20:00:00 up 1 day');
    const coloured = capture(s, true);
    expect(coloured).toMatch(/\x1b\[31metcd/); // red, as top drew it
    keys(s, 'q', 'C-]');
    await waitFor(s, (x) => !x.includes('812 etcd') && x.includes('keys: commands'), 'top closed');

    // resize: the grid is laid out again to the new size
    const widthOfFirstBorder = (x: string): number => (x.split('\n').find((l) => l.includes('┌')) ?? '').trimEnd().length;
    const before = widthOfFirstBorder(capture(s));
    tmux('resize-window', '-t', s, '-x', '100', '-y', '40');
    screen = await waitFor(
      s,
      (x) => widthOfFirstBorder(x) > 0 && widthOfFirstBorder(x) <= 100 && widthOfFirstBorder(x) !== before && paneText(x, 'controller-0').includes('ran: only13'),
      'relayout',
    );
    expect(screen.split('\n').every((l) => [...l].length <= 100)).toBe(true);
    expect(screen).toContain('3 controller-2');
    expect(paneText(screen, 'controller-0')).toContain('ran: only13');

    // the diff view before the file is written, then the production-style approval flow
    keys(s, 'n');
    await waitFor(s, (x) => x.includes('Will change'), 'approval wait');
    keys(s, 'd');
    screen = await waitFor(s, (x) => x.includes('File changes'), 'diff view');
    expect(screen).toContain('NOT WRITTEN YET');
    expect(screen).toContain('+ExecStart=/usr/local/bin/etcd --name controller-0');
    keys(s, 'Escape');
    await waitFor(s, (x) => !x.includes('File changes'), 'diff closed');
    // the engine only waits for approval (nothing runs), so q quits without a question
    keys(s, 'q');
    await waitFor(s, (x) => !x.includes('Download etcd'), 'quit', 5000);
  });

  it('stays responsive to keys while every pane floods', async () => {
    const s = 'flood';
    start(s, { TERM: 'xterm-256color', LANG: 'C.UTF-8' });
    await waitFor(s, (x) => x.includes('root@controller-2:~#'), 'first frame');
    keys(s, 'b', 'flood 15', 'Enter', 'C-]');
    await waitFor(s, (x) => (x.match(/│y +│/g) ?? []).length > 10, 'flood on screen');
    const t0 = Date.now();
    keys(s, '2', 'z');
    const zoomed = await waitFor(s, (x) => x.includes(' 2 controller-1') && !x.includes(' 1 controller-0'), 'zoom during the flood');
    const took = Date.now() - t0;
    expect(took).toBeLessThan(2000);
    expect(zoomed).toContain('Download etcd'); // the step list is still drawn
    const done = await waitFor(s, (x) => x.includes('flood done'), 'end of flood', 60_000);
    expect(done).toContain('2 controller-1');
    keys(s, 'q');
  }, 90_000);

  const matrix: { term: string; utf8: boolean; unicode: boolean }[] = [];
  for (const term of ['xterm-256color', 'screen-256color', 'linux', 'vt100']) {
    for (const utf8 of [true, false]) matrix.push({ term, utf8, unicode: utf8 && term !== 'vt100' });
  }

  it('draws borders that never garble: Unicode where the terminal can, ASCII elsewhere', { timeout: 120_000 }, async () => {
    matrix.forEach((m, i) => start(`b${i}`, { TERM: m.term, ...(m.utf8 ? { LANG: 'C.UTF-8' } : { LANG: 'C' }) }, '', 100, 30));
    for (const [i, m] of matrix.entries()) {
      // eight programs start at once: give a busy 2-core CI machine time
      const screen = await waitFor(`b${i}`, (x) => x.includes('3 controller-2'), `${m.term} utf8=${m.utf8}`, 30_000);
      const label = `${m.term} ${m.utf8 ? 'UTF-8' : 'C locale'}`;
      expect(/q{6,}|lqq|mqq/.test(screen), `${label}: DEC line-drawing garbage`).toBe(false);
      if (m.unicode) {
        expect(screen, label).toMatch(/┌─+┐/);
      } else {
        expect(BOX.test(screen), `${label}: box-drawing characters`).toBe(false);
        expect(screen, label).toMatch(/\+-{10,}\+/);
        expect(screen, label).toMatch(/\| 1 controller-0/);
      }
      keys(`b${i}`, 'q');
    }
  });
});
