// The lab's life cycle: up, down, status, reset. Each step is idempotent so a second `up`
// only fills in what is missing, and `down` finds leftovers of a crashed run by name.
import { existsSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { prepareBinDir } from './bindir.js';
import type { LabConfig, LabNodeSpec } from './config.js';
import { labConfig, netnsName } from './config.js';
import { LabError } from './errors.js';
import { ensureKeyPair, writeLabFiles } from './files.js';
import { buildImage, imageReady, rootfsPath } from './image.js';
import { checkSubnetFree, ensureBridge, ensureNodeNetwork, labNamespaces, labVeths, linkExists, removeAllNetwork } from './network.js';
import {
  bootNode, hostKey, isMounted, labMounts, mountNode, nodeRoot, personalize, stopNodesUnder, unmountAll, waitBooted,
} from './nodes.js';
import { withLabLock } from './lock.js';
import { checkPrereqs } from './prereqs.js';
import { alive, nspawnsUnder } from './procs.js';
import type { Progress } from './progress.js';
import { run } from './run.js';
import { readState, removeState, writeState, type LabState } from './state.js';

export interface UpOptions {
  controllers?: number;
  progress: Progress;
}

function runningPid(cfg: LabConfig, name: string): number | undefined {
  return nspawnsUnder(cfg.nodesDir).find((p) => p.root === nodeRoot(cfg, name))?.pid;
}

async function startNode(cfg: LabConfig, n: LabNodeSpec, progress: Progress): Promise<number> {
  await ensureNodeNetwork(cfg, n);
  const existing = runningPid(cfg, n.name);
  if (existing) return existing;
  await mountNode(cfg, n);
  personalize(cfg, n, readFileSync(`${cfg.keyFile}.pub`, 'utf8'));
  const pid = bootNode(cfg, n);
  progress(`booting ${n.name} (${n.address})`);
  return pid;
}

/** Confirms every node answers plain `ssh -F` with strict host-key checking. */
/**
 * sshd listens long before the node has finished booting, and until systemd-user-sessions runs,
 * /run/nologin turns the lab user away ("System is booting up"; ssh exits 255 and, at LogLevel
 * ERROR, says nothing). A loaded machine can take minutes to get there: wait, say so, and when
 * it never does, say what the node's systemd is still doing (root may log in during boot).
 */
async function checkSsh(cfg: LabConfig, n: LabNodeSpec, progress: Progress, withinMs = 240_000): Promise<void> {
  const started = Date.now();
  let told = false;
  let repaired = 0;
  for (;;) {
    const r = await run('ssh', ['-F', cfg.sshConfigFile, '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', '-o', 'LogLevel=INFO', n.name, 'true'], { allowFail: true, timeoutMs: 20_000 });
    if (r.code === 0) {
      // The same race can leave other units failed (dbus, logind, …) while ssh works.
      await repairCgroupRace(cfg, n, progress);
      return;
    }
    const said = r.stderr.trim().split('\n').filter(Boolean).join(' / ') || `exit ${r.code}`;
    if (Date.now() - started > withinMs) {
      const boot = await run('ssh', ['-F', cfg.sshConfigFile, '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', '-l', 'root', n.name,
        'systemctl is-system-running; test -e /run/nologin && echo "/run/nologin is still there"; systemctl list-jobs --no-pager | head -12'], { allowFail: true, timeoutMs: 20_000 });
      throw new LabError(`node ${n.name} is up but ssh to it as ${cfg.user} failed for ${Math.round(withinMs / 1000)} s: ${said}` +
        (boot.code === 0 ? `\nits systemd says:\n${boot.stdout.trim()}` : ''));
    }
    if (!told && Date.now() - started > 5000) {
      progress(`${n.name}: waiting for the lab user to be let in (${said})`);
      told = true;
    }
    if (Date.now() - started > 5000 && Date.now() - repaired > 5000) {
      repaired = Date.now();
      await repairCgroupRace(cfg, n, progress);
    }
    await new Promise((res) => setTimeout(res, 1000));
  }
}

/**
 * On a host whose cgroups are v1 (or hybrid), systemd inside a container now and then fails to
 * move a unit's new process into the cgroup it just made ("Failed to attach to cgroup …: No such
 * file or directory", exit 219/CGROUP). Seen at boot on systemd-user-sessions, which then never
 * removes /run/nologin, so the lab user is turned away for good. (A RestartForceExitStatus=219
 * drop-in for every service cannot do it: systemd rejects that setting on oneshot units.) Root
 * may log in during boot: units that failed that way are started again.
 */
async function repairCgroupRace(cfg: LabConfig, n: LabNodeSpec, progress: Progress): Promise<void> {
  const script = [
    'for u in $(systemctl list-units --state=failed --type=service --plain --no-legend | awk \'{print $1}\'); do',
    '  if [ "$(systemctl show -p ExecMainStatus --value "$u")" = 219 ]; then systemctl reset-failed "$u"; systemctl restart "$u" && echo "$u"; fi',
    'done',
  ].join('\n');
  const r = await run('ssh', ['-F', cfg.sshConfigFile, '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', '-l', 'root', n.name, script],
    { allowFail: true, timeoutMs: 30_000 });
  const again = r.code === 0 ? r.stdout.split('\n').map((l) => l.trim()).filter(Boolean) : [];
  if (again.length) progress(`${n.name}: started ${again.join(', ')} again (it had failed to attach to its cgroup)`);
}

export async function labUp(opts: UpOptions): Promise<LabState> {
  if (process.getuid?.() !== 0) {
    throw new LabError('the lab needs root (it creates network namespaces, mounts and containers); run it with sudo');
  }
  return withLabLock(labConfig().dir, opts.progress, () => up(opts));
}

async function up(opts: UpOptions): Promise<LabState> {
  const { progress } = opts;
  let cfg = labConfig({ controllers: opts.controllers });
  let previous = readState(cfg);
  if (previous && opts.controllers === undefined) cfg = labConfig({ controllers: previous.controllers });
  if (previous && previous.controllers !== cfg.nodes.length - 1) {
    progress(`the lab is up with ${previous.controllers} controllers; recreating it with ${cfg.nodes.length - 1}`);
    await down({ progress });
    previous = undefined;
  }
  if (!imageReady(cfg) && (nspawnsUnder(cfg.nodesDir).length || labMounts(cfg).length)) {
    // The image under the running nodes is from an older recipe: never replace a lower layer in use.
    progress('the lab image is out of date; recreating the nodes on a new image');
    await down({ progress });
    previous = undefined;
  }
  await checkPrereqs(cfg, { needImageBuild: !imageReady(cfg) });
  await buildImage(cfg, progress);
  await ensureKeyPair(cfg);
  prepareBinDir(cfg);
  await checkSubnetFree(cfg);
  await ensureBridge(cfg);
  mkdirSync(cfg.nodesDir, { recursive: true });
  const pids = new Map<string, number>();
  for (const n of cfg.nodes) pids.set(n.name, await startNode(cfg, n, progress));
  const state: LabState = {
    controllers: cfg.nodes.length - 1,
    subnet: `${cfg.subnetPrefix}.0/${cfg.prefixLength}`,
    nodes: cfg.nodes.map((n) => ({ name: n.name, pid: pids.get(n.name) ?? 0, address: n.address })),
    startedAt: previous?.startedAt ?? new Date().toISOString(),
    scenarios: previous?.scenarios ?? {},
  };
  // Written before waiting, so that a crash while booting still leaves a trail for `down`.
  writeState(cfg, state);
  await Promise.all(cfg.nodes.map((n) => waitBooted(cfg, n, pids.get(n.name) ?? 0)));
  writeLabFiles(cfg, cfg.nodes.map((n) => ({ name: n.name, address: n.address, hostKey: hostKey(cfg, n.name) })));
  await Promise.all(cfg.nodes.map((n) => checkSsh(cfg, n, progress)));
  progress(`lab up: ${cfg.nodes.map((n) => n.name).join(', ')}; inventory ${cfg.inventoryFile}`);
  return state;
}

/** Removes every process, mount, veth, namespace and bridge the lab made, state file or not. */
export async function labDown(opts: { progress: Progress }): Promise<void> {
  if (process.getuid?.() !== 0) throw new LabError('`lab down` needs root; run it with sudo');
  return withLabLock(labConfig().dir, opts.progress, () => down(opts));
}

async function down(opts: { progress: Progress }): Promise<void> {
  const cfg = labConfig({ controllers: readState(labConfig())?.controllers });
  const procs = nspawnsUnder(cfg.nodesDir);
  if (procs.length) opts.progress(`stopping ${procs.length} node(s)`);
  await stopNodesUnder(cfg);
  await unmountAll(cfg);
  const still = labMounts(cfg);
  if (still.length) throw new LabError(`could not unmount ${still.join(', ')}; a process may still use it (see \`fuser -vm ${still[0]}\`)`);
  await removeAllNetwork(cfg);
  rmSync(cfg.nodesDir, { recursive: true, force: true, maxRetries: 3 });
  removeState(cfg);
  opts.progress('lab down');
}

/** Fresh nodes (scenarios undone, runbook changes gone) on the same image and key pair. */
export async function labReset(opts: { progress: Progress }): Promise<LabState> {
  if (process.getuid?.() !== 0) throw new LabError('`lab reset` needs root; run it with sudo');
  return withLabLock(labConfig().dir, opts.progress, async () => {
    const prev = readState(labConfig());
    await down(opts);
    return up({ controllers: prev?.controllers, progress: opts.progress });
  });
}

/** Stops one node's container (scenarios that take a node down). */
export async function stopNode(cfg: LabConfig, name: string): Promise<void> {
  await stopNodesUnder(cfg, nodeRoot(cfg, name));
}

export interface NodeStatus {
  name: string;
  address: string;
  groups: string[];
  state: 'running' | 'stopped';
  pid?: number;
  sshPort: 22;
}

export interface LabStatus {
  up: boolean;
  dir: string;
  image: { ready: boolean; path: string };
  subnet: string;
  bridge: string;
  vip: string;
  user: string;
  nodes: NodeStatus[];
  files: { inventory: string; knownHosts: string; sshConfig: string; identityFile: string; publicKey: string };
  binDir: { host: string; node: string };
  scenarios: Record<string, string>;
  /** What of the lab exists on the host right now (all empty when it is fully down). */
  resources: { namespaces: string[]; veths: string[]; mounts: string[]; processes: number[]; bridge: boolean };
}

export async function labStatus(): Promise<LabStatus> {
  const state = readState(labConfig());
  const cfg = labConfig({ controllers: state?.controllers });
  const procs = nspawnsUnder(cfg.nodesDir);
  const nodes: NodeStatus[] = cfg.nodes.map((n) => {
    const pid = procs.find((p) => p.root === nodeRoot(cfg, n.name))?.pid;
    return { name: n.name, address: n.address, groups: n.groups, state: pid && alive(pid) ? 'running' : 'stopped', ...(pid ? { pid } : {}), sshPort: 22 };
  });
  return {
    up: Boolean(state),
    dir: cfg.dir,
    image: { ready: imageReady(cfg), path: rootfsPath(cfg) },
    subnet: `${cfg.subnetPrefix}.0/${cfg.prefixLength}`,
    bridge: cfg.bridge,
    vip: cfg.vip,
    user: cfg.user,
    nodes,
    files: {
      inventory: cfg.inventoryFile,
      knownHosts: cfg.knownHostsFile,
      sshConfig: cfg.sshConfigFile,
      identityFile: cfg.keyFile,
      publicKey: `${cfg.keyFile}.pub`,
    },
    binDir: { host: cfg.binDir, node: cfg.nodeBinDir },
    scenarios: state?.scenarios ?? {},
    resources: {
      namespaces: await labNamespaces(cfg),
      veths: await labVeths(cfg),
      mounts: existsSync('/proc/self/mounts') ? labMounts(cfg) : [],
      processes: procs.map((p) => p.pid),
      bridge: await linkExists(cfg.bridge),
    },
  };
}

export { isMounted, netnsName };
