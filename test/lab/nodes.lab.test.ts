// The lab's nodes, against the real lab: ssh with strict host-key checking, systemd as PID 1,
// the normal user's sudo, capabilities, the written files, and an idempotent `up`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cfg, lockstep, mustOnNode } from './helpers/lab.js';

function ssh(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync('ssh', args, { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe('lab nodes', () => {
  const c = cfg();

  it('status --json lists every node running, with its address and the lab files', () => {
    const r = lockstep(['lab', 'status', '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.up).toBe(true);
    expect(s.nodes.map((n: { name: string }) => n.name)).toEqual(c.nodes.map((n) => n.name));
    for (const n of s.nodes) {
      expect(n.state).toBe('running');
      expect(n.address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    }
    expect(s.files).toMatchObject({ inventory: c.inventoryFile, knownHosts: c.knownHostsFile, sshConfig: c.sshConfigFile });
    expect(s.binDir.node).toBe('/opt/lockstep/bin');
  });

  it('every node answers plain `ssh -F` as the lab user and as root, verified against the written known_hosts', () => {
    for (const n of c.nodes) {
      const r = ssh(['-F', c.sshConfigFile, '-o', 'BatchMode=yes', n.name, 'hostname; id -un; sudo -n id -un']);
      expect(r.err).toBe('');
      expect(r.out.split('\n').slice(0, 3)).toEqual([n.name, 'lockstep', 'root']);
      const root = ssh(['-F', c.sshConfigFile, '-o', 'BatchMode=yes', '-l', 'root', n.name, 'id -u']);
      expect(root.out.trim()).toBe('0');
    }
  });

  it('each node has its own host key, and a wrong key in known_hosts is refused', () => {
    const kh = readFileSync(c.knownHostsFile, 'utf8').trim().split('\n');
    expect(kh).toHaveLength(c.nodes.length);
    expect(new Set(kh.map((l) => l.split(' ')[2])).size).toBe(c.nodes.length);
    // controller0's entry carrying controller1's key: ssh must refuse to connect.
    const wrong = mkdtempSync(join(tmpdir(), 'lockstep-kh-'));
    const k1 = kh.find((l) => l.startsWith('controller1,'))!.split(' ');
    const forged = kh.map((l) => (l.startsWith('controller0,') ? `${l.split(' ')[0]} ${k1[1]} ${k1[2]}` : l));
    writeFileSync(join(wrong, 'known_hosts'), forged.join('\n') + '\n');
    const r = ssh(['-F', c.sshConfigFile, '-o', `UserKnownHostsFile=${join(wrong, 'known_hosts')}`, '-o', 'BatchMode=yes', 'controller0', 'true']);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
  });

  it('ships etcd, haproxy, keepalived and nginx disabled in the image (the runbooks start them)', () => {
    const wants = join(c.imageDir, 'rootfs/etc/systemd/system/multi-user.target.wants');
    for (const s of ['etcd', 'haproxy', 'keepalived', 'nginx']) expect(existsSync(join(wants, `${s}.service`))).toBe(false);
    expect(existsSync(join(c.imageDir, 'rootfs/usr/bin/etcd'))).toBe(true);
    // The gateway never runs etcd in any runbook: still disabled and stopped there.
    expect(mustOnNode('gateway', 'echo "$(systemctl is-enabled etcd) $(systemctl is-active etcd)"').trim()).toBe('disabled inactive');
  });

  it('runs systemd as PID 1 with working systemctl and journalctl', () => {
    const out = mustOnNode('controller0', [
      'cat /proc/1/comm',
      'systemctl is-system-running --wait || true',
      'systemctl is-active ssh',
      'logger -t lockstep-test "journal-probe-$$"',
      'for i in $(seq 1 25); do journalctl -t lockstep-test --no-pager -o cat | grep -q "journal-probe-$$" && break; sleep 0.2; done',
      'journalctl -t lockstep-test --no-pager -o cat | tail -1',
    ].join('\n'));
    const lines = out.trim().split('\n');
    expect(lines[0]).toBe('systemd');
    expect(lines[1]).toMatch(/running|degraded/);
    expect(lines[2]).toBe('active');
    expect(lines[3]).toMatch(/^journal-probe-\d+$/);
  });

  it('leaves no unit failed by the cgroup race (exit 219) and lets the lab user in', () => {
    for (const n of c.nodes) {
      const out = mustOnNode(n.name, [
        'for u in $(systemctl list-units --state=failed --type=service --plain --no-legend | awk \'{print $1}\'); do',
        '  echo "failed $u $(systemctl show -p ExecMainStatus --value "$u")"',
        'done',
        'test -e /run/nologin && echo nologin || true',
      ].join('\n'));
      expect(out.trim().split('\n').filter((l) => / 219$/.test(l) || l === 'nologin'), n.name).toEqual([]);
    }
  });

  it('can add the VIP and set the ARP sysctls (CAP_NET_ADMIN, writable /proc/sys/net) and reach the other nodes', () => {
    const other = c.nodes.find((n) => n.name === 'controller1')!;
    const out = mustOnNode('controller0', [
      'set -e',
      `ip addr add ${c.vip}/32 dev eth0`,
      `ip -4 -o addr show dev eth0 | grep -c ${c.vip}`,
      `ip addr del ${c.vip}/32 dev eth0`,
      'sysctl -qw net.ipv4.conf.all.arp_ignore=1 && sysctl -n net.ipv4.conf.all.arp_ignore',
      'sysctl -qw net.ipv4.conf.all.arp_ignore=0',
      `ping -c1 -W2 ${other.address} >/dev/null && echo reach`,
      'test -x /opt/lockstep/bin/etcd && test -x /opt/lockstep/bin/kube-apiserver && echo bins',
      'touch /opt/lockstep/bin/x 2>/dev/null || echo read-only',
    ].join('\n'));
    expect(out.trim().split('\n')).toEqual(['1', '1', 'reach', 'bins', 'read-only']);
  });

  it('writes an inventory naming every node, its groups, the key and known_hosts', () => {
    const inv = parse(readFileSync(c.inventoryFile, 'utf8'));
    expect(inv.known_hosts).toBe(c.knownHostsFile);
    expect(inv.vars.vip).toBe(c.vip);
    // The lab's nodes over ssh, then the operator's own machine as a local node.
    const remote = inv.nodes.filter((n: { local?: boolean }) => !n.local);
    expect(remote.map((n: { name: string }) => n.name)).toEqual(c.nodes.map((n) => n.name));
    expect(inv.nodes.filter((n: { local?: boolean }) => n.local).map((n: { name: string }) => n.name)).toEqual(['workstation']);
    for (const n of remote) {
      expect(n).toMatchObject({ port: 22, user: 'lockstep', identity_file: c.keyFile });
      expect(n.groups).toEqual([n.name === 'gateway' ? 'gateway' : 'controllers']);
    }
  });

  it('`lab up` again is idempotent: same node processes, same host keys; a unit that lost the cgroup race is started again', () => {
    // A oneshot that exits 219 (what systemd reports when a unit's process could not join its
    // cgroup) the first time it runs and succeeds after: `lab up` must find and restart it.
    const probe = 'lockstep-race-probe';
    mustOnNode('controller1', [
      `sudo rm -f /run/${probe}-ran`,
      `printf '%s\\n' '[Service]' 'Type=oneshot' 'RemainAfterExit=yes' "ExecStart=/bin/sh -c 'test -e /run/${probe}-ran && exit 0; touch /run/${probe}-ran; exit 219'" | sudo tee /run/systemd/system/${probe}.service >/dev/null`,
      'sudo systemctl daemon-reload',
      `sudo systemctl start ${probe} || true`,
      `systemctl show -p ExecMainStatus --value ${probe}`,
    ].join('\n'));
    const before = JSON.parse(lockstep(['lab', 'status', '--json']).stdout);
    const kh = readFileSync(c.knownHostsFile, 'utf8');
    const t = Date.now();
    const r = lockstep(['lab', 'up']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`controller1: started ${probe}.service again`);
    expect(mustOnNode('controller1', `systemctl is-active ${probe}; sudo rm -f /run/systemd/system/${probe}.service /run/${probe}-ran; sudo systemctl daemon-reload`).trim()).toBe('active');
    expect(Date.now() - t).toBeLessThan(30_000);
    const after = JSON.parse(lockstep(['lab', 'status', '--json']).stdout);
    expect(after.nodes.map((n: { pid: number }) => n.pid)).toEqual(before.nodes.map((n: { pid: number }) => n.pid));
    expect(readFileSync(c.knownHostsFile, 'utf8')).toBe(kh);
  });

  it('`lab ssh NODE -- cmd` runs a command on the node', () => {
    const r = lockstep(['lab', 'ssh', 'gateway', '--', 'hostname']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('gateway');
    const bad = lockstep(['lab', 'ssh', 'nosuchnode']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/no lab node named nosuchnode/);
  });
});
