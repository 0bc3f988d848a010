// The SAN check against the practice lab: three controllers running the kube-apiserver double
// over real etcd, reached over SSH with the lab's known_hosts, probed with real TLS from this
// machine and with openssl inside each node.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCluster, type CheckReport, type ClusterNode } from '../../src/certs/index.js';
import { register } from '../../src/cli/certs.js';
import { loadInventory } from '../../src/inventory/index.js';
import { connectSsh, type NodeSession } from '../../src/transport/index.js';
import { apiserverFlags, controllers, freshControlPlane, resetControlPlane, waitPort } from '../lab/helpers/controlplane.js';
import { cfg, mustOnNode, onNode } from '../lab/helpers/lab.js';
import { makePki, type Pki } from '../lab/helpers/pki.js';
import { makeApiserverCert, makeCa, type LeafOptions, type Made } from './fixtures.js';

const day = 86400_000;
const TEST_CERT = '/var/lib/kubernetes/test-api.pem';
const TEST_KEY = '/var/lib/kubernetes/test-api-key.pem';
// Its own transient units, a fresh name per start (a stopped transient unit's name is not
// always free again at once); the check finds the process without being told the unit.
const UNIT = 'lockstep-certs-apiserver';
let starts = 0;
let pki: Pki;
let labCa: Made;

function fromPki(): Made {
  const cert = forge.pki.certificateFromPem(readFileSync(pki.file('ca.pem'), 'utf8'));
  const key = forge.pki.privateKeyFromPem(readFileSync(pki.file('ca-key.pem'), 'utf8')) as forge.pki.rsa.PrivateKey;
  return { cert, key, certPem: forge.pki.certificateToPem(cert), keyPem: forge.pki.privateKeyToPem(key), keyPkcs8Pem: '' };
}

const apiserver = (node: string) => controllers().find((n) => n.name === node)!;
const bin = () => `${cfg().nodeBinDir}/kube-apiserver`;

/** (Re)starts kube-apiserver on a node with its normal flags, or with a test certificate, or without TLS flags. */
function serve(node: string, mode: 'normal' | 'test-cert' | 'no-tls-flags', wait = true, collect = true): string {
  let flags = apiserverFlags(apiserver(node));
  if (mode === 'test-cert') {
    flags = flags.replace('--tls-cert-file=/var/lib/kubernetes/kubernetes.pem', `--tls-cert-file=${TEST_CERT}`).replace('--tls-private-key-file=/var/lib/kubernetes/kubernetes-key.pem', `--tls-private-key-file=${TEST_KEY}`);
  }
  if (mode === 'no-tls-flags') flags = flags.split(' ').filter((f) => !f.startsWith('--tls-')).join(' ');
  mustOnNode(node, `systemctl stop '${UNIT}-*' 2>/dev/null; systemctl reset-failed '${UNIT}-*' 2>/dev/null
for i in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/6443) 2>/dev/null || break; sleep 0.1; done
systemd-run ${collect ? '--collect ' : ''}--unit=${UNIT}-${++starts} ${bin()} ${flags} >/dev/null`);
  if (wait) waitPort(node, 6443);
  return `${UNIT}-${starts}`;
}

function install(node: string, made: { certPem: string; keyPem: string }): void {
  mustOnNode(node, `set -e
cat > ${TEST_CERT} <<'EOF'
${made.certPem.trim()}
EOF
cat > ${TEST_KEY} <<'EOF'
${made.keyPem.trim()}
EOF
chmod 0600 ${TEST_KEY}`);
}

function labNames(extra: Partial<LeafOptions> = {}): Made {
  const c = controllers();
  return makeApiserverCert(labCa, {
    ips: [...c.map((n) => n.address), cfg().vip, '10.32.0.1', '127.0.0.1'],
    dns: ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc'],
    notBefore: new Date(Date.now() - day),
    notAfter: new Date(Date.now() + 30 * day),
    ...extra,
  });
}

async function cli(args: string[]): Promise<{ code: number; report: CheckReport }> {
  let out = '';
  let code = -1;
  const program = new Command('lockstep').exitOverride();
  register(program, { stdout: (t) => (out += t), setExitCode: (c) => (code = c), now: () => new Date() });
  await program.parseAsync(['certs', 'check', '-i', cfg().inventoryFile, '--json', ...args], { from: 'user' });
  return { code, report: JSON.parse(out) as CheckReport };
}

/** The check on some controllers only, through the library (sessions from the lab inventory). */
async function checkNodes(names: string[], vip?: string, unit?: string): Promise<CheckReport> {
  const inv = loadInventory(cfg().inventoryFile).value!;
  const sessions: NodeSession[] = [];
  try {
    const nodes: ClusterNode[] = [];
    for (const n of inv.nodes.filter((x) => names.includes(x.name))) {
      const s = await connectSsh(n, { knownHostsFile: inv.knownHosts });
      sessions.push(s);
      nodes.push({ node: n.name, address: n.address, access: s });
    }
    return await checkCluster({ nodes, vip, names: ['kubernetes'], now: new Date(), ...(unit ? { inspect: { unit } } : {}) });
  } finally {
    await Promise.allSettled(sessions.map((s) => s.close()));
  }
}

describe('lockstep certs check on the lab', () => {
  beforeAll(async () => {
    const c = controllers();
    pki = makePki(c.map((n) => n.address), cfg().vip);
    labCa = fromPki();
    await freshControlPlane(pki);
    for (const n of c) serve(n.name, 'normal', false);
    for (const n of c) waitPort(n.name, 6443);
    // The VIP, held by controller0 (keepalived's job in the runbooks).
    onNode('controller0', `ip addr add ${cfg().vip}/32 dev eth0 2>/dev/null; true`);
    // An earlier test may have left the VIP on another node (keepalived on the gateway): forget
    // the host's cached MAC for it so the next packet asks who holds it now.
    spawnSync('ip', ['neigh', 'flush', 'to', cfg().vip], { stdio: 'ignore' });
  });
  afterAll(async () => {
    onNode('controller0', `ip addr del ${cfg().vip}/32 dev eth0 2>/dev/null; ip addr del ${cfg().subnetPrefix}.101/32 dev eth0 2>/dev/null; true`);
    for (const n of controllers()) onNode(n.name, `systemctl stop '${UNIT}-*'; systemctl reset-failed '${UNIT}-*'; rm -f ${TEST_CERT} ${TEST_KEY}; true`);
    await resetControlPlane();
  });

  it('passes the healthy control plane: every node, its loopback and the VIP', async () => {
    const { code, report } = await cli(['--name', 'kubernetes']);
    expect(report.problems).toEqual([]);
    expect(code).toBe(0);
    expect(report.nodes.map((n) => n.endpoints.length)).toEqual([2, 2, 2]);
    expect(report.nodes.every((n) => n.endpoints.every((e) => e.servedFrom === 'configured'))).toBe(true);
    expect(report.shared.map((e) => e.endpoint)).toEqual([`${cfg().vip}:6443`]);
  });

  it("diagnoses the article's stale self-signed certificate, naming the file and its SANs", async () => {
    const n = apiserver('controller1');
    mustOnNode('controller1', 'rm -rf /var/run/kubernetes');
    serve('controller1', 'no-tls-flags');
    try {
      const { code, report } = await cli(['--name', 'kubernetes']);
      expect(code).toBe(1);
      const head = report.problems[0]!;
      expect(head.code).toBe('serves-cert-dir-pair');
      expect(head.node).toBe('controller1');
      expect(head.title).toContain(`${n.address}:6443`);
      expect(head.title).toContain("serves kube-apiserver's self-signed /var/run/kubernetes/apiserver.crt");
      expect(head.detail).toContain(`IP:${n.address}, IP:10.32.0.1, DNS:kubernetes.default.svc, DNS:kubernetes.default, DNS:kubernetes, DNS:localhost`);
      expect(head.fix).toContain('sudo rm /var/run/kubernetes/apiserver.crt /var/run/kubernetes/apiserver.key');
      const lo = report.problems.find((p) => p.code === 'name-missing' && p.node === 'controller1' && p.name === '127.0.0.1');
      expect(lo?.clientError).toContain(`x509: certificate is valid for ${n.address}, 10.32.0.1, not 127.0.0.1`);
      expect(report.problems.some((p) => p.code === 'different-cas')).toBe(true);
      expect(report.nodes[1]!.files.certDirListing?.sort()).toEqual(['apiserver.crt', 'apiserver.key']);
    } finally {
      serve('controller1', 'normal');
    }
  });

  it('a certificate without 127.0.0.1', async () => {
    const c = controllers();
    install('controller0', labNames({ ips: [...c.map((n) => n.address), cfg().vip, '10.32.0.1'] }));
    serve('controller0', 'test-cert');
    const r = await checkNodes(['controller0']);
    expect(r.problems.map((p) => p.code)).toEqual(['name-missing']);
    expect(r.problems[0]!.endpoint).toBe('127.0.0.1:6443 (on controller0)');
    expect(r.problems[0]!.clientError).toContain(`x509: certificate is valid for ${c.map((n) => n.address).join(', ')}, ${cfg().vip}, 10.32.0.1, not 127.0.0.1`);
  });

  it('a certificate signed by another CA', async () => {
    const other = makeCa({ cn: 'lockstep-lab-test-ca', notBefore: new Date(Date.now() - day) });
    const c = controllers();
    install('controller0', makeApiserverCert(other, { ips: [...c.map((n) => n.address), cfg().vip, '127.0.0.1'], notBefore: new Date(Date.now() - day) }));
    serve('controller0', 'test-cert');
    const r = await checkNodes(['controller0', 'controller2']);
    const unknown = r.problems.find((p) => p.code === 'unknown-ca')!;
    expect(unknown.node).toBe('controller0');
    // Same CN, but openssl writes it as UTF8String and node-forge as PrintableString: the raw
    // names differ, so Go (and lockstep) do not even try it as a parent, and print no hint.
    expect(unknown.clientError!.split('\n')[0]).toBe('x509: certificate signed by unknown authority');
    expect(r.problems.some((p) => p.code === 'different-cas')).toBe(true);
  });

  it('an expired certificate', async () => {
    install('controller0', labNames({ notBefore: new Date(Date.now() - 10 * day), notAfter: new Date(Date.now() - day) }));
    serve('controller0', 'test-cert');
    const r = await checkNodes(['controller0']);
    const expired = r.problems.find((p) => p.code === 'expired')!;
    expect(expired.clientError).toMatch(/x509: certificate has expired or is not yet valid: current time \S+ is after \S+/);
  });

  it('a key that does not match the certificate', async () => {
    const cert = labNames();
    install('controller0', { certPem: cert.certPem, keyPem: labNames().keyPem });
    // It refuses to start, as the real one does: its flags are then only in its (failed) unit.
    const unit = serve('controller0', 'test-cert', false, false);
    mustOnNode('controller0', `for i in $(seq 1 100); do systemctl is-failed -q ${unit} && exit 0; sleep 0.1; done; exit 1`);
    const r = await checkNodes(['controller0'], undefined, unit);
    expect(r.problems.find((p) => p.code === 'unreachable')?.detail).toMatch(/connection refused/);
    const mismatch = r.problems.find((p) => p.code === 'key-mismatch')!;
    expect(mismatch.title).toBe(`controller0: ${TEST_KEY} is not the key of ${TEST_CERT}`);
  });

  it('a changed VIP that the certificate lacks', async () => {
    serve('controller0', 'normal');
    const newVip = `${cfg().subnetPrefix}.101`;
    mustOnNode('controller0', `ip addr add ${newVip}/32 dev eth0 2>/dev/null; true`);
    const r = await checkNodes(['controller0'], newVip);
    const missing = r.problems.filter((p) => p.code === 'name-missing' && p.name === newVip);
    expect(missing.length).toBeGreaterThan(0);
    expect(missing[0]!.clientError).toMatch(new RegExp(`^x509: certificate is valid for .*, not ${newVip.replace(/\./g, '\\.')}\\n`));
  });
});
