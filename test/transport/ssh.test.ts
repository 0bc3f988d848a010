// connectSsh against a real OpenSSH server: host-key checks, agent and ProxyJump logins, file
// operations on exec channels, and noticing a lost connection.

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectNode, connectSsh, HostKeyError, type SshSession } from '../../src/transport/index.js';
import type { EventBody } from '../../src/state/events.js';
import { keygen, startSshd, type SshdFixture } from './sshd-fixture.js';

let sshd: SshdFixture;
let scratch: string;
beforeAll(async () => {
  sshd = await startSshd();
  scratch = mkdtempSync(join(tmpdir(), 'lockstep-ssh-test-'));
});
afterAll(async () => {
  await sshd?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** What `ssh-keygen -lf` prints as the fingerprint of the server's host key. */
function opensshFingerprint(): string {
  return execFileSync('ssh-keygen', ['-lf', join(sshd.dir, 'host_ed25519.pub')], { encoding: 'utf8' }).split(' ')[1]!;
}

function knownHosts(name: string, text: string): string {
  const f = join(scratch, name);
  writeFileSync(f, text);
  return f;
}

describe('host keys', () => {
  test('connects when known_hosts lists the key, and says which line matched', async () => {
    const f = knownHosts('kh-ok', `# comment\nother.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDummyDummyDummyDummyDummyDummyDummyDummy00\n${sshd.knownHostsLine}\n`);
    const s = await connectSsh(sshd.node(), { knownHostsFile: f, agent: null });
    try {
      expect(s.hostKeys).toEqual([
        expect.objectContaining({ status: 'known', line: 3, keyType: 'ssh-ed25519', fingerprint: opensshFingerprint(), knownHosts: f }),
      ]);
      expect((await s.exec('echo $USER')).stdout.toString().trim()).toBe('root');
    } finally {
      await s.close();
    }
  });

  test('an unknown key is refused with the node, key type and OpenSSH fingerprint', async () => {
    const f = knownHosts('kh-empty', '');
    const err = await connectSsh(sshd.node({ name: 'controller-0' }), { knownHostsFile: f, agent: null }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyError);
    const e = err as HostKeyError;
    expect(e.reason).toBe('unknown');
    expect(e.message).toContain('controller-0');
    expect(e.message).toContain('ssh-ed25519');
    expect(e.message).toContain(opensshFingerprint());
    expect(e.facts.fingerprint).toBe(opensshFingerprint());
    expect(readFileSync(f, 'utf8')).toBe('');
  });

  test('a changed key is refused naming the known_hosts file and line, even with accept on', async () => {
    const other = join(scratch, 'other_host_key');
    keygen(other);
    const otherKey = readFileSync(other + '.pub', 'utf8').split(' ').slice(0, 2).join(' ');
    const f = knownHosts('kh-changed', `# first line\n[127.0.0.1]:${sshd.port} ${otherKey}\n`);
    const err = (await connectSsh(sshd.node({ name: 'controller-1' }), { knownHostsFile: f, agent: null, acceptNewHostKey: true }).catch(
      (e: unknown) => e,
    )) as HostKeyError;
    expect(err).toBeInstanceOf(HostKeyError);
    expect(err.reason).toBe('changed');
    expect(err.message).toContain('controller-1');
    expect(err.message).toContain(`${f}:2`);
    expect(err.message).toContain(opensshFingerprint());
    expect(err.message).toMatch(/HOST KEY CHANGED/);
  });

  test('a hashed entry written by ssh-keygen -H matches', async () => {
    const f = knownHosts('kh-hashed', sshd.knownHostsLine + '\n');
    execFileSync('ssh-keygen', ['-q', '-H', '-f', f], { stdio: 'ignore' });
    expect(readFileSync(f, 'utf8')).toMatch(/^\|1\|/);
    const s = await connectSsh(sshd.node(), { knownHostsFile: f, agent: null });
    expect(s.hostKeys[0]).toMatchObject({ status: 'known', line: 1 });
    await s.close();
  });

  test('a host known only by its RSA key is asked for that key, not reported unknown', async () => {
    const both = await startSshd({ rsaHostKey: true });
    try {
      const f = knownHosts('kh-rsa-only', `[127.0.0.1]:${both.port} ${both.rsaHostPublicKey}\n`);
      const s = await connectSsh(both.node(), { knownHostsFile: f, agent: null });
      expect(s.hostKeys[0]).toMatchObject({ status: 'known', keyType: 'ssh-rsa', line: 1 });
      await s.close();
      // With nothing known, the default preference (ed25519) is what gets reported.
      const err = (await connectSsh(both.node(), { knownHostsFile: knownHosts('kh-none', ''), agent: null }).catch((e: unknown) => e)) as HostKeyError;
      expect(err.facts.keyType).toBe('ssh-ed25519');
    } finally {
      await both.stop();
    }
  });

  test('@revoked refuses the key', async () => {
    const f = knownHosts('kh-revoked', `${sshd.knownHostsLine}\n@revoked * ${sshd.hostPublicKey}\n`);
    const err = (await connectSsh(sshd.node(), { knownHostsFile: f, agent: null }).catch((e: unknown) => e)) as HostKeyError;
    expect(err).toBeInstanceOf(HostKeyError);
    expect(err.reason).toBe('revoked');
    expect(err.message).toContain(`${f}:2`);
  });

  test('a new key is accepted only when the caller says so, then appended for next time', async () => {
    const f = knownHosts('kh-accept', 'unrelated.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDummyDummyDummyDummyDummyDummyDummyDummy00');
    const asked: string[] = [];
    const s = await connectSsh(sshd.node(), {
      knownHostsFile: f,
      agent: null,
      acceptNewHostKey: (facts) => {
        asked.push(facts.fingerprint);
        return true;
      },
    });
    expect(asked).toEqual([opensshFingerprint()]);
    expect(s.hostKeys[0]).toMatchObject({ status: 'accepted', line: 2, fingerprint: opensshFingerprint() });
    await s.close();
    expect(readFileSync(f, 'utf8').split('\n')[1]).toBe(sshd.knownHostsLine);
    // OpenSSH itself agrees the appended line names this host.
    expect(execFileSync('ssh-keygen', ['-F', `[127.0.0.1]:${sshd.port}`, '-f', f], { encoding: 'utf8' })).toContain('line 2');
    const again = await connectSsh(sshd.node(), { knownHostsFile: f, agent: null });
    expect(again.hostKeys[0]).toMatchObject({ status: 'known', line: 2 });
    await again.close();
  });

  test('a prompt that says no refuses the connection', async () => {
    const f = knownHosts('kh-no', '');
    await expect(connectSsh(sshd.node(), { knownHostsFile: f, agent: null, acceptNewHostKey: async () => false })).rejects.toThrow(
      /unknown host key/,
    );
    expect(readFileSync(f, 'utf8')).toBe('');
  });
});

describe('connectNode records host-key decisions as events', () => {
  test('--accept-new-host-keys: unknown then accepted by flag', async () => {
    const f = knownHosts('kh-events-flag', '');
    const events: EventBody[] = [];
    const s = await connectNode(sshd.node({ name: 'cp0' }), { knownHostsFile: f, agent: null, acceptNewHostKeys: true }, { emit: (e) => events.push(e) });
    await s.close();
    expect(events).toEqual([
      { type: 'hostkey.unknown', node: 'cp0', fingerprint: opensshFingerprint(), keyType: 'ssh-ed25519', knownHosts: f, changed: false },
      { type: 'hostkey.accepted', node: 'cp0', fingerprint: opensshFingerprint(), keyType: 'ssh-ed25519', by: 'flag' },
    ]);
  });

  test('a prompt decides, and a refusal leaves one unknown event', async () => {
    const f = knownHosts('kh-events-prompt', '');
    const events: EventBody[] = [];
    const asked: string[] = [];
    const ctx = { emit: (e: EventBody) => events.push(e), askHostKey: async (fp: string) => (asked.push(fp), false) };
    await expect(connectNode(sshd.node({ name: 'cp1' }), { knownHostsFile: f, agent: null }, ctx)).rejects.toThrow(/cp1: unknown host key/);
    expect(asked).toEqual([opensshFingerprint()]);
    expect(events.map((e) => e.type)).toEqual(['hostkey.unknown']);
    const yes = { emit: (e: EventBody) => events.push(e), askHostKey: async () => true };
    const s = await connectNode(sshd.node({ name: 'cp1' }), { knownHostsFile: f, agent: null }, yes);
    await s.close();
    expect(events.at(-1)).toMatchObject({ type: 'hostkey.accepted', node: 'cp1', by: 'prompt' });
  });

  test('a changed key is an unknown event with changed and the line', async () => {
    const other = join(scratch, 'other_host_key2');
    keygen(other);
    const otherKey = readFileSync(other + '.pub', 'utf8').split(' ').slice(0, 2).join(' ');
    const f = knownHosts('kh-events-changed', `[127.0.0.1]:${sshd.port} ${otherKey}\n`);
    const events: EventBody[] = [];
    await expect(
      connectNode(sshd.node({ name: 'cp2' }), { knownHostsFile: f, agent: null, acceptNewHostKeys: true }, { emit: (e) => events.push(e) }),
    ).rejects.toThrow(HostKeyError);
    expect(events).toEqual([
      { type: 'hostkey.unknown', node: 'cp2', fingerprint: opensshFingerprint(), keyType: 'ssh-ed25519', knownHosts: f, line: 1, changed: true },
    ]);
  });
});

describe('logins', () => {
  test('through ssh-agent (SSH_AUTH_SOCK) without an identity file', async () => {
    const sock = join(scratch, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    try {
      await expect.poll(() => {
        try {
          execFileSync('ssh-add', ['-l'], { env: { SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
          return true;
        } catch (e) {
          return (e as { status?: number }).status === 1; // 1 = running, no keys yet
        }
      }).toBe(true);
      execFileSync('ssh-add', ['-q', sshd.clientKeyFile], { env: { SSH_AUTH_SOCK: sock } });
      const s = await connectSsh(sshd.node({ identityFile: undefined }), { knownHostsFile: sshd.knownHostsFile, agent: sock });
      expect((await s.runScript('agent', 'echo via-agent')).output).toBe('via-agent\n');
      await s.close();
    } finally {
      agent.kill();
    }
  });

  test('a wrong key is refused with a clear message', async () => {
    const wrong = join(scratch, 'wrong_key');
    keygen(wrong);
    await expect(
      connectSsh(sshd.node({ identityFile: wrong, name: 'etcd-2' }), { knownHostsFile: sshd.knownHostsFile, agent: null }),
    ).rejects.toThrow(/etcd-2: .*refused every key/);
  });

  test('a closed port is reported with the node and address, promptly', async () => {
    const t0 = Date.now();
    await expect(
      connectSsh(sshd.node({ name: 'down-node', port: 1 }), { knownHostsFile: sshd.knownHostsFile, agent: null }),
    ).rejects.toThrow(/^down-node: cannot connect to root@\[127\.0\.0\.1\]:1: connect ECONNREFUSED/);
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  test('a missing identity file is named', async () => {
    await expect(
      connectSsh(sshd.node({ identityFile: join(scratch, 'nope') }), { knownHostsFile: sshd.knownHostsFile, agent: null }),
    ).rejects.toThrow(/cannot read the identity file .*nope/);
  });

  test('through a ProxyJump host, verifying both host keys', async () => {
    const s = await connectSsh(sshd.node({ proxyJump: `root@127.0.0.1:${sshd.port}` }), { knownHostsFile: sshd.knownHostsFile, agent: null });
    try {
      expect(s.hostKeys).toHaveLength(2);
      expect(s.hostKeys.every((k) => k.status === 'known')).toBe(true);
      expect((await s.runScript('jumped', 'echo "$SSH_CONNECTION"')).output).toMatch(/^127\.0\.0\.1 \d+ 127\.0\.0\.1 \d+\n$/);
    } finally {
      await s.close();
    }
  });
});

describe('files over the side channel', () => {
  let s: SshSession;
  let dir: string;
  beforeAll(async () => {
    s = await connectSsh(sshd.node(), { knownHostsFile: sshd.knownHostsFile, agent: null });
    dir = mkdtempSync(join(tmpdir(), 'lockstep-files-'));
  });
  afterAll(async () => {
    await s?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('write atomically with mode and owner, read back byte for byte, stat, remove', async () => {
    const path = join(dir, 'sub', 'etcd.conf');
    expect(await s.readFile(path)).toBeNull();
    expect(await s.statFile(path)).toBeNull();
    const content = Buffer.from([0, 1, 2, 255, 10, 0xc3, 0xbc, 13, 10]);
    await s.writeFileAtomic(path, content, { mode: 0o640, owner: 'nobody:nogroup' });
    expect(await s.readFile(path)).toEqual(content);
    expect(await s.statFile(path)).toEqual({ mode: 0o640, owner: 'nobody:nogroup' });
    // A rewrite without options keeps the old mode and owner, and leaves no temp file behind.
    await s.writeFileAtomic(path, Buffer.from('v2\n'));
    expect(await s.statFile(path)).toEqual({ mode: 0o640, owner: 'nobody:nogroup' });
    expect((await s.exec(`ls -A ${join(dir, 'sub')}`)).stdout.toString()).toBe('etcd.conf\n');
    await s.removeFile(path);
    expect(await s.readFile(path)).toBeNull();
    await s.removeFile(path); // already gone: no error
  });

  test('a new file defaults to 0644 root:root, and a symlinked path updates its target', async () => {
    const target = join(dir, 'target');
    await s.writeFileAtomic(target, Buffer.from('t\n'));
    expect(await s.statFile(target)).toEqual({ mode: 0o644, owner: 'root:root' });
    await s.exec(`ln -s ${target} ${join(dir, 'link')}`);
    await s.writeFileAtomic(join(dir, 'link'), Buffer.from('through link\n'));
    expect(readFileSync(target, 'utf8')).toBe('through link\n');
    expect((await s.exec(`readlink ${join(dir, 'link')}`)).stdout.toString().trim()).toBe(target);
  });

  test('errors name the node and the path', async () => {
    await expect(s.writeFileAtomic(join(dir, 'x'), Buffer.from(''), { owner: 'no-such-user-here' })).rejects.toThrow(
      /sshnode: writing .*x failed/,
    );
    await expect(s.writeFileAtomic(join(dir, 'y'), Buffer.from(''), { owner: 'bad owner;rm' })).rejects.toThrow(/invalid owner/);
  });

  test('exec runs on its own channel with stdin, separate stdout and stderr, and exit code', async () => {
    const r = await s.exec('cat; echo err >&2; exit 3', { stdin: 'input' });
    expect(r.code).toBe(3);
    expect(r.stdout.toString()).toBe('input');
    expect(r.stderr.toString()).toBe('err\n');
  });
});

describe('losing the connection', () => {
  test('a killed sshd is noticed at once: the running block resolves and onClose says lost', async () => {
    const s = await connectSsh(sshd.node(), { knownHostsFile: sshd.knownHostsFile, agent: null });
    const closed = new Promise<{ lost: boolean; reason: string }>((r) => s.onClose(r));
    const pending = s.runScript('long', 'sleep 60');
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    sshd.killConnections('SIGKILL');
    const result = await pending;
    expect(result.exitCode).toBeNull();
    expect((await closed).lost).toBe(true);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(await s.runScript('after', 'echo x')).toMatchObject({ exitCode: null });
  });

  test("the next connection removes a lost pane's private directory once its shell is gone", async () => {
    const s = await connectSsh(sshd.node(), { knownHostsFile: sshd.knownHostsFile, agent: null });
    const dir = (await s.runScript('where', 'echo "$__lockstep_dir"')).output.trim();
    expect(dir).toMatch(/^\/tmp\/lockstep-[0-9a-f]{12}$/);
    expect(existsSync(join(dir, 'rc'))).toBe(true);
    const closed = new Promise((r) => s.onClose(r));
    sshd.killConnections('SIGKILL');
    await closed;
    expect(existsSync(dir)).toBe(true); // nobody could clean up yet
    const next = await connectSsh(sshd.node(), { knownHostsFile: sshd.knownHostsFile, agent: null });
    try {
      await expect.poll(() => existsSync(dir), { timeout: 8000, interval: 100 }).toBe(false);
      // The live session's own directory is left alone.
      const mine = (await next.runScript('mine', 'echo "$__lockstep_dir"')).output.trim();
      expect(existsSync(join(mine, 'rc'))).toBe(true);
    } finally {
      await next.close();
    }
  });

  test('a peer that goes silent is declared lost by keepalives within seconds', async () => {
    const s = await connectSsh(sshd.node(), {
      knownHostsFile: sshd.knownHostsFile,
      agent: null,
      keepaliveIntervalMs: 500,
      keepaliveCountMax: 2,
    });
    const closed = new Promise<{ lost: boolean; reason: string }>((r) => s.onClose(r));
    const pending = s.runScript('long', 'sleep 60');
    await new Promise((r) => setTimeout(r, 300));
    const pids = sshd.connectionPids();
    const t0 = Date.now();
    sshd.killConnections('SIGSTOP');
    try {
      const info = await closed;
      expect(info.lost).toBe(true);
      expect(info.reason).toMatch(/Keepalive/i);
      expect((await pending).exitCode).toBeNull();
      expect(Date.now() - t0).toBeLessThan(4000);
    } finally {
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
  });

  test('close() is not reported as lost', async () => {
    const s = await connectSsh(sshd.node(), { knownHostsFile: sshd.knownHostsFile, agent: null });
    const closed = new Promise<{ lost: boolean; reason: string }>((r) => s.onClose(r));
    await s.close();
    expect((await closed).lost).toBe(false);
  });
});
