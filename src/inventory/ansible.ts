// Ansible YAML inventories, read as they are: `all: { hosts, vars, children }`, groups nested
// through `children`, connection settings from the `ansible_*` variables.
import type { Pair } from 'yaml';
import { error } from '../runbook/diagnostics.js';
import type { Diagnostic, SourcePos } from '../runbook/types.js';
import { isNullish, keyText, mapPairs, scalarText, type YamlSource } from '../runbook/yaml-source.js';
import { NODE_NAME, type InventoryDraft, type NodeDraft } from './draft.js';
import { checkGroupName } from './native.js';

const GROUP_KEYS = ['hosts', 'vars', 'children'];
const CONNECTION = new Set(['ansible_host', 'ansible_ssh_host', 'ansible_user', 'ansible_ssh_user', 'ansible_port', 'ansible_ssh_port', 'ansible_ssh_private_key_file', 'ansible_connection']);

interface Host {
  name: string;
  pos: SourcePos;
  raw: Record<string, string>;
  groups: string[];
}

interface Group {
  depth: number;
  vars: Record<string, string>;
}

/** Ansible allows lists and mappings as values; lockstep substitutes text, so those become JSON. */
function readAnyVars(node: unknown, src: YamlSource, diags: Diagnostic[]): Record<string, string> {
  const out: Record<string, string> = {};
  if (isNullish(node)) return out;
  const pairs = mapPairs(node);
  if (!pairs) {
    diags.push(error('bad-inventory', src.pos(node), 'vars must be a mapping', 'write `name: value` lines'));
    return out;
  }
  for (const p of pairs as Pair[]) {
    const k = keyText(p);
    const s = scalarText(p.value);
    if (s !== undefined) out[k] = s;
    else if (isNullish(p.value)) out[k] = '';
    else out[k] = JSON.stringify((p.value as { toJSON(): unknown }).toJSON());
  }
  return out;
}

export function parseAnsible(file: string, src: YamlSource, diags: Diagnostic[]): InventoryDraft {
  const d: InventoryDraft = { file, nodes: [], vars: {}, groups: new Map(), defaults: {} };
  const hosts = new Map<string, Host>();
  const groups = new Map<string, Group>();
  const members = new Map<string, Set<string>>(); // group → its direct hosts and child groups' hosts

  const walk = (name: string, node: unknown, pos: SourcePos, depth: number, ancestors: string[]): void => {
    if (name !== 'all' && !checkGroupName(name, pos, diags)) return;
    if (ancestors.includes(name)) {
      diags.push(error('bad-inventory', pos, `group \`${name}\` contains itself`, 'remove the loop in `children`'));
      return;
    }
    const g = groups.get(name) ?? { depth, vars: {} };
    g.depth = Math.max(g.depth, depth);
    groups.set(name, g);
    if (name !== 'all' && !d.groups.has(name)) d.groups.set(name, { members: [], pos });
    const path = [...ancestors, name];
    for (const p of mapPairs(node) ?? []) {
      const k = keyText(p);
      if (k === 'vars') Object.assign(g.vars, readAnyVars(p.value, src, diags));
      else if (k === 'hosts') {
        for (const h of mapPairs(p.value) ?? []) {
          const hn = keyText(h);
          const hpos = src.pos(h.key);
          if (!NODE_NAME.test(hn)) {
            diags.push(error('bad-node-name', hpos, `\`${hn}\` is not a valid node name`, 'use letters, digits, ., - and _'));
            continue;
          }
          const host = hosts.get(hn) ?? { name: hn, pos: hpos, raw: {}, groups: [] };
          Object.assign(host.raw, readAnyVars(h.value, src, diags));
          for (const a of path) {
            if (a !== 'all' && !host.groups.includes(a)) host.groups.push(a);
            const set = members.get(a) ?? new Set();
            set.add(hn);
            members.set(a, set);
          }
          hosts.set(hn, host);
        }
      } else if (k === 'children') {
        for (const c of mapPairs(p.value) ?? []) walk(keyText(c), c.value, src.pos(c.key), depth + 1, path);
      } else {
        diags.push(error('bad-inventory', src.pos(p.key), `unknown key \`${k}\` in group ${name}`, `an Ansible group takes ${GROUP_KEYS.join(', ')}`));
      }
    }
  };
  for (const p of mapPairs(src.doc.contents) ?? []) {
    const name = keyText(p);
    walk(name, p.value, src.pos(p.key), name === 'all' ? 0 : 1, name === 'all' ? [] : ['all']);
  }

  const allVars = groups.get('all')?.vars ?? {};
  const knownHosts = allVars.lockstep_known_hosts;
  if (knownHosts !== undefined) d.knownHosts = knownHosts;
  const sshConfig = allVars.lockstep_ssh_config;
  if (sshConfig !== undefined) d.sshConfig = sshConfig;
  d.vars = withoutLockstep(allVars);
  for (const [g, entry] of d.groups) entry.members = [...(members.get(g) ?? [])];

  for (const host of hosts.values()) {
    // Ansible's precedence: all, then groups by depth (parents before children) and name, then the host.
    const ordered = host.groups
      .map((g) => ({ g, depth: groups.get(g)?.depth ?? 1 }))
      .sort((a, b) => a.depth - b.depth || a.g.localeCompare(b.g));
    const merged: Record<string, string> = { ...allVars };
    for (const { g } of ordered) Object.assign(merged, groups.get(g)?.vars ?? {});
    Object.assign(merged, host.raw);
    d.nodes.push(toDraft(host, merged, src, diags));
  }
  return d;
}

function withoutLockstep(vars: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(vars).filter(([k]) => !k.startsWith('lockstep_')));
}

function toDraft(host: Host, merged: Record<string, string>, _src: YamlSource, diags: Diagnostic[]): NodeDraft {
  const n: NodeDraft = { name: host.name, pos: host.pos, local: merged.ansible_connection === 'local', groups: host.groups, vars: {} };
  const address = merged.ansible_host ?? merged.ansible_ssh_host;
  if (address !== undefined && address !== '') n.address = address;
  else n.tryNameAsAlias = true;
  const user = merged.ansible_user ?? merged.ansible_ssh_user;
  if (user !== undefined && user !== '') n.user = user;
  const port = merged.ansible_port ?? merged.ansible_ssh_port;
  if (port !== undefined) {
    const p = Number(port);
    if (/^\d+$/.test(port) && p >= 1 && p <= 65535) n.port = p;
    else diags.push(error('bad-port', host.pos, `ansible_port \`${port}\` of ${host.name} is not a port`, 'write a number from 1 to 65535'));
  }
  const key = merged.ansible_ssh_private_key_file;
  if (key !== undefined && key !== '') n.identityFile = key;
  if (n.local) {
    // A local connection has no address, and an inherited ansible_user is not for it.
    delete n.address;
    delete n.user;
    n.tryNameAsAlias = false;
  }
  n.vars = withoutLockstep(Object.fromEntries(Object.entries(merged).filter(([k]) => !CONNECTION.has(k))));
  return n;
}
