// What both inventory formats produce before the shared finishing steps (ssh_config aliases,
// defaults, checks, group lists): nodes as written, with positions.
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { error } from '../runbook/diagnostics.js';
import type { Diagnostic, SourcePos } from '../runbook/types.js';
import { parseSshConfig, resolveSshAlias } from './ssh-config.js';
import type { Inventory, Node } from './types.js';

export interface NodeDraft {
  name: string;
  pos: SourcePos;
  local: boolean;
  address?: string;
  port?: number;
  user?: string;
  identityFile?: string;
  proxyJump?: string;
  sshAlias?: string;
  /** Look the name up as an ssh_config alias if one exists (Ansible hosts without ansible_host). */
  tryNameAsAlias?: boolean;
  groups: string[];
  vars: Record<string, string>;
}

export interface InventoryDraft {
  file: string;
  nodes: NodeDraft[];
  vars: Record<string, string>;
  /** Group → node names (direct and inherited members), in first-seen order. */
  groups: Map<string, { members: string[]; pos: SourcePos }>;
  knownHosts?: string;
  sshConfig?: string;
  defaults: { user?: string; port?: number; identityFile?: string };
}

/** The environment the loader reads from; tests give their own. */
export interface InventoryEnv {
  home: string;
  /** File contents, or undefined when it does not exist or cannot be read. */
  readFile(path: string): string | undefined;
}

export const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function expandPath(p: string, base: string, home: string): string {
  if (p === '~') return home;
  if (p.startsWith('~/')) return join(home, p.slice(2));
  return isAbsolute(p) ? p : resolve(dirname(base), p);
}

export const defaultEnv = (readFile: InventoryEnv['readFile']): InventoryEnv => ({ home: homedir(), readFile });

export function finishInventory(d: InventoryDraft, env: InventoryEnv, diags: Diagnostic[]): Inventory {
  let sshConfig: ReturnType<typeof parseSshConfig> | undefined;
  const sshConfigPath = expandPath(d.sshConfig ?? '~/.ssh/config', d.file, env.home);
  const getConfig = (required: boolean, at: SourcePos) => {
    if (sshConfig === undefined) {
      const text = env.readFile(sshConfigPath);
      sshConfig = text === undefined ? { error: 'not found' } : parseSshConfig(text);
      if (required && 'error' in sshConfig) {
        diags.push(error('bad-ssh-config', at, `cannot use ssh_config ${sshConfigPath}: ${sshConfig.error}`, 'fix the file, or set `ssh_config:` to the right path'));
      }
    }
    return 'config' in sshConfig ? sshConfig.config : undefined;
  };

  const nodes: Node[] = [];
  const seen = new Map<string, SourcePos>();
  for (const n of d.nodes) {
    const prev = seen.get(n.name);
    if (prev) {
      diags.push(error('duplicate-node', n.pos, `duplicate node name \`${n.name}\` (first at line ${prev.line})`, 'give every node its own name'));
      continue;
    }
    seen.set(n.name, n.pos);
    const node: Node = { name: n.name, transport: n.local ? 'local' : 'ssh', port: 22, groups: n.groups, vars: n.vars, pos: n.pos };
    if (!n.local) {
      const alias = n.sshAlias ?? (n.tryNameAsAlias && n.address === undefined ? n.name : undefined);
      let fromAlias: ReturnType<typeof resolveSshAlias>;
      if (alias !== undefined) {
        const cfg = getConfig(n.sshAlias !== undefined, n.pos);
        fromAlias = cfg ? resolveSshAlias(cfg, alias) : undefined;
        if (fromAlias) node.sshAlias = alias;
        else if (n.sshAlias !== undefined && cfg) {
          diags.push(error('unknown-ssh-alias', n.pos, `ssh alias \`${alias}\` is not a Host in ${sshConfigPath}`, 'add a Host entry for it, or give the node an address'));
        }
      }
      const address = n.address ?? fromAlias?.hostName ?? (fromAlias ? alias : undefined) ?? (n.tryNameAsAlias ? n.name : undefined);
      if (address === undefined) {
        if (n.sshAlias === undefined) diags.push(error('node-without-address', n.pos, `node \`${n.name}\` has no address`, 'add `address: <host or IP>`, an `ssh_alias:`, or `local: true`'));
      } else node.address = address;
      node.port = n.port ?? fromAlias?.port ?? d.defaults.port ?? 22;
      const user = n.user ?? fromAlias?.user ?? d.defaults.user;
      if (user !== undefined) node.user = user;
      const identity = n.identityFile ?? fromAlias?.identityFile ?? d.defaults.identityFile;
      if (identity !== undefined) node.identityFile = expandPath(identity, d.file, env.home);
      const jump = n.proxyJump ?? fromAlias?.proxyJump;
      if (jump !== undefined) node.proxyJump = jump;
    } else {
      node.port = 0;
      if (n.user !== undefined) node.user = n.user;
    }
    nodes.push(node);
  }

  const groups: Record<string, string[]> = { all: nodes.map((n) => n.name) };
  for (const [g, { members, pos }] of d.groups) {
    if (g === 'all') continue;
    groups[g] = nodes.map((n) => n.name).filter((n) => members.includes(n));
    // A group may share its name with a node only when that node is all it holds
    // (`gateway` in group `gateway`): then both readings select the same thing.
    if (seen.has(g) && !(groups[g].length === 1 && groups[g][0] === g)) {
      diags.push(error('group-named-like-node', pos, `group \`${g}\` has the same name as a node but other members`, 'rename the group or the node: targets could not tell them apart'));
    }
  }
  const inv: Inventory = { file: d.file, nodes, groups, vars: d.vars };
  inv.knownHosts = expandPath(d.knownHosts ?? '~/.ssh/known_hosts', d.file, env.home);
  return inv;
}
