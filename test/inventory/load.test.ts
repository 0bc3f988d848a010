import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInventory, parseInventory, type Inventory, type InventoryEnv } from '../../src/inventory/index.js';

const show = (r: ReturnType<typeof parseInventory>): string[] => r.diagnostics.map((d) => `${d.line}:${d.column}: ${d.message}`);
const env = (files: Record<string, string> = {}): InventoryEnv => ({ home: '/home/op', readFile: (p) => files[p] });

describe('native inventory', () => {
  it('reads the example three-controller inventory', () => {
    const r = loadInventory('test/fixtures/inventories/three-controllers.yaml', env());
    expect(r.diagnostics).toEqual([]);
    const inv = r.value as Inventory;
    expect(inv.nodes.map((n) => [n.name, n.address, n.port, n.user, n.groups])).toEqual([
      ['controller0', '10.240.0.10', 22, 'root', ['controllers']],
      ['controller1', '10.240.0.11', 22, 'root', ['controllers']],
      ['controller2', '10.240.0.12', 22, 'root', ['controllers']],
      ['gateway', '10.240.0.5', 22, 'root', ['gateway']],
      ['workstation', undefined, 0, undefined, ['workstation']],
    ]);
    expect(inv.nodes[4]!.transport).toBe('local');
    expect(inv.groups).toEqual({
      all: ['controller0', 'controller1', 'controller2', 'gateway', 'workstation'],
      controllers: ['controller0', 'controller1', 'controller2'],
      gateway: ['gateway'],
      workstation: ['workstation'],
    });
    expect(inv.nodes[1]!.vars).toEqual({ cluster_name: 'practice', etcd_version: 'v3.5.12', internal_ip: '10.240.0.11' });
    expect(inv.knownHosts).toMatch(/test\/fixtures\/inventories\/known_hosts$/);
    expect(inv.nodes[0]!.pos).toEqual({ file: 'test/fixtures/inventories/three-controllers.yaml', line: 13, column: 5 });
  });

  it('merges variables: inventory < groups in listed order < node', () => {
    const r = parseInventory('i.yaml', 'vars: { a: inv, b: inv, c: inv }\ngroups:\n  g1: { vars: { a: g1, b: g1 } }\n  g2: { vars: { a: g2 } }\nnodes:\n  - { name: n, address: h, groups: [g1, g2], vars: { c: host, port: 8080 } }\n', env());
    expect(r.value!.nodes[0]!.vars).toEqual({ a: 'g2', b: 'g1', c: 'host', port: '8080' });
  });

  it('resolves ssh_config aliases, defaults, ~ paths and a local node', () => {
    const files = { '/home/op/.ssh/config': 'Host c1\n  HostName 10.0.0.11\n  User debian\n  Port 2200\n  IdentityFile ~/.ssh/lab\n  ProxyJump jump@bastion:22\nHost *\n  User nobody\n' };
    const r = parseInventory(
      '/srv/inv.yaml',
      'defaults: { user: root, identity_file: keys/id }\nnodes:\n  - name: c0\n    address: 10.0.0.10\n  - name: c1\n    ssh_alias: c1\n    port: 22\n  - name: me\n    local: true\n',
      env(files),
    );
    expect(r.diagnostics).toEqual([]);
    const [c0, c1, me] = r.value!.nodes;
    expect(c0).toMatchObject({ transport: 'ssh', address: '10.0.0.10', port: 22, user: 'root', identityFile: '/srv/keys/id' });
    expect(c1).toMatchObject({ transport: 'ssh', address: '10.0.0.11', port: 22, user: 'debian', identityFile: '/home/op/.ssh/lab', proxyJump: 'jump@bastion:22', sshAlias: 'c1' });
    expect(me).toMatchObject({ transport: 'local', port: 0 });
    expect(me!.address).toBeUndefined();
    expect(r.value!.knownHosts).toBe('/home/op/.ssh/known_hosts');
  });

  it('reads ssh_config from a given path on disk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockstep-inv-'));
    writeFileSync(join(dir, 'ssh_config'), 'Host lab-*\n  User admin\nHost lab-c0\n  HostName 127.0.0.2\n');
    writeFileSync(join(dir, 'inv.yaml'), 'ssh_config: ./ssh_config\nknown_hosts: ~/kh\nnodes:\n  - { name: c0, ssh_alias: lab-c0 }\n');
    const r = loadInventory(join(dir, 'inv.yaml'));
    expect(r.diagnostics).toEqual([]);
    expect(r.value!.nodes[0]).toMatchObject({ address: '127.0.0.2', user: 'admin', sshAlias: 'lab-c0' });
  });

  it('reports every problem with its position', () => {
    const r = parseInventory(
      'i.yaml',
      'colour: red\ngroups:\n  all: {}\nnodes:\n  - name: a\n  - name: a\n    address: x\n  - name: b c\n  - name: d\n    address: y\n    local: true\n    port: 0\n    vars: { l: [1] }\n  - name: g\n    address: z\n    groups: [a]\n',
      env(),
    );
    expect(show(r)).toEqual([
      '1:1: unknown inventory key `colour`',
      '3:3: the group `all` is implicit and cannot be declared',
      '5:5: node `a` has no address',
      '6:5: duplicate node name `a` (first at line 5)',
      '8:11: `b c` is not a valid node name',
      '9:5: local node `d` cannot have an address or ssh_alias',
      '12:11: `0` is not a port',
      '13:16: variable `l` must be a single value',
      '16:14: group `a` has the same name as a node but other members',
    ]);
  });

  it('reports unreadable files and non-mapping YAML without throwing', () => {
    expect(loadInventory('test/fixtures/inventories/nope.yaml').diagnostics[0]?.message).toBe('cannot read inventory: no such file');
    expect(show(parseInventory('i.yaml', '- a\n', env()))).toEqual(['1:1: an inventory must be a YAML mapping']);
    expect(show(parseInventory('i.yaml', 'nodes: [\n', env()))[0]).toMatch(/^2:1: invalid YAML/);
  });
});

describe('Ansible inventory', () => {
  it('reads the example Ansible inventory as the same cluster', () => {
    const a = loadInventory('test/fixtures/inventories/three-controllers.ansible.yaml', env());
    const n = loadInventory('test/fixtures/inventories/three-controllers.yaml', env());
    expect(a.diagnostics).toEqual([]);
    const strip = (inv: Inventory) => inv.nodes.map(({ pos: _p, ...rest }) => rest);
    expect(strip(a.value!)).toEqual(strip(n.value!));
    expect(a.value!.groups).toEqual(n.value!.groups);
    expect(a.value!.knownHosts).toBe(n.value!.knownHosts);
  });

  it('follows children, Ansible variable precedence, local connections and ssh_config names', () => {
    const files = { '/home/op/.ssh/config': 'Host bastion-host\n  HostName 192.0.2.1\n' };
    const text = `all:
  vars: { v: all, w: all }
  hosts:
    bastion-host:
  children:
    k8s:
      vars: { v: k8s, w: k8s }
      children:
        controllers:
          vars: { v: controllers }
          hosts:
            c0: { ansible_host: 10.0.0.10, ansible_user: debian, ansible_port: 2222, ansible_ssh_private_key_file: ~/.ssh/k, mine: 1, list: [a, b] }
    workstation:
      hosts:
        me: { ansible_connection: local }
    plain:
      hosts:
        old-host:
`;
    const r = parseInventory('/srv/hosts.yaml', text, env(files));
    expect(r.diagnostics).toEqual([]);
    const inv = r.value!;
    const byName = Object.fromEntries(inv.nodes.map((x) => [x.name, x]));
    expect(byName.c0).toMatchObject({ address: '10.0.0.10', user: 'debian', port: 2222, identityFile: '/home/op/.ssh/k', groups: ['k8s', 'controllers'] });
    expect(byName.c0!.vars).toEqual({ v: 'controllers', w: 'k8s', mine: '1', list: '["a","b"]' });
    expect(byName.me).toMatchObject({ transport: 'local', groups: ['workstation'] });
    expect(byName['bastion-host']).toMatchObject({ address: '192.0.2.1', sshAlias: 'bastion-host' });
    expect(byName['old-host']).toMatchObject({ address: 'old-host' });
    expect(inv.groups.k8s).toEqual(['c0']);
    expect(inv.vars).toEqual({ v: 'all', w: 'all' });
  });
});
