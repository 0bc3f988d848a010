// `lockstep replay REC` in a real terminal: a short real session is recorded (the built CLI,
// local PTY nodes), replayed in tmux, driven with send-keys and read with capture-pane.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tmux } from '../support/tmux.js';

const root = join(import.meta.dirname, '..', '..');
const cli = join(root, 'bin', 'lockstep.js');
const socket = `lockstep-replay-ui-${process.pid}`;
const fence = '```';
// Each step prints something its command text does not contain, so the output is what is matched.
const RUNBOOK = `# Demo\n\n## Alpha\n${fence}sh run\necho "alpha-$((20+1))"\n${fence}\n\n## Bravo\n${fence}sh run\necho "bravo-$((1+1))"\n${fence}\n\n## Charlie\n${fence}sh run\necho "charlie-$((1+2))"\n${fence}\n`;

const term = new Tmux(socket);
const keys = (s: string, ...k: string[]): void => term.keys(s, ...k);
const waitFor = (s: string, test: (screen: string) => boolean, what: string, ms = 20_000): Promise<string> => term.waitFor(s, test, what, ms);

/** The lines inside the pane whose title shows `node` (panes stacked or side by side). */
function paneText(screen: string, node: string): string {
  const lines = screen.split('\n');
  const title = new RegExp(`[│|] \\d ${node} `);
  const top = lines.findIndex((l) => title.test(l));
  if (top < 0) return '';
  const chars = [...lines[top]!];
  const col = [...lines[top]!.slice(0, lines[top]!.search(title))].length;
  const border = chars[col]!;
  const width = chars.slice(col + 1).indexOf(border);
  const out: string[] = [];
  for (let i = top + 1; i < lines.length; i++) {
    const row = [...lines[i]!];
    if (row[col] !== border) break;
    out.push(row.slice(col + 1, col + 1 + width).join('').trimEnd());
  }
  return out.join('\n');
}

/** The replay bar's line. */
const barLine = (screen: string): string => screen.split('\n').find((l) => l.includes(' REPLAY ')) ?? '';

let rec = '';

beforeAll(() => {
  // `npm test` builds first; run alone, build when dist is missing or older than the sources.
  const built = join(root, 'dist', 'ui', 'replay', 'replay-bar.js');
  const newest = Math.max(
    ...['ui', 'state', 'terminal', 'record', 'cli'].flatMap((d) =>
      readdirSync(join(root, 'src', d), { recursive: true, encoding: 'utf8' }).map((f) => statSync(join(root, 'src', d, f)).mtimeMs),
    ),
  );
  if (!existsSync(built) || statSync(built).mtimeMs < newest) spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'ignore' });
  expect(existsSync(built), `${built} missing: run npm run build`).toBe(true);
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-replay-ui-'));
  writeFileSync(join(dir, 'inv.yaml'), 'nodes:\n  - { name: n0, local: true }\n  - { name: n1, local: true }\n');
  writeFileSync(join(dir, 'rb.md'), RUNBOOK);
  rec = join(dir, 'rec.jsonl');
  const r = spawnSync('node', [cli, 'run', join(dir, 'rb.md'), '-i', join(dir, 'inv.yaml'), '--yes', '--no-tui', '--record', rec], { cwd: root, encoding: 'utf8', timeout: 90_000 });
  expect(r.status, r.stderr).toBe(0);
  expect(readFileSync(rec, 'utf8')).toContain('charlie-3');
}, 300_000);

afterAll(() => {
  term.killServer();
});

describe('lockstep replay in a real terminal', () => {
  it('plays, jumps to step 2, seeks back to earlier screens, refuses live keys, quits', { timeout: 120_000 }, async () => {
    const s = 'replay';
    term.start(s, `env -u LC_ALL -u LC_CTYPE LANG=C.UTF-8 TERM=xterm-256color node ${cli} replay ${rec} --idle-limit 0.2; echo EXIT=$?; sleep 60`, 160, 50);

    // plays to the end by itself: the last step's output in both panes
    let screen = await waitFor(s, (x) => barLine(x).includes('ended') && paneText(x, 'n1').includes('charlie-3'), 'played to the end', 40_000);
    // everything played, the position at the end
    const bar = barLine(screen);
    expect(bar).toMatch(/ REPLAY .* x1 /);
    expect(bar).toMatch(/━[^\[]*●\]/);
    expect(bar.slice(bar.lastIndexOf('['))).not.toContain('─');
    expect(paneText(screen, 'n0')).toContain('charlie-3');
    expect(screen).toContain('Space play/pause');

    // jump to step 2: its end, step 2's text and not step 3's (a backward seek from the end)
    keys(s, '2');
    await waitFor(s, (x) => x.includes('Jump to step (1-3): 2_'), 'the prompt');
    keys(s, 'Enter');
    screen = await waitFor(s, (x) => x.includes('Step 2: Bravo') && !paneText(x, 'n0').includes('charlie-3'), 'step 2');
    for (const n of ['n0', 'n1']) {
      expect(paneText(screen, n)).toContain('bravo-2');
      expect(paneText(screen, n)).toContain('alpha-21');
      expect(paneText(screen, n)).not.toContain('charlie-3');
    }
    expect(barLine(screen)).toContain('paused');
    const cells = barLine(screen).slice(barLine(screen).lastIndexOf('['));
    expect(cells).toMatch(/●.*─/); // not at the end any more: something after the position is still to come

    // back to the start of step 2: the earlier screen, before bravo ran
    keys(s, 'p');
    screen = await waitFor(s, (x) => x.includes('Step 2: Bravo (its start)') && !paneText(x, 'n0').includes('bravo-2'), 'start of step 2');
    expect(paneText(screen, 'n0')).toContain('alpha-21');
    expect(paneText(screen, 'n1')).not.toContain('bravo-2');

    // forward to the next step: bravo's output again
    keys(s, 'n');
    screen = await waitFor(s, (x) => paneText(x, 'n0').includes('bravo-2'), 'next step');
    expect(paneText(screen, 'n0')).not.toContain('charlie-3');

    // live-only keys are refused with a message, nothing changes
    keys(s, 'i');
    screen = await waitFor(s, (x) => x.includes('is live only'), 'live-only message');
    expect(screen).toContain('i (type) is live only');
    expect(paneText(screen, 'n0')).not.toContain('charlie-3');

    // speed, then back 10 s: the very start, then play again to the end
    keys(s, '+', '+');
    await waitFor(s, (x) => barLine(x).includes(' x4 '), 'x4');
    keys(s, 'Left');
    screen = await waitFor(s, (x) => /\[●/.test(barLine(x)) && !paneText(x, 'n0').includes('alpha-21'), 'the start');
    keys(s, 'Space');
    screen = await waitFor(s, (x) => barLine(x).includes('ended') && paneText(x, 'n1').includes('charlie-3'), 'played again to the end', 40_000);
    expect(barLine(screen)).toContain(' x4 ');

    keys(s, 'q');
    await waitFor(s, (x) => x.includes('EXIT=0'), 'quit');
  });
});
