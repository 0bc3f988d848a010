// One lab node: an overlayfs over the shared image and a systemd-nspawn container booting
// systemd as PID 1 inside the node's network namespace.
import { spawn } from 'node:child_process';
import { chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { LabConfig, LabNodeSpec } from './config.js';
import { netnsName } from './config.js';
import { LabError } from './errors.js';
import { rootfsPath } from './image.js';
import { alive, nspawnsUnder, waitFor } from './procs.js';
import { run } from './run.js';

export function nodeDir(cfg: LabConfig, name: string): string {
  return join(cfg.nodesDir, name);
}
export function nodeRoot(cfg: LabConfig, name: string): string {
  return join(nodeDir(cfg, name), 'root');
}
export function nodeUpper(cfg: LabConfig, name: string): string {
  return join(nodeDir(cfg, name), 'upper');
}

export function isMounted(path: string): boolean {
  const mounts = readFileSync('/proc/self/mounts', 'utf8');
  return mounts.split('\n').some((l) => l.split(' ')[1] === path);
}

/** Lab mount points present on the host (overlays of nodes), deepest first. */
export function labMounts(cfg: LabConfig): string[] {
  const mounts = readFileSync('/proc/self/mounts', 'utf8');
  return mounts
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .filter((p) => p.startsWith(`${cfg.nodesDir}/`))
    .sort((a, b) => b.length - a.length);
}

export async function mountNode(cfg: LabConfig, n: LabNodeSpec): Promise<void> {
  const dir = nodeDir(cfg, n.name);
  const root = nodeRoot(cfg, n.name);
  for (const d of ['upper', 'work', 'root']) mkdirSync(join(dir, d), { recursive: true });
  if (isMounted(root)) return;
  await run('mount', ['-t', 'overlay', 'overlay', '-o',
    `lowerdir=${rootfsPath(cfg)},upperdir=${join(dir, 'upper')},workdir=${join(dir, 'work')}`, root]);
}

/** Per-node files written before boot: identity, name resolution, the lab key. */
export function personalize(cfg: LabConfig, n: LabNodeSpec, publicKey: string): void {
  const root = nodeRoot(cfg, n.name);
  // Only on a fresh node: a restarted node keeps what the runbooks changed.
  if (!existsSync(join(nodeUpper(cfg, n.name), 'etc/hostname'))) {
    writeFileSync(join(root, 'etc/hostname'), `${n.name}\n`);
    const hosts = ['127.0.0.1 localhost', `127.0.1.1 ${n.name}`, '::1 localhost ip6-localhost ip6-loopback',
      ...cfg.nodes.map((o) => `${o.address} ${o.name}`), ''].join('\n');
    writeFileSync(join(root, 'etc/hosts'), hosts);
  }
  const homes: [string, number, number][] = [['root', 0, 0]];
  const passwd = readFileSync(join(root, 'etc/passwd'), 'utf8');
  const u = passwd.split('\n').find((l) => l.startsWith(`${cfg.user}:`))?.split(':');
  if (u) homes.push([`home/${cfg.user}`, Number(u[2]), Number(u[3])]);
  for (const [home, uid, gid] of homes) {
    const ssh = join(root, home, '.ssh');
    mkdirSync(ssh, { recursive: true, mode: 0o700 });
    writeFileSync(join(ssh, 'authorized_keys'), publicKey.trim() + '\n', { mode: 0o600 });
    chownSync(ssh, uid, gid);
    chownSync(join(ssh, 'authorized_keys'), uid, gid);
  }
}

export function bootNode(cfg: LabConfig, n: LabNodeSpec): number {
  const dir = nodeDir(cfg, n.name);
  const log = openSync(join(dir, 'console.log'), 'a');
  const child = spawn('systemd-nspawn', [
    '-D', nodeRoot(cfg, n.name),
    '--boot', '--register=no', '--keep-unit',
    `--machine=${n.name}`,
    `--network-namespace-path=/run/netns/${netnsName(cfg, n.name)}`,
    '--capability=CAP_NET_ADMIN,CAP_NET_RAW',
    `--bind-ro=${cfg.binDir}:${cfg.nodeBinDir}`,
    '--console=read-only',
  ], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, SYSTEMD_NSPAWN_API_VFS_WRITABLE: 'network' },
  });
  closeSync(log);
  child.unref();
  if (!child.pid) throw new LabError(`could not start systemd-nspawn for ${n.name}`);
  return child.pid;
}

function tcpOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port, timeout: 1000 });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
  });
}

/** Waits until the node has its host key on disk and sshd listening. */
export async function waitBooted(cfg: LabConfig, n: LabNodeSpec, pid: number, timeoutMs = 180_000): Promise<void> {
  const key = join(nodeUpper(cfg, n.name), 'etc/ssh/ssh_host_ed25519_key.pub');
  const ok = await waitFor(async () => {
    if (!alive(pid)) return true;
    return existsSync(key) && (await tcpOpen(n.address, 22));
  }, timeoutMs, 250);
  if (!alive(pid)) {
    const tail = readFileSync(join(nodeDir(cfg, n.name), 'console.log'), 'utf8').trim().split('\n').slice(-10).join('\n');
    throw new LabError(`node ${n.name} stopped while booting; its console said:\n${tail}`);
  }
  if (!ok) throw new LabError(`node ${n.name} did not start sshd within ${timeoutMs / 1000}s; see ${join(nodeDir(cfg, n.name), 'console.log')}`);
}

export function hostKey(cfg: LabConfig, name: string): string {
  return readFileSync(join(nodeUpper(cfg, name), 'etc/ssh/ssh_host_ed25519_key.pub'), 'utf8').trim();
}

/** Stops a node's container: orderly first (nspawn turns SIGTERM into a shutdown), then SIGKILL. */
export async function stopPid(pid: number, graceMs = 15_000): Promise<void> {
  if (!alive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  if (await waitFor(() => !alive(pid), graceMs, 100)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
  await waitFor(() => !alive(pid), 5000, 100);
}

export async function stopNodesUnder(cfg: LabConfig, filterRoot?: string): Promise<void> {
  const procs = nspawnsUnder(cfg.nodesDir).filter((p) => !filterRoot || p.root === filterRoot);
  await Promise.all(procs.map((p) => stopPid(p.pid)));
}

export async function unmountAll(cfg: LabConfig, only?: string): Promise<void> {
  for (const m of labMounts(cfg)) {
    if (only && !m.startsWith(only)) continue;
    const r = await run('umount', [m], { allowFail: true });
    if (r.code !== 0) await run('umount', ['-l', m], { allowFail: true });
  }
}
