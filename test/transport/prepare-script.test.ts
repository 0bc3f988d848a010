// Block files named after their content: prepareScript uploads ahead of runScript, a script is
// uploaded once per pane, a failed upload is tried again; and the state hand-over still works
// when compgen is disabled (the fallback) or the block turned on noclobber.
import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectLocal, connectSsh, type PaneSession } from '../../src/transport/index.js';
import type { Node } from '../../src/inventory/types.js';
import { Pane, type PaneIO } from '../../src/transport/pane.js';
import { blockFileName } from '../../src/transport/shell-protocol.js';
import { startSshd, type SshdFixture } from './sshd-fixture.js';

const READY = '\x1b]133;B;lockstep\x07';

/** A pane over a fake shell: answers each typed run line with start and end marks (exit 0). */
function fakePane(upload: (name: string, script: string) => Promise<void>) {
  const typed: string[] = [];
  const io: PaneIO = {
    type: (data) => {
      typed.push(data);
      const m = / __ls (\d+) (\S+)/.exec(data);
      if (m) queueMicrotask(() => pane.feed(`\x1b]133;C;lockstep=${m[1]};id=${m[2]}\x07ok\r\n\x1b]133;D;0;lockstep=${m[1]}\x07${READY}`));
    },
    uploadBlock: upload,
  };
  const pane: Pane = new Pane(io);
  pane.feed(READY);
  return { pane, typed };
}

describe('block files', () => {
  test('named after the content: one upload per script, prepared ahead, typed with the run line', async () => {
    const uploads: string[] = [];
    const { pane, typed } = fakePane(async (name, script) => {
      uploads.push(`${name}=${script}`);
    });
    pane.prepareScript('echo a');
    pane.prepareScript('echo a');
    expect(uploads).toEqual([`${blockFileName('echo a')}=echo a`]);
    expect((await pane.runScript('x/a', 'echo a')).exitCode).toBe(0);
    expect((await pane.runScript('x/a2', 'echo a')).exitCode).toBe(0);
    expect((await pane.runScript('x/b', 'echo b')).output).toBe('ok\n');
    expect(uploads).toEqual([`${blockFileName('echo a')}=echo a`, `${blockFileName('echo b')}=echo b`]);
    expect(typed).toEqual([` __ls 1 x/a ${blockFileName('echo a')}\r`, ` __ls 2 x/a2 ${blockFileName('echo a')}\r`, ` __ls 3 x/b ${blockFileName('echo b')}\r`]);
    expect(blockFileName('echo a')).toMatch(/^b[0-9a-f]{12}$/);
    expect(blockFileName('echo a')).not.toBe(blockFileName('echo a\n'));
  });

  test('a failed upload (prepared or not) is tried again by the next runScript', async () => {
    let fail = 2;
    const uploads: string[] = [];
    const { pane } = fakePane(async (name) => {
      uploads.push(name);
      if (fail-- > 0) throw new Error('sftp: no space left');
    });
    pane.prepareScript('echo c');
    await new Promise((r) => setImmediate(r));
    await expect(pane.runScript('x/c', 'echo c')).rejects.toThrow('no space left');
    expect((await pane.runScript('x/c', 'echo c')).exitCode).toBe(0);
    expect(uploads).toHaveLength(3);
  });
});

const localNode: Node = { name: 'local0', transport: 'local', port: 0, groups: [], vars: {}, pos: { file: 'inventory.yaml', line: 1, column: 1 } };
let sshd: SshdFixture;
beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(async () => {
  await sshd?.stop();
});

describe.each([
  ['local', () => connectLocal(localNode, { cols: 100, rows: 30 })],
  ['ssh', () => connectSsh(sshd.node(), { knownHostsFile: sshd.knownHostsFile, agent: null, cols: 100, rows: 30 })],
] as [string, () => Promise<PaneSession>][])('prepared scripts over %s', (_name, connect) => {
  let s: PaneSession;
  beforeAll(async () => {
    s = await connect();
  });
  afterAll(async () => {
    await s?.close();
  });

  test('prepareScript puts the file in the pane directory; runScript runs it with state carried over', async () => {
    const dir = (await s.runScript('dir', 'echo "$__lockstep_dir"')).output.trim();
    const script = 'PREPARED=yes; echo "prepared $PREPARED"';
    s.prepareScript?.(script);
    if (_name === 'local') {
      for (let i = 0; i < 50 && !(await readdir(dir)).includes(blockFileName(script)); i++) await new Promise((r) => setTimeout(r, 10));
      expect(await readdir(dir)).toContain(blockFileName(script));
    }
    expect(await s.runScript('p', script)).toEqual({ exitCode: 0, output: 'prepared yes\n', timedOut: false, interrupted: false });
    expect((await s.runScript('p2', script)).output).toBe('prepared yes\n');
    expect((await s.runScript('after', 'echo "$PREPARED"; exit 3')).exitCode).toBe(3);
  });

  test('state carries over without compgen (fallback) and after set -C (noclobber)', async () => {
    await s.runScript('nocompgen', 'enable -n compgen; A1=one; unset -v GONE1');
    await s.runScript('pre', 'GONE2=x');
    const b = await s.runScript('check', 'enable -n compgen; echo "${A1}-${GONE1-unset}-$GONE2"; unset -v GONE2; B1=two');
    expect(b.output).toBe('one-unset-x\n');
    const c = await s.runScript('noclobber', 'set -C; echo "${B1}-${GONE2-unset}"; C1=three');
    expect(c.output).toBe('two-unset\n');
    expect((await s.runScript('c', 'echo "$C1"; [[ -o noclobber ]] || echo clobber-off')).output).toBe('three\nclobber-off\n');
  });
});
