// Pure parts of the lab: configuration, mirror detection, process matching, written files.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { labConfig } from '../../src/lab/config.js';
import { inventoryText, knownHostsText, sshConfigText } from '../../src/lab/files.js';
import { mirrorFromSources } from '../../src/lab/mirror.js';
import { nspawnRoot } from '../../src/lab/procs.js';
import { staleCertDropIn } from '../../src/lab/scenarios.js';

describe('labConfig', () => {
  it('lays out N controllers and a gateway on the configured /24', () => {
    const c = labConfig({ controllers: 2, env: { LOCKSTEP_LAB_DIR: '/x/lab', LOCKSTEP_LAB_SUBNET: '10.9.8.0/24' } });
    expect(c.nodes.map((n) => [n.name, n.address, n.groups[0]])).toEqual([
      ['controller0', '10.9.8.11', 'controllers'],
      ['controller1', '10.9.8.12', 'controllers'],
      ['gateway', '10.9.8.10', 'gateway'],
    ]);
    expect(c.hostAddress).toBe('10.9.8.1');
    expect(c.vip).toBe('10.9.8.100');
    expect(c.inventoryFile).toBe('/x/lab/inventory.yaml');
  });

  it('defaults to three controllers under /var/lib/lockstep/lab on 10.213.0.0/24', () => {
    const c = labConfig({ env: {} });
    expect(c.nodes).toHaveLength(4);
    expect(c.dir).toBe('/var/lib/lockstep/lab');
    expect(c.subnetPrefix).toBe('10.213.0');
  });

  it('refuses a subnet that is not a /24 and an impossible controller count', () => {
    expect(() => labConfig({ env: { LOCKSTEP_LAB_SUBNET: '10.0.0.0/16' } })).toThrow(/not a \/24/);
    expect(() => labConfig({ env: { LOCKSTEP_LAB_SUBNET: '10.300.0.0/24' } })).toThrow(/not a \/24/);
    expect(() => labConfig({ controllers: 0, env: {} })).toThrow(/--controllers 0/);
  });
});

describe('mirrorFromSources', () => {
  it('reads deb822 and one-line sources, skipping the security archive', () => {
    expect(mirrorFromSources('Types: deb\nURIs: http://deb.debian.org/debian-security\n\nTypes: deb\nURIs: http://mirror.example/debian/\nSuites: bookworm\n'))
      .toBe('http://mirror.example/debian');
    expect(mirrorFromSources('# c\ndeb [arch=amd64] http://ftp.de.debian.org/debian bookworm main\n')).toBe('http://ftp.de.debian.org/debian');
    expect(mirrorFromSources('deb http://security.debian.org/debian-security bookworm-security main\n')).toBeUndefined();
  });
});

describe('nspawnRoot', () => {
  it('finds the root of systemd-nspawn command lines only', () => {
    expect(nspawnRoot(['/usr/bin/systemd-nspawn', '-D', '/l/nodes/c0/root', '--boot'])).toBe('/l/nodes/c0/root');
    expect(nspawnRoot(['systemd-nspawn', '--directory=/r'])).toBe('/r');
    expect(nspawnRoot(['/bin/sleep', '-D', '/l'])).toBeUndefined();
  });
});

describe('lab files', () => {
  const c = labConfig({ env: { LOCKSTEP_LAB_DIR: '/lab' } });

  it('known_hosts lists each node under its name and address', () => {
    expect(knownHostsText([{ name: 'controller0', address: '10.213.0.11', hostKey: 'ssh-ed25519 AAAAkey root@controller0' }]))
      .toBe('controller0,10.213.0.11 ssh-ed25519 AAAAkey\n');
  });

  it('ssh_config pins the key, the known_hosts and strict checking per node', () => {
    const t = sshConfigText(c);
    expect(t).toContain('Host controller0\n  HostName 10.213.0.11\n');
    expect(t).toContain('  UserKnownHostsFile /lab/known_hosts\n');
    expect(t).toContain('  StrictHostKeyChecking yes\n');
    expect(t.match(/^Host /gm)).toHaveLength(4);
  });

  it('the inventory has every node with address, port, user, key, groups, and the VIP', () => {
    const inv = parse(inventoryText(c));
    expect(inv.known_hosts).toBe('/lab/known_hosts');
    expect(inv.vars.vip).toBe('10.213.0.100');
    expect(inv.vars.etcd_initial_cluster).toBe('controller0=https://10.213.0.11:2380,controller1=https://10.213.0.12:2380,controller2=https://10.213.0.13:2380');
    expect(inv.vars.api_vip).toBe('10.213.0.100');
    expect(inv.nodes[4]).toEqual({ name: 'workstation', local: true, groups: ['workstation'] });
    expect(inv.nodes[3]).toEqual({ name: 'gateway', address: '10.213.0.10', port: 22, user: 'lockstep', identity_file: '/lab/id_ed25519', groups: ['gateway'], vars: { ip: '10.213.0.10', hostname: 'gateway' } });
  });
});

describe('staleCertDropIn', () => {
  it('drops the serving-certificate flags from the last ExecStart, keeping the rest', () => {
    const unit = [
      '# /etc/systemd/system/kube-apiserver.service',
      '[Service]',
      'ExecStart=/usr/local/bin/kube-apiserver \\',
      '  --advertise-address=10.0.0.1 \\',
      '  --tls-cert-file=/var/lib/kubernetes/kubernetes.pem \\',
      '  --tls-private-key-file /var/lib/kubernetes/kubernetes-key.pem \\',
      '  --v=2',
      'Restart=on-failure',
    ].join('\n');
    expect(staleCertDropIn(unit)).toBe(
      '# lockstep lab scenario stale-cert: serving-certificate flags removed\n[Service]\nExecStart=\nExecStart=/usr/local/bin/kube-apiserver --advertise-address=10.0.0.1 --v=2\n');
    expect(staleCertDropIn('')).toBeUndefined();
  });
});

describe('a second lab beside the default one', () => {
  it('gets its own bridge, namespace and veth names from LOCKSTEP_LAB_NAME', () => {
    const c = labConfig({ env: { LOCKSTEP_LAB_NAME: 'bench', LOCKSTEP_LAB_SUBNET: '10.214.0.0/24', LOCKSTEP_LAB_DIR: '/b' } });
    expect([c.bridge, c.netnsPrefix, c.vethPrefix]).toEqual(['benchbr', 'bench-', 'benchv']);
    expect(labConfig({ env: {} }).bridge).toBe('lockstep0');
    expect(() => labConfig({ env: { LOCKSTEP_LAB_NAME: 'Way-Too-Long-Name' } })).toThrow(/LOCKSTEP_LAB_NAME/);
  });
});
