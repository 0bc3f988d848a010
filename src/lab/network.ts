// The lab network: one Linux bridge on the host with a private /24, and per node a network
// namespace joined to it by a veth pair. Nodes reach each other and the host; nothing else.
import { existsSync } from 'node:fs';
import type { LabConfig, LabNodeSpec } from './config.js';
import { netnsName, vethName } from './config.js';
import { LabError } from './errors.js';
import { run } from './run.js';

async function linkExists(name: string): Promise<boolean> {
  return (await run('ip', ['link', 'show', 'dev', name], { allowFail: true })).code === 0;
}

/** Refuses a subnet that the host already routes through something other than the lab bridge. */
export async function checkSubnetFree(cfg: LabConfig): Promise<void> {
  const routes = (await run('ip', ['-4', '-o', 'route', 'show'])).stdout.split('\n');
  for (const r of routes) {
    if (!r.trim() || r.includes(`dev ${cfg.bridge}`)) continue;
    const dst = r.split(/\s+/)[0] ?? '';
    if (dst.startsWith(`${cfg.subnetPrefix}.`)) {
      throw new LabError(`the lab subnet ${cfg.subnetPrefix}.0/24 clashes with the host route "${r.trim()}"; set LOCKSTEP_LAB_SUBNET to a free private /24 (e.g. 10.214.0.0/24)`);
    }
  }
}

export async function ensureBridge(cfg: LabConfig): Promise<void> {
  if (!(await linkExists(cfg.bridge))) {
    await run('ip', ['link', 'add', cfg.bridge, 'type', 'bridge']);
  }
  const addrs = (await run('ip', ['-4', '-o', 'addr', 'show', 'dev', cfg.bridge])).stdout;
  if (!addrs.includes(` ${cfg.hostAddress}/`)) {
    await run('ip', ['addr', 'add', `${cfg.hostAddress}/${cfg.prefixLength}`, 'dev', cfg.bridge]);
  }
  await run('ip', ['link', 'set', cfg.bridge, 'up']);
}

export async function ensureNodeNetwork(cfg: LabConfig, n: LabNodeSpec): Promise<void> {
  const ns = netnsName(cfg, n.name);
  const veth = vethName(cfg, n);
  if (!existsSync(`/run/netns/${ns}`)) await run('ip', ['netns', 'add', ns]);
  const inNs = (args: string[], allowFail = false) => run('ip', ['-n', ns, ...args], { allowFail });
  if (!(await linkExists(veth))) {
    // A stale inner end may survive a crash: drop it before pairing again.
    await inNs(['link', 'del', 'eth0'], true);
    await run('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
  }
  await run('ip', ['link', 'set', veth, 'master', cfg.bridge, 'up']);
  await inNs(['link', 'set', 'lo', 'up']);
  const addrs = (await inNs(['-4', '-o', 'addr', 'show', 'dev', 'eth0'])).stdout;
  if (!addrs.includes(` ${n.address}/`)) await inNs(['addr', 'add', `${n.address}/${cfg.prefixLength}`, 'dev', 'eth0']);
  await inNs(['link', 'set', 'eth0', 'up']);
  await inNs(['route', 'replace', 'default', 'via', cfg.hostAddress]);
}

/** Every lab namespace present, including ones a crashed run left behind. */
export async function labNamespaces(cfg: LabConfig): Promise<string[]> {
  const out = (await run('ip', ['netns', 'list'], { allowFail: true })).stdout;
  return out
    .split('\n')
    .map((l) => l.split(/\s+/)[0] ?? '')
    .filter((n) => n.startsWith(cfg.netnsPrefix));
}

export async function labVeths(cfg: LabConfig): Promise<string[]> {
  const out = (await run('ip', ['-o', 'link', 'show'], { allowFail: true })).stdout;
  const names: string[] = [];
  for (const line of out.split('\n')) {
    const m = /^\d+:\s+([^:@\s]+)/.exec(line);
    if (m?.[1] && new RegExp(`^${cfg.vethPrefix}\\d+$`).test(m[1])) names.push(m[1]);
  }
  return names;
}

export async function removeAllNetwork(cfg: LabConfig): Promise<void> {
  for (const v of await labVeths(cfg)) await run('ip', ['link', 'del', v], { allowFail: true });
  for (const ns of await labNamespaces(cfg)) await run('ip', ['netns', 'del', ns], { allowFail: true });
  if (await linkExists(cfg.bridge)) await run('ip', ['link', 'del', cfg.bridge], { allowFail: true });
}

export { linkExists };
