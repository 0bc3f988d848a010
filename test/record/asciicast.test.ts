import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toAsciicast } from '../../src/record/asciicast.js';
import { Recorder } from '../../src/record/index.js';
import * as exportCli from '../../src/cli/export.js';
import { runCommand } from '../cli/cli-harness.js';
import { syntheticSession } from './synthetic-session.js';

const dir = mkdtempSync(join(tmpdir(), 'lockstep-cast-'));

/** Runs a command under a pseudo-terminal (asciinema wants /dev/tty), returning what it printed. */
function underPty(command: string): string {
  return execFileSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, TERM: 'xterm-256color' } });
}

describe('asciicast export', () => {
  it('writes asciicast v2: header, output of one node only, step markers, monotonic times', () => {
    const cast = toAsciicast(syntheticSession(), { node: 'n1', timestamp: 1_790_000_000.7 });
    const [header, ...events] = cast.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(header).toEqual({ version: 2, width: 40, height: 6, timestamp: 1_790_000_000, title: 'lockstep: n1', env: { TERM: 'xterm-256color' } });
    const out = events.filter((e) => e[1] === 'o').map((e) => e[2]).join('');
    expect(out).toContain('config BAD');
    expect(out).toContain('started on n1');
    expect(out).not.toContain('n0');
    expect(events.filter((e) => e[1] === 'm').map((e) => e[2])).toEqual(['Step 1: Download etcd', 'Step 2: Configure etcd', 'Step 2: Configure etcd', 'Step 3: Start etcd']);
    for (let i = 1; i < events.length; i++) expect(events[i][0]).toBeGreaterThanOrEqual(events[i - 1][0]);
    // The one-minute pause is capped when asked.
    const capped = toAsciicast(syntheticSession(), { node: 'n1', idleLimitSec: 2 }).trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(capped[0].idle_time_limit).toBe(2);
    expect(capped.at(-1)[0]).toBeLessThan(events.at(-1)[0] - 50);
  });

  it("is played to the end by Debian's asciinema (cat and play -s 100)", async () => {
    const rec = join(dir, 'rec.jsonl');
    const r = new Recorder(rec, { secrets: [] });
    for (const e of syntheticSession()) r.write(e);
    r.close();
    const castFile = join(dir, 'n1.cast');
    const res = await runCommand(exportCli, ['export', 'asciicast', rec, '--node', 'n1', '-o', castFile]);
    expect(res.exitCode).toBe(0);
    expect(res.stderr).toContain(`asciinema play ${castFile}`);
    const cat = underPty(`asciinema cat ${castFile}`);
    const plain = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
    expect(plain(cat)).toContain('config ok\r\nsystemctl start etcd\r\nstarted on n1\r\nn1$ ');
    const started = Date.now();
    const play = underPty(`asciinema play -s 100 ${castFile}; echo "exit=$?"`);
    expect(plain(play)).toContain('started on n1');
    expect(play).toMatch(/exit=0/);
    // 78 s of session at x100: well under 10 s, so it really played at speed, to the end.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('asks for --node when there are several, and names the choices for an unknown one', async () => {
    const rec = join(dir, 'rec2.jsonl');
    const r = new Recorder(rec, { secrets: [] });
    for (const e of syntheticSession()) r.write(e);
    r.close();
    await expect(runCommand(exportCli, ['export', 'asciicast', rec])).rejects.toThrow('say which node with --node; this recording has n0, n1, n2');
    await expect(runCommand(exportCli, ['export', 'asciicast', rec, '--node', 'zz'])).rejects.toThrow('no node "zz"');
    writeFileSync(join(dir, 'bad.jsonl'), readFileSync(rec, 'utf8').replace('"n2"', '"n9"'));
    await expect(runCommand(exportCli, ['export', 'asciicast', join(dir, 'bad.jsonl'), '--node', 'n1'])).rejects.toThrow(/bad\.jsonl:1: the header \(line 1\) was changed|bad\.jsonl:\d+: line \d+ was changed/);
  });
});
