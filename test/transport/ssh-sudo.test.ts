// A non-root login: the pane runs as that user, file operations get root rights through
// `sudo -n`, and a user without passwordless sudo gets a clear message instead of a prompt.
// Needs root (to create throwaway users) and sudo; skipped elsewhere.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectSsh, type SshSession } from '../../src/transport/index.js';
import { ensureTestUser, startSshd, type SshdFixture } from './sshd-fixture.js';

const canRun = process.getuid?.() === 0 && existsSync('/usr/bin/sudo');

describe.skipIf(!canRun)('non-root login with sudo', () => {
  let sshd: SshdFixture;
  let s: SshSession;
  let dir: string;
  beforeAll(async () => {
    ensureTestUser('lockstep-test', true);
    sshd = await startSshd({ user: 'lockstep-test' });
    s = await connectSsh(sshd.node(), { knownHostsFile: sshd.knownHostsFile, agent: null });
    dir = mkdtempSync(join(tmpdir(), 'lockstep-sudo-'));
  });
  afterAll(async () => {
    await s?.close();
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the pane is the login user; files are read and written as root', async () => {
    expect((await s.runScript('whoami', 'id -un')).output).toBe('lockstep-test\n');
    const secret = join(dir, 'root-only');
    writeFileSync(secret, 'top secret\n', { mode: 0o600 });
    expect((await s.readFile(secret))?.toString()).toBe('top secret\n');
    const target = join(dir, 'etc', 'written.conf');
    await s.writeFileAtomic(target, Buffer.from('by sudo\n'), { mode: 0o600 });
    expect(await s.statFile(target)).toEqual({ mode: 0o600, owner: 'root:root' });
    await s.removeFile(target);
    expect(await s.statFile(target)).toBeNull();
  });

  test('paneAsRoot runs the pane as root through sudo; state still carries over', async () => {
    const r = await connectSsh(sshd.node(), { knownHostsFile: sshd.knownHostsFile, agent: null, paneAsRoot: true });
    try {
      expect((await r.runScript('whoami', 'id -un; ROOTVAR=1; cd /root')).output).toBe('root\n');
      expect((await r.runScript('state', 'echo "$ROOTVAR $PWD $HOME"')).output).toBe('1 /root /root\n');
    } finally {
      await r.close();
    }
  });

  test('without passwordless sudo the error says what to do', async () => {
    ensureTestUser('lockstep-nosudo', false);
    const other = await startSshd({ user: 'lockstep-nosudo' });
    try {
      const n = await connectSsh(other.node({ name: 'worker-9' }), { knownHostsFile: other.knownHostsFile, agent: null });
      try {
        await expect(n.readFile('/etc/shadow')).rejects.toThrow(/worker-9: reading \/etc\/shadow needs root and sudo asks for a password/);
      } finally {
        await n.close();
      }
      // And a pane that cannot become root says why instead of timing out.
      await expect(
        connectSsh(other.node({ name: 'worker-9' }), { knownHostsFile: other.knownHostsFile, agent: null, paneAsRoot: true }),
      ).rejects.toThrow(/worker-9: the shell ended before showing a prompt.*password is required/);
    } finally {
      await other.stop();
    }
    // The user really has no sudo rights (the test above proves the message, not a fluke).
    expect(() => execFileSync('sudo', ['-n', '-u', 'lockstep-nosudo', 'sudo', '-n', 'true'], { stdio: 'ignore' })).toThrow();
  });
});
