// `lockstep replay REC` in a real terminal (tmux, the built CLI): the read-only TUI plays the
// recording to its end through the same reducer and screens, and quits on q.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Recorder } from '../../src/record/index.js';
import { syntheticSession } from './synthetic-session.js';

const socket = `lockstep-replay-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const capture = () => tmux('capture-pane', '-p', '-t', 'replay');

async function until(pred: (screen: string) => boolean, ms = 20_000): Promise<string> {
  const deadline = Date.now() + ms;
  let screen = '';
  while (Date.now() < deadline) {
    screen = capture();
    if (pred(screen)) return screen;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out; the screen was:\n${screen}`);
}

afterAll(() => {
  try {
    tmux('kill-server');
  } catch {
    // already gone
  }
});

describe('lockstep replay with a terminal', () => {
  it('plays the recording in the TUI to its end and quits on q', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'lockstep-replay-tui-')), 'rec.jsonl');
    const rec = new Recorder(file, { secrets: [] });
    for (const e of syntheticSession()) rec.write(e);
    rec.close();
    tmux('new-session', '-d', '-s', 'replay', '-x', '120', '-y', '40', `TERM=xterm-256color node bin/lockstep.js replay ${file} --speed 16 --idle-limit 0.2; echo EXIT=$?; sleep 30`);
    const end = await until((s) => s.includes('started on n2') && s.includes('Start etcd'));
    expect(end).toContain('replay');
    expect(end).toContain('Configure etcd');
    tmux('send-keys', '-t', 'replay', 'q');
    await until((s) => /EXIT=0/.test(s));
  }, 40_000);
});
