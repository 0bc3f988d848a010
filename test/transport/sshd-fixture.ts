// A real OpenSSH server for tests: the host's /usr/sbin/sshd on a free loopback port with a
// throwaway host key, a throwaway client key and its own sshd_config (key-only root login, no
// PAM). Reusable by any test that needs an SSH node: `const sshd = await startSshd()`.

import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Node } from '../../src/inventory/types.js';

export interface SshdFixture {
  host: '127.0.0.1';
  port: number;
  dir: string;
  user: string;
  /** Private key that logs in as `user`. */
  clientKeyFile: string;
  /** `ssh-ed25519 AAAA…` of the server's host key. */
  hostPublicKey: string;
  /** `ssh-rsa AAAA…` of its second host key, when started with `rsaHostKey`. */
  rsaHostPublicKey?: string;
  /** A known_hosts file that lists the server's real key. */
  knownHostsFile: string;
  /** The known_hosts line for the server, as OpenSSH writes it (`[127.0.0.1]:port type key`). */
  knownHostsLine: string;
  /** An inventory node pointing at this server. */
  node(overrides?: Partial<Node>): Node;
  /** PIDs of the per-connection sshd processes (not the listener, not the users' shells). */
  connectionPids(): number[];
  /**
   * Signals the per-connection sshd processes (SIGKILL by default: open connections drop at
   * once). The shells under them are left to end on the hangup, as on a real server, so that
   * nothing they were doing (a lock file in a login script, say) is left half done.
   */
  killConnections(signal?: NodeJS.Signals): void;
  stop(): Promise<void>;
}

const SSHD = '/usr/sbin/sshd';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function isSshd(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sshd';
  } catch {
    return false;
  }
}

function descendants(pid: number): number[] {
  let out = '';
  try {
    out = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' });
  } catch {
    return [];
  }
  const kids = out.split('\n').filter(Boolean).map(Number);
  return kids.flatMap((k) => [k, ...descendants(k)]);
}

export function keygen(file: string, type = 'ed25519'): void {
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', 'lockstep-test', '-f', file]);
}

/**
 * Makes sure a throwaway login user exists on this machine (tests run as root here), with a
 * password that is unusable but not "locked" (sshd without PAM refuses locked accounts), and,
 * when `sudo` is true, passwordless sudo through a drop-in in /etc/sudoers.d.
 */
export function ensureTestUser(name: string, sudo: boolean): void {
  try {
    execFileSync('id', ['-u', name], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['-m', '-s', '/bin/bash', name]);
  }
  execFileSync('usermod', ['-p', '*', name]);
  const dropIn = `/etc/sudoers.d/${name}`;
  if (sudo && !existsSync(dropIn)) writeFileSync(dropIn, `${name} ALL=(ALL) NOPASSWD:ALL\n`, { mode: 0o440 });
}

export async function startSshd(options: { user?: string; extraConfig?: string; rsaHostKey?: boolean; sftpSubsystem?: string } = {}): Promise<SshdFixture> {
  // sshd refuses to start without its privilege-separation directory.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-sshd-'));
  const user = options.user ?? 'root';
  keygen(join(dir, 'host_ed25519'));
  keygen(join(dir, 'client_ed25519'));
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_ed25519.pub')), { mode: 0o600 });
  if (user !== 'root') {
    // sshd reads AuthorizedKeysFile as the user logging in.
    chmodSync(dir, 0o755);
    chmodSync(join(dir, 'authorized_keys'), 0o644);
  }
  const pubOf = (f: string) => readFileSync(join(dir, f), 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  const hostPublicKey = pubOf('host_ed25519.pub');
  if (options.rsaHostKey) keygen(join(dir, 'host_rsa'), 'rsa');
  const rsaHostPublicKey = options.rsaHostKey ? pubOf('host_rsa.pub') : undefined;

  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const config = [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_ed25519')}`,
      options.rsaHostKey ? `HostKey ${join(dir, 'host_rsa')}` : '',
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'UsePAM no',
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'StrictModes no',
      'AllowTcpForwarding yes',
      `Subsystem sftp ${options.sftpSubsystem ?? 'internal-sftp'}`,
      'PrintMotd no',
      'PrintLastLog no',
      'MaxStartups 100',
      'MaxSessions 100',
      options.extraConfig ?? '',
    ].join('\n');
    writeFileSync(join(dir, 'sshd_config'), config + '\n');
    const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr?.on('data', (b: Buffer) => (log += b.toString()));
    let exited = false;
    child.once('exit', () => (exited = true));
    const deadline = Date.now() + 10_000;
    while (!exited && Date.now() < deadline && !(await canConnect(port))) await new Promise((r) => setTimeout(r, 25));
    if (exited || Date.now() >= deadline) {
      child.kill('SIGKILL');
      if (attempt < 3 && /Address already in use/.test(log)) continue;
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`sshd did not start on port ${port}: ${log.trim()}`);
    }
    const knownHostsLine = `[127.0.0.1]:${port} ${hostPublicKey}`;
    const knownHostsFile = join(dir, 'known_hosts');
    writeFileSync(knownHostsFile, knownHostsLine + '\n');
    const listener = child.pid!;
    return {
      host: '127.0.0.1',
      port,
      dir,
      user,
      clientKeyFile: join(dir, 'client_ed25519'),
      hostPublicKey,
      rsaHostPublicKey,
      knownHostsFile,
      knownHostsLine,
      node: (overrides = {}) => ({
        name: 'sshnode',
        transport: 'ssh',
        address: '127.0.0.1',
        port,
        user,
        identityFile: join(dir, 'client_ed25519'),
        groups: [],
        vars: {},
        pos: { file: 'inventory.yaml', line: 1, column: 1 },
        ...overrides,
      }),
      connectionPids: () => descendants(listener).filter(isSshd),
      killConnections(signal = 'SIGKILL') {
        for (const pid of descendants(listener).filter(isSshd)) {
          try {
            process.kill(pid, signal);
          } catch {
            // already gone
          }
        }
      },
      async stop() {
        for (const pid of descendants(listener).filter(isSshd)) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
        if (!exited) {
          const gone = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          await gone;
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
}
