// Where the lab lives and how its network is laid out. Everything is derived from two
// settings so that tests, CI and users can move it: LOCKSTEP_LAB_DIR and LOCKSTEP_LAB_SUBNET.
import { join } from 'node:path';
import { LabError } from './errors.js';

export interface LabNodeSpec {
  name: string;
  /** Small index used for interface names (IFNAMSIZ is 15 characters). */
  index: number;
  address: string;
  groups: string[];
}

export interface LabConfig {
  /** Root of everything the lab writes on the host. */
  dir: string;
  imageDir: string;
  nodesDir: string;
  stateFile: string;
  /** Host side of the read-only binaries mount. */
  binDir: string;
  /** Where binDir appears inside every node. */
  nodeBinDir: string;
  keyFile: string;
  knownHostsFile: string;
  sshConfigFile: string;
  inventoryFile: string;
  bridge: string;
  /** Prefix of the lab's network namespaces and host-side veths. */
  netnsPrefix: string;
  vethPrefix: string;
  subnetPrefix: string;
  prefixLength: number;
  hostAddress: string;
  vip: string;
  user: string;
  mirror: string;
  nodes: LabNodeSpec[];
}

export const NODE_BIN_DIR = '/opt/lockstep/bin';

export function defaultLabDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.LOCKSTEP_LAB_DIR || '/var/lib/lockstep/lab';
}

/** Parses `a.b.c.0/24`: the lab uses the first three octets and a /24. */
function parseSubnet(spec: string): { prefix: string; len: number } {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.0\/24$/.exec(spec);
  if (!m || [m[1], m[2], m[3]].some((o) => Number(o) > 255)) {
    throw new LabError(`LOCKSTEP_LAB_SUBNET=${spec} is not a /24 such as 10.213.0.0/24; set it to a free private /24`);
  }
  return { prefix: `${m[1]}.${m[2]}.${m[3]}`, len: 24 };
}

export function labConfig(opts: { controllers?: number; env?: NodeJS.ProcessEnv; mirror?: string } = {}): LabConfig {
  const env = opts.env ?? process.env;
  const dir = defaultLabDir(env);
  const controllers = opts.controllers ?? 3;
  if (!Number.isInteger(controllers) || controllers < 1 || controllers > 50) {
    throw new LabError(`--controllers ${controllers}: give a whole number from 1 to 50`);
  }
  const { prefix, len } = parseSubnet(env.LOCKSTEP_LAB_SUBNET || '10.213.0.0/24');
  const names = labNames(env.LOCKSTEP_LAB_NAME);
  const nodes: LabNodeSpec[] = [];
  for (let i = 0; i < controllers; i++) {
    nodes.push({ name: `controller${i}`, index: i, address: `${prefix}.${11 + i}`, groups: ['controllers'] });
  }
  nodes.push({ name: 'gateway', index: controllers, address: `${prefix}.10`, groups: ['gateway'] });
  return {
    dir,
    // A second lab may share the default lab's image (it is only ever read by running nodes).
    imageDir: env.LOCKSTEP_LAB_IMAGE_DIR || join(dir, 'image'),
    nodesDir: join(dir, 'nodes'),
    stateFile: join(dir, 'state.json'),
    binDir: join(dir, 'bin'),
    nodeBinDir: NODE_BIN_DIR,
    keyFile: join(dir, 'id_ed25519'),
    knownHostsFile: join(dir, 'known_hosts'),
    sshConfigFile: join(dir, 'ssh_config'),
    inventoryFile: join(dir, 'inventory.yaml'),
    ...names,
    subnetPrefix: prefix,
    prefixLength: len,
    hostAddress: `${prefix}.1`,
    vip: `${prefix}.100`,
    user: 'lockstep',
    mirror: opts.mirror ?? env.LOCKSTEP_LAB_MIRROR ?? '',
    nodes,
  };
}

/**
 * Host-side names. A second lab (LOCKSTEP_LAB_NAME, with its own LOCKSTEP_LAB_DIR and
 * LOCKSTEP_LAB_SUBNET) can run beside the default one, e.g. for benchmarks.
 */
function labNames(name: string | undefined): { bridge: string; netnsPrefix: string; vethPrefix: string } {
  if (!name) return { bridge: 'lockstep0', netnsPrefix: 'lockstep-', vethPrefix: 'lsveth' };
  // Interface names have at most 15 characters: name + 'v' + index must fit.
  if (!/^[a-z][a-z0-9]{0,9}$/.test(name) || name === 'lockstep') {
    throw new LabError(`LOCKSTEP_LAB_NAME=${name}: use 1 to 10 lower-case letters or digits, starting with a letter (not "lockstep")`);
  }
  return { bridge: `${name}br`, netnsPrefix: `${name}-`, vethPrefix: `${name}v` };
}

export function netnsName(cfg: LabConfig, node: string): string {
  return `${cfg.netnsPrefix}${node}`;
}

export function vethName(cfg: LabConfig, n: LabNodeSpec): string {
  return `${cfg.vethPrefix}${n.index}`;
}
