// lockstep's own inventory format (see docs/runbook-format.md, "Inventory").
import { error } from '../runbook/diagnostics.js';
import type { Diagnostic, SourcePos } from '../runbook/types.js';
import { isNullish, isScalar, keyText, mapPairs, scalarText, seqItems, type YamlSource } from '../runbook/yaml-source.js';
import { NODE_NAME, type InventoryDraft, type NodeDraft } from './draft.js';

const TOP_KEYS = ['known_hosts', 'ssh_config', 'defaults', 'vars', 'groups', 'nodes'];
const NODE_KEYS = ['name', 'address', 'port', 'user', 'identity_file', 'proxy_jump', 'ssh_alias', 'local', 'groups', 'vars'];
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function readVars(node: unknown, src: YamlSource, diags: Diagnostic[], where: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (isNullish(node)) return out;
  const pairs = mapPairs(node);
  if (!pairs) {
    diags.push(error('bad-inventory', src.pos(node), `${where} vars must be a mapping`, 'write vars: followed by `name: value` lines'));
    return out;
  }
  for (const p of pairs) {
    const k = keyText(p);
    if (!VAR_NAME.test(k)) {
      diags.push(error('bad-variable-name', src.pos(p.key), `\`${k}\` is not a valid variable name`, 'use letters, digits and _, starting with a letter or _'));
      continue;
    }
    const v = isNullish(p.value) ? '' : scalarText(p.value);
    if (v === undefined) {
      diags.push(error('bad-inventory', src.pos(p.value), `variable \`${k}\` must be a single value`, 'write a string or number; lists and mappings are not substituted'));
      continue;
    }
    out[k] = v;
  }
  return out;
}

function port(node: unknown, src: YamlSource, diags: Diagnostic[]): number | undefined {
  const s = scalarText(node);
  const n = s !== undefined && /^\d+$/.test(s) ? Number(s) : NaN;
  if (!(n >= 1 && n <= 65535)) {
    diags.push(error('bad-port', src.pos(node), `\`${s ?? '?'}\` is not a port`, 'write a number from 1 to 65535'));
    return undefined;
  }
  return n;
}

export function parseNative(file: string, src: YamlSource, diags: Diagnostic[]): InventoryDraft {
  const d: InventoryDraft = { file, nodes: [], vars: {}, groups: new Map(), defaults: {} };
  const pairs = mapPairs(src.doc.contents) ?? [];
  const str = (node: unknown, what: string): string | undefined => {
    const s = scalarText(node);
    if (s === undefined || s === '') diags.push(error('bad-inventory', src.pos(node), `${what} must be a non-empty string`, `write ${what}: value`));
    return s === '' ? undefined : s;
  };
  let groupVars = new Map<string, Record<string, string>>();
  let nodesNode: unknown;
  for (const p of pairs) {
    const k = keyText(p);
    switch (k) {
      case 'known_hosts': {
        const s = str(p.value, k);
        if (s !== undefined) d.knownHosts = s;
        break;
      }
      case 'ssh_config': {
        const s = str(p.value, k);
        if (s !== undefined) d.sshConfig = s;
        break;
      }
      case 'defaults':
        for (const q of mapPairs(p.value) ?? []) {
          const dk = keyText(q);
          if (dk === 'user') d.defaults.user = str(q.value, 'user');
          else if (dk === 'port') d.defaults.port = port(q.value, src, diags);
          else if (dk === 'identity_file') d.defaults.identityFile = str(q.value, 'identity_file');
          else diags.push(error('bad-inventory', src.pos(q.key), `unknown key \`${dk}\` in defaults`, 'defaults takes user, port and identity_file'));
        }
        break;
      case 'vars':
        d.vars = readVars(p.value, src, diags, 'inventory');
        break;
      case 'groups':
        groupVars = parseGroups(p.value, src, diags, d);
        break;
      case 'nodes':
        nodesNode = p.value;
        break;
      default:
        diags.push(error('bad-inventory', src.pos(p.key), `unknown inventory key \`${k}\``, `valid keys: ${TOP_KEYS.join(', ')}`));
    }
  }
  const items = seqItems(nodesNode);
  if (!items) {
    diags.push(error('bad-inventory', nodesNode ? src.pos(nodesNode) : { file, line: 1, column: 1 }, 'the inventory has no `nodes:` list', 'add nodes: followed by `- name: …` entries'));
    return d;
  }
  for (const item of items) {
    const n = parseNode(item, src, diags, d, groupVars, str);
    if (n) d.nodes.push(n);
  }
  return d;
}

function parseGroups(node: unknown, src: YamlSource, diags: Diagnostic[], d: InventoryDraft): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  if (isNullish(node)) return out;
  const pairs = mapPairs(node);
  if (!pairs) {
    diags.push(error('bad-inventory', src.pos(node), '`groups` must be a mapping of group names', 'write groups: { controllers: { vars: { … } } }'));
    return out;
  }
  for (const p of pairs) {
    const g = keyText(p);
    const pos = src.pos(p.key);
    if (!checkGroupName(g, pos, diags)) continue;
    let vars: Record<string, string> = {};
    for (const q of mapPairs(p.value) ?? []) {
      if (keyText(q) === 'vars') vars = readVars(q.value, src, diags, `group ${g}`);
      else diags.push(error('bad-inventory', src.pos(q.key), `unknown key \`${keyText(q)}\` in group ${g}`, 'a group takes vars (membership is set on the nodes)'));
    }
    out.set(g, vars);
    d.groups.set(g, { members: [], pos });
  }
  return out;
}

export function checkGroupName(g: string, pos: SourcePos, diags: Diagnostic[]): boolean {
  if (g === 'all') {
    diags.push(error('bad-group', pos, 'the group `all` is implicit and cannot be declared', 'remove it; every node is in `all`'));
    return false;
  }
  if (!NODE_NAME.test(g)) {
    diags.push(error('bad-group', pos, `\`${g}\` is not a valid group name`, 'use letters, digits, ., - and _'));
    return false;
  }
  return true;
}

function parseNode(
  item: unknown,
  src: YamlSource,
  diags: Diagnostic[],
  d: InventoryDraft,
  groupVars: Map<string, Record<string, string>>,
  str: (node: unknown, what: string) => string | undefined,
): NodeDraft | undefined {
  const pos = src.pos(item);
  const pairs = mapPairs(item);
  if (!pairs) {
    diags.push(error('bad-inventory', pos, 'a node must be a mapping', 'write - name: controller0 followed by address:, groups: …'));
    return undefined;
  }
  const nameNode = pairs.find((p) => keyText(p) === 'name')?.value;
  const name = scalarText(nameNode);
  if (name === undefined || !NODE_NAME.test(name)) {
    diags.push(error('bad-node-name', nameNode ? src.pos(nameNode) : pos, name === undefined ? 'node has no name' : `\`${name}\` is not a valid node name`, 'write name: controller0 (letters, digits, ., - and _)'));
    return undefined;
  }
  const n: NodeDraft = { name, pos, local: false, groups: [], vars: {} };
  let hostVars: Record<string, string> = {};
  for (const p of pairs) {
    const k = keyText(p);
    const v = p.value;
    switch (k) {
      case 'name':
        break;
      case 'address': {
        const s = str(v, 'address');
        if (s !== undefined) n.address = s;
        break;
      }
      case 'port':
        n.port = port(v, src, diags);
        break;
      case 'user':
        n.user = str(v, 'user');
        break;
      case 'identity_file':
        n.identityFile = str(v, 'identity_file');
        break;
      case 'proxy_jump':
        n.proxyJump = str(v, 'proxy_jump');
        break;
      case 'ssh_alias':
        n.sshAlias = str(v, 'ssh_alias');
        break;
      case 'local':
        if (isScalar(v) && typeof v.value === 'boolean') n.local = v.value;
        else diags.push(error('bad-inventory', src.pos(v), '`local` must be true or false', 'write local: true'));
        break;
      case 'groups': {
        const items = seqItems(v) ?? (isScalar(v) ? [v] : []);
        for (const g of items) {
          const s = scalarText(g);
          if (s === undefined || !checkGroupName(s, src.pos(g), diags)) continue;
          if (!n.groups.includes(s)) n.groups.push(s);
          const entry = d.groups.get(s) ?? { members: [], pos: src.pos(g) };
          entry.members.push(name);
          d.groups.set(s, entry);
        }
        break;
      }
      case 'vars':
        hostVars = readVars(v, src, diags, `node ${name}`);
        break;
      default:
        diags.push(error('bad-inventory', src.pos(p.key), `unknown key \`${k}\` in node ${name}`, `a node takes ${NODE_KEYS.join(', ')}`));
    }
  }
  if (n.local && (n.address !== undefined || n.sshAlias !== undefined)) {
    diags.push(error('bad-inventory', pos, `local node \`${name}\` cannot have an address or ssh_alias`, 'remove local: true, or the address'));
  }
  // inventory < groups (in the order the node lists them) < the node's own.
  n.vars = { ...d.vars };
  for (const g of n.groups) Object.assign(n.vars, groupVars.get(g) ?? {});
  Object.assign(n.vars, hostVars);
  return n;
}
