// Breaking the lab on purpose: each scenario produces its symptom, and `lab reset` undoes them.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetControlPlane } from './helpers/controlplane.js';
import { cfg, lockstep, lockstepAsync, mustOnNode, onNode } from './helpers/lab.js';

function status() {
  return JSON.parse(lockstep(['lab', 'status', '--json']).stdout) as { nodes: { name: string; state: string }[]; scenarios: Record<string, string> };
}

describe('lab scenarios', () => {
  beforeAll(resetControlPlane);
  afterAll(async () => {
    // Leave fresh nodes for whatever runs next when a test failed before the reset test undid
    // the scenarios (the per-file lab check catches the rest).
    const s = status();
    if (!Object.keys(s.scenarios).length && s.nodes.every((n) => n.state === 'running')) return;
    const r = await lockstepAsync(['lab', 'reset']);
    if (r.code !== 0) throw new Error(`lab reset after the scenarios failed (exit ${r.code}): ${r.stderr}`);
  });

  it('stale-cert: kube-apiserver on controller0 serves a self-signed /var/run/kubernetes cert with useless SANs', () => {
    const r = lockstep(['lab', 'scenario', 'stale-cert', 'controller0']);
    expect(r.code).toBe(0);
    const ip = cfg().nodes.find((n) => n.name === 'controller0')!.address;
    // Seen from another node, as an operator would probe it.
    const probe = `for i in $(seq 1 50); do (exec 3<>/dev/tcp/${ip}/6443) 2>/dev/null && break; sleep 0.2; done
echo | openssl s_client -connect ${ip}:6443 2>/dev/null | openssl x509 -noout -subject -ext subjectAltName -nameopt RFC2253`;
    const out = mustOnNode('gateway', probe);
    expect(out).toMatch(/subject=CN=controller0@\d+/);
    expect(out).toContain(`IP Address:${ip}, IP Address:10.32.0.1`);
    expect(out).not.toContain(cfg().vip);
    expect(mustOnNode('controller0', 'ls /var/run/kubernetes').trim().split('\n')).toEqual(['apiserver.crt', 'apiserver.key']);
    expect(status().scenarios['stale-cert']).toBe('controller0');
  });

  it('stale-cert on a runbook-installed kube-apiserver unit: the drop-in drops the TLS flags and the stale cert is served', () => {
    const ip = cfg().nodes.find((n) => n.name === 'controller1')!.address;
    const probe = `for i in $(seq 1 50); do (exec 3<>/dev/tcp/${ip}/6443) 2>/dev/null && break; sleep 0.2; done
echo | openssl s_client -connect ${ip}:6443 2>/dev/null | openssl x509 -noout -subject -nameopt RFC2253`;
    mustOnNode('controller1', `set -e
mkdir -p /var/lib/kubernetes && cd /var/lib/kubernetes
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -keyout kubernetes-key.pem -out kubernetes.pem -subj /CN=kubernetes -addext "subjectAltName=IP:${ip},IP:${cfg().vip}" 2>/dev/null
install -m 0755 /opt/lockstep/bin/kube-apiserver /usr/local/bin/kube-apiserver
cat > /etc/systemd/system/kube-apiserver.service <<'EOF'
[Service]
ExecStart=/usr/local/bin/kube-apiserver \\
  --advertise-address=${ip} \\
  --tls-cert-file=/var/lib/kubernetes/kubernetes.pem \\
  --tls-private-key-file=/var/lib/kubernetes/kubernetes-key.pem \\
  --service-cluster-ip-range=10.32.0.0/24 --etcd-servers=https://127.0.0.1:2379
EOF
systemctl daemon-reload && systemctl start kube-apiserver`);
    expect(mustOnNode('gateway', probe)).toMatch(/subject=CN=kubernetes\n/);
    expect(lockstep(['lab', 'scenario', 'stale-cert', 'controller1']).code).toBe(0);
    expect(mustOnNode('gateway', probe)).toMatch(/subject=CN=controller1@\d+/);
    expect(mustOnNode('controller1', 'systemctl show -p DropInPaths --value kube-apiserver')).toContain('lockstep-stale-cert.conf');
    mustOnNode('controller1', 'systemctl stop kube-apiserver');
  });

  it('diverge: controller1 has a different file and a different kube-apiserver version', () => {
    expect(lockstep(['lab', 'scenario', 'diverge']).code).toBe(0);
    const sum = (n: string) => mustOnNode(n, 'sha256sum < /etc/default/etcd').trim();
    expect(sum('controller1')).not.toBe(sum('controller0'));
    expect(sum('controller2')).toBe(sum('controller0'));
    expect(mustOnNode('controller1', '/usr/local/bin/kube-apiserver --version').trim()).toBe('Kubernetes v1.31.9+lockstep-practice-double');
    expect(mustOnNode('controller0', '/opt/lockstep/bin/kube-apiserver --version').trim()).toBe('Kubernetes v1.32.0+lockstep-practice-double');
  });

  it('node-down: controller2 is powered off and unreachable, the others are not', () => {
    expect(lockstep(['lab', 'scenario', 'node-down', 'controller2']).code).toBe(0);
    const s = status();
    expect(s.nodes.find((n) => n.name === 'controller2')?.state).toBe('stopped');
    expect(s.nodes.filter((n) => n.state === 'running').map((n) => n.name)).toEqual(['controller0', 'controller1', 'gateway']);
    const c = cfg();
    const r = spawnSync('ssh', ['-F', c.sshConfigFile, '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=3', 'controller2', 'true'], { encoding: 'utf8' });
    expect(r.status).toBe(255);
    expect(onNode('controller0', 'true').code).toBe(0);
  });

  it('unknown scenarios and nodes are refused with a clear message', () => {
    const r = lockstep(['lab', 'scenario', 'meteor']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unknown scenario meteor; choose one of: stale-cert, node-down, diverge/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(lockstep(['lab', 'scenario', 'diverge', 'controller9']).stderr).toMatch(/no lab node named controller9/);
  });

  it('reset brings every node back fresh, with the scenarios undone', async () => {
    // Not spawnSync: a reset on a loaded machine can take minutes, and a blocked worker
    // misses vitest's RPC deadline.
    const r = await lockstepAsync(['lab', 'reset']);
    expect(r.code, r.stderr).toBe(0);
    const s = status();
    expect(s.nodes.every((n) => n.state === 'running')).toBe(true);
    expect(s.scenarios).toEqual({});
    expect(onNode('controller1', 'test -e /usr/local/bin/kube-apiserver').code).toBe(1);
    expect(mustOnNode('controller1', 'sha256sum < /etc/default/etcd')).toBe(mustOnNode('controller0', 'sha256sum < /etc/default/etcd'));
    expect(onNode('controller2', 'true').code).toBe(0);
  });
});
