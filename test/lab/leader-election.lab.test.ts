// kube-controller-manager and kube-scheduler practice doubles on three controllers: one
// leader per Lease through the real apiserver doubles and etcd, takeover when it stops,
// and /healthz over HTTPS on 10257 and 10259.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiserverFlags, controllers, freshControlPlane, resetControlPlane, runService, stopService, unitLog, waitPort } from './helpers/controlplane.js';
import { cfg, mustOnNode, tick } from './helpers/lab.js';
import { makePki } from './helpers/pki.js';

const KC = 'KUBECONFIG=/var/lib/kubernetes/admin.kubeconfig';
const COMPONENTS = [
  { name: 'kube-controller-manager', port: 10257 },
  { name: 'kube-scheduler', port: 10259 },
] as const;

function holder(lease: string): string {
  return mustOnNode('controller0', `${KC} kubectl get lease ${lease} -n kube-system -o jsonpath='{.spec.holderIdentity}'`).trim();
}

async function until<T>(fn: () => T | undefined, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('controller-manager and scheduler practice doubles', () => {
  beforeAll(async () => {
    const cs = controllers();
    await freshControlPlane(makePki(cs.map((n) => n.address), cfg().vip));
    for (const n of cs) {
      await tick();
      runService(n.name, 'kube-apiserver', `/opt/lockstep/bin/kube-apiserver ${apiserverFlags(n)}`);
    }
    for (const n of cs) {
      await tick();
      waitPort(n.name, 6443);
      runService(n.name, 'kube-controller-manager', '/opt/lockstep/bin/kube-controller-manager --kubeconfig=/var/lib/kubernetes/kube-controller-manager.kubeconfig ' +
        '--leader-elect=true --cluster-name=kubernetes --service-cluster-ip-range=10.32.0.0/24 --use-service-account-credentials=true --v=2');
      // The scheduler the way the articles configure it: a KubeSchedulerConfiguration file.
      mustOnNode(n.name, `mkdir -p /etc/kubernetes/config && cat > /etc/kubernetes/config/kube-scheduler.yaml <<'EOF'
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
clientConnection:
  kubeconfig: "/var/lib/kubernetes/kube-scheduler.kubeconfig"
leaderElection:
  leaderElect: true
EOF`);
      runService(n.name, 'kube-scheduler', '/opt/lockstep/bin/kube-scheduler --config=/etc/kubernetes/config/kube-scheduler.yaml --v=2');
    }
  });
  afterAll(resetControlPlane);

  it('elects exactly one holder per Lease, named <hostname>_<uuid>', async () => {
    for (const c of COMPONENTS) {
      const h = await until(() => holder(c.name) || undefined, 30_000);
      expect(h).toMatch(/^controller\d+_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      // Exactly one process, on the holder's node, logged that it acquired the lease.
      const winners = controllers().filter((n) => unitLog(n.name, c.name).includes(`successfully acquired lease kube-system/${c.name}`));
      expect(winners.map((n) => n.name)).toEqual([h.split('_')[0]]);
    }
  });

  it('serves /healthz over HTTPS with a self-signed in-memory certificate on 10257 and 10259', async () => {
    for (const c of COMPONENTS) {
      for (const n of controllers()) {
        await tick();
        waitPort(n.name, c.port);
        expect(mustOnNode(n.name, `curl -sS -k https://127.0.0.1:${c.port}/healthz`)).toBe('ok');
        expect(mustOnNode(n.name, `curl -sS -k 'https://127.0.0.1:${c.port}/healthz?verbose'`)).toMatch(/\[\+\]leaderElection ok\nhealthz check passed\n$/);
      }
      const cert = mustOnNode('controller0', `echo | openssl s_client -connect 127.0.0.1:${c.port} 2>/dev/null | openssl x509 -noout -subject -ext subjectAltName -nameopt RFC2253`);
      expect(cert).toMatch(/subject=CN=localhost@\d+/);
      expect(cert).toMatch(/IP Address:127\.0\.0\.1/);
      // Plain HTTP is not served.
      expect(mustOnNode('controller0', `curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:${c.port}/healthz; true`)).not.toBe('200');
    }
  });

  it('hands the lease to another controller when the holder stops', async () => {
    for (const c of COMPONENTS) {
      const first = holder(c.name);
      const node = first.split('_')[0]!;
      stopService(node, c.name);
      const next = await until(() => {
        const h = holder(c.name);
        return h && h !== first ? h : undefined;
      }, 40_000);
      expect(next.split('_')[0]).not.toBe(node);
      const transitions = mustOnNode('controller0', `${KC} kubectl get lease ${c.name} -n kube-system -o jsonpath='{.spec.leaseTransitions}'`).trim();
      expect(Number(transitions)).toBeGreaterThanOrEqual(1);
    }
  });

  it('logs that it is a practice double', () => {
    for (const c of COMPONENTS) {
      expect(unitLog('controller1', c.name, 'PRACTICE DOUBLE')).toMatch(/PRACTICE DOUBLE/);
      expect(mustOnNode('controller1', `/opt/lockstep/bin/${c.name} --help`)).toMatch(/PRACTICE DOUBLE/);
    }
  });
});
