// The kube-apiserver practice double against real etcd, checked with real curl, openssl and
// Debian's kubectl inside the lab nodes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiserverFlags, controllers, freshControlPlane, resetControlPlane, runService, stopService, unitLog, waitPort } from './helpers/controlplane.js';
import { cfg, mustOnNode, onNode } from './helpers/lab.js';
import { makePki } from './helpers/pki.js';

const N = 'controller0';
const CA = '/var/lib/kubernetes/ca.pem';
const KC = 'KUBECONFIG=/var/lib/kubernetes/admin.kubeconfig';
const curl = (path: string, extra = ''): string => `curl -sS --cacert ${CA} ${extra} -w '\\n%{http_code}' https://127.0.0.1:6443${path}`;

describe('kube-apiserver practice double', () => {
  beforeAll(async () => {
    const c = controllers();
    await freshControlPlane(makePki(c.map((n) => n.address), cfg().vip));
    runService(N, 'kube-apiserver', `/opt/lockstep/bin/kube-apiserver ${apiserverFlags(c[0]!)}`);
    waitPort(N, 6443);
  });
  afterAll(resetControlPlane);

  it('serves /healthz, /livez and /readyz like the real one, plain and verbose', () => {
    const h = mustOnNode(N, curl('/healthz'));
    const l = mustOnNode(N, curl('/livez?verbose'));
    const r = mustOnNode(N, curl("'/readyz?verbose&exclude=etcd'"));
    expect(h).toBe('ok\n200');
    expect(l).toMatch(/^\[\+\]ping ok\n\[\+\]log ok\n\[\+\]etcd ok\n/);
    expect(l).toMatch(/livez check passed\n\n200$/);
    expect(r).toContain('[+]etcd excluded: ok');
    expect(r).toMatch(/readyz check passed/);
  });

  it('reports /version as a practice double', () => {
    const v = JSON.parse(mustOnNode(N, `curl -sS --cacert ${CA} https://127.0.0.1:6443/version`));
    expect(v).toMatchObject({ major: '1', minor: '32' });
    expect(v.gitVersion).toMatch(/practice-double/);
    expect(mustOnNode(N, '/opt/lockstep/bin/kube-apiserver --version')).toMatch(/^Kubernetes v1\.32\.0\+lockstep-practice-double/);
    expect(mustOnNode(N, '/opt/lockstep/bin/kube-apiserver --help')).toMatch(/PRACTICE DOUBLE/);
  });

  it('logs the flags it does not act on, without failing', () => {
    const log = unitLog(N, 'kube-apiserver', 'Serving securely');
    expect(log).toMatch(/PRACTICE DOUBLE/);
    expect(log).toMatch(/flag --authorization-mode=Node,RBAC is accepted but has no effect/);
    expect(log).toMatch(/Serving securely on 0\.0\.0\.0:6443/);
  });

  it('serves its --tls-cert-file, which openssl verifies against the CA', () => {
    const out = mustOnNode(N, `echo | openssl s_client -connect 127.0.0.1:6443 -CAfile ${CA} 2>/dev/null | grep -E 'Verify return code|subject='`);
    expect(out).toMatch(/subject=CN\s*=\s*kubernetes/);
    expect(out).toMatch(/Verify return code: 0 \(ok\)/);
  });

  it('authenticates client certificates against --client-ca-file and refuses others', () => {
    const pem = '/var/lib/kubernetes';
    const out = mustOnNode(N, [
      curl('/api/v1/namespaces', `--cert ${pem}/admin.pem --key ${pem}/admin-key.pem -o /dev/null`), 'echo',
      curl('/api/v1/namespaces', '-o /dev/null'), 'echo',
    ].join('\n'));
    expect(out.trim().split('\n').filter(Boolean)).toEqual(['200', '403']);
    // A client certificate from another CA: 401, as the real server answers.
    const rogue = onNode(N, `cd /tmp && openssl req -x509 -newkey rsa:2048 -nodes -keyout r.key -out r.pem -days 1 -subj /O=system:masters/CN=rogue 2>/dev/null && ${curl('/api/v1/namespaces', '--cert r.pem --key r.key -o /dev/null')}`);
    expect(rogue.stdout.trim()).toBe('401');
  });

  it('lets Debian kubectl get namespaces and /healthz', () => {
    const ns = mustOnNode(N, `${KC} kubectl get namespaces`);
    expect(ns).toMatch(/^NAME\s+STATUS\s+AGE/);
    for (const n of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) expect(ns).toMatch(new RegExp(`\\n${n}\\s+Active`));
    expect(mustOnNode(N, `${KC} kubectl get --raw /healthz`).trim()).toBe('ok');
    // No workers in the lab: the lists the articles look at are there, and empty.
    const nodes = onNode(N, `${KC} kubectl get nodes`);
    expect([nodes.code, nodes.stderr.trim()]).toEqual([0, 'No resources found']);
    expect(onNode(N, `${KC} kubectl get pods -n kube-system`).stderr.trim()).toBe('No resources found in kube-system namespace.');
  });

  it('answers the keepalived check script of the HA article (anonymous GET /)', () => {
    expect(onNode(N, 'curl --silent --max-time 2 --insecure https://localhost:6443/ -o /dev/null').code).toBe(0);
  });

  it('creates, gets and updates Leases in kube-system, stored in etcd, with conflicts on stale versions', () => {
    const lease = (holder: string, rv = '') => `apiVersion: coordination.k8s.io/v1
kind: Lease
metadata:
  name: practice
  namespace: kube-system${rv ? `\n  resourceVersion: "${rv}"` : ''}
spec:
  holderIdentity: ${holder}
  leaseDurationSeconds: 15
`;
    const write = (name: string, text: string) => `cat > /tmp/${name} <<'EOF'\n${text}EOF`;
    expect(mustOnNode(N, `${write('l1.yaml', lease('alice'))}\n${KC} kubectl create -f /tmp/l1.yaml`)).toMatch(/lease.coordination.k8s.io\/practice created/);
    const again = onNode(N, `${KC} kubectl create -f /tmp/l1.yaml`);
    expect(again.stderr).toMatch(/AlreadyExists.*"practice" already exists/);
    const rv = mustOnNode(N, `${KC} kubectl get lease practice -n kube-system -o jsonpath='{.metadata.resourceVersion}'`).trim();
    expect(rv).toMatch(/^\d+$/);
    expect(mustOnNode(N, `${write('l2.yaml', lease('bob', rv))}\n${KC} kubectl replace -f /tmp/l2.yaml`)).toMatch(/replaced/);
    // The same resourceVersion again is stale now.
    const stale = onNode(N, `${write('l3.yaml', lease('carol', rv))}\n${KC} kubectl replace -f /tmp/l3.yaml`);
    expect(stale.stderr).toMatch(/Conflict|the object has been modified/);
    expect(mustOnNode(N, `${KC} kubectl get leases -n kube-system`)).toMatch(/practice\s+bob\s+/);
    // Kept in the real etcd, visible from another member.
    const key = mustOnNode('controller1', 'ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/etcd/ca.pem --cert=/etc/etcd/etcd.pem --key=/etc/etcd/etcd-key.pem get /registry/leases/kube-system/practice --print-value-only');
    expect(JSON.parse(key).spec.holderIdentity).toBe('bob');
  });

  it('answers 500 with "[-]etcd failed: reason withheld" when etcd is unreachable', () => {
    runService(N, 'test-apiserver-noetcd', `/opt/lockstep/bin/kube-apiserver ${apiserverFlags(controllers()[0]!, ['--secure-port=6444', '--etcd-servers=https://127.0.0.1:2999'])}`);
    waitPort(N, 6444);
    const out = mustOnNode(N, `curl -sS --cacert ${CA} -w '\\n%{http_code}' https://127.0.0.1:6444/healthz; echo; curl -sS --cacert ${CA} -w '\\n%{http_code}' 'https://127.0.0.1:6444/readyz?verbose'`);
    stopService(N, 'test-apiserver-noetcd');
    expect(out).toMatch(/\[-\]etcd failed: reason withheld\n/);
    expect(out).toMatch(/healthz check failed\n\n500/);
    expect(out).toMatch(/readyz check failed\n\n500$/);
  });
});
