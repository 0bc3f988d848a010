import { describe, expect, it } from 'vitest';
import {
  configFromFlags,
  diagnose,
  parseCertificatesPem,
  parsePrivateKeyPem,
  type CertInfo,
  type EndpointObservation,
  type NodeFiles,
} from '../../src/certs/index.js';
import { KTHW, makeApiserverCert, makeCa, makeCertDirPair, type Made } from './fixtures.js';

const NOW = new Date(Date.UTC(2026, 5, 1));
const CERT = '/var/lib/kubernetes/kubernetes.pem';
const KEY = '/var/lib/kubernetes/kubernetes-key.pem';
const caM = makeCa({ cn: 'Kubernetes' });
const ca = { source: 'ca.pem', certs: parseCertificatesPem(caM.certPem, 'ca.pem') };
const good = makeApiserverCert(caM);

function files(opts: { cert?: Made; key?: Made; flags?: Record<string, string>; certDir?: { crt: string; key: string } }): NodeFiles {
  const flags = opts.flags ?? { 'tls-cert-file': CERT, 'tls-private-key-file': KEY };
  const f: NodeFiles = { config: configFromFlags(flags, 'systemctl cat kube-apiserver') };
  if (flags['tls-cert-file'] && opts.cert) f.certFile = { path: CERT, exists: true, value: parseCertificatesPem(opts.cert.certPem, CERT) };
  if (flags['tls-private-key-file'] && (opts.key ?? opts.cert)) f.keyFile = { path: KEY, exists: true, value: parsePrivateKeyPem((opts.key ?? opts.cert)!.keyPem, KEY) };
  const dir = '/var/run/kubernetes';
  f.certDirCert = opts.certDir ? { path: `${dir}/apiserver.crt`, exists: true, value: parseCertificatesPem(opts.certDir.crt, `${dir}/apiserver.crt`) } : { path: `${dir}/apiserver.crt`, exists: false };
  f.certDirKey = opts.certDir ? { path: `${dir}/apiserver.key`, exists: true, value: parsePrivateKeyPem(opts.certDir.key, `${dir}/apiserver.key`) } : { path: `${dir}/apiserver.key`, exists: false };
  return f;
}

function served(node: string, address: string, chainPem: string, names: string[] = [address, KTHW.vip]): EndpointObservation {
  return { endpoint: `${address}:6443`, host: address, port: 6443, node, names, chain: parseCertificatesPem(chainPem, `${address}:6443`) };
}
function loopback(node: string, chainPem: string): EndpointObservation {
  return { endpoint: '127.0.0.1:6443', host: '127.0.0.1', port: 6443, via: node, names: ['127.0.0.1'], chain: parseCertificatesPem(chainPem, '127.0.0.1:6443') };
}

describe('diagnose', () => {
  it('passes a healthy three-node control plane', () => {
    const nodes = KTHW.controllers.map((a, i) => ({ node: `controller${i}`, files: files({ cert: good }), names: [a, '127.0.0.1', KTHW.vip] }));
    const eps = KTHW.controllers.flatMap((a, i) => [served(`controller${i}`, a, good.certPem), loopback(`controller${i}`, good.certPem)]);
    const r = diagnose({ now: NOW, ca, nodes, endpoints: eps });
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.nodes[0]!.endpoints.map((e) => e.servedFrom)).toEqual(['configured', 'configured']);
  });

  it('names the stale self-signed cert-dir pair, its SANs, why, and the fix', () => {
    const pair = makeCertDirPair('192.168.1.12', KTHW.serviceIp, new Date(Date.UTC(2026, 4, 1)));
    const f = files({ flags: { 'advertise-address': '192.168.1.12' }, certDir: pair });
    const r = diagnose({
      now: NOW,
      ca,
      nodes: [{ node: 'controller1', files: f, names: ['192.168.1.12', '127.0.0.1'] }],
      endpoints: [served('controller1', '192.168.1.12', pair.crt), loopback('controller1', pair.crt)],
    });
    expect(r.ok).toBe(false);
    const head = r.problems[0]!;
    expect(head.code).toBe('serves-cert-dir-pair');
    expect(head.title).toContain('/var/run/kubernetes/apiserver.crt');
    expect(head.detail).toContain('IP:192.168.1.12, IP:10.32.0.1, DNS:kubernetes.default.svc, DNS:kubernetes.default, DNS:kubernetes, DNS:localhost');
    expect(head.detail).toMatch(/without --tls-cert-file and --tls-private-key-file/);
    expect(head.fix).toMatch(/--tls-cert-file.*--tls-private-key-file/);
    expect(head.fix).toContain('sudo rm /var/run/kubernetes/apiserver.crt /var/run/kubernetes/apiserver.key');
    expect(head.fix).toMatch(/restart kube-apiserver/);
    expect(head.fix).toMatch(/do not/);
    // One headline for the node, naming both endpoints that serve the pair.
    expect(r.problems.filter((p) => p.code === 'serves-cert-dir-pair')).toHaveLength(1);
    expect(head.endpoint).toBe('192.168.1.12:6443, 127.0.0.1:6443 (on controller1)');
    expect(head.title.startsWith('192.168.1.12:6443, 127.0.0.1:6443 (on controller1) serves')).toBe(true);
    const codes = r.problems.map((p) => p.code);
    expect(codes).not.toContain('no-tls-flags');
    expect(codes).toContain('unknown-ca');
    const missing = r.problems.find((p) => p.code === 'name-missing' && p.name === '127.0.0.1')!;
    expect(missing.clientError).toContain('x509: certificate is valid for 192.168.1.12, 10.32.0.1, not 127.0.0.1');
    expect(missing.clientError).toContain('tls: failed to verify certificate: x509: certificate is valid for 192.168.1.12, 10.32.0.1, not 127.0.0.1');
    const vip = r.problems.find((p) => p.code === 'name-missing' && p.name === KTHW.vip)!;
    expect(vip.clientError).toContain(`not ${KTHW.vip}`);
  });

  it('recognises the self-generated certificate even when its file is gone', () => {
    const pair = makeCertDirPair('192.168.1.11', KTHW.serviceIp, new Date(Date.UTC(2026, 4, 1)));
    const r = diagnose({ now: NOW, nodes: [{ node: 'c0', files: files({ flags: {} }) }], endpoints: [served('c0', '192.168.1.11', pair.crt)] });
    expect(r.problems[0]!.code).toBe('serves-cert-dir-pair');
    expect(r.problems[0]!.detail).toMatch(/generated it for 192\.168\.1\.11/);
  });

  it('a certificate without 127.0.0.1', () => {
    const no127 = makeApiserverCert(caM, { ips: [...KTHW.controllers, KTHW.vip, KTHW.serviceIp] });
    const r = diagnose({ now: NOW, ca, nodes: [{ node: 'c0', files: files({ cert: no127 }) }], endpoints: [served('c0', KTHW.controllers[0]!, no127.certPem), loopback('c0', no127.certPem)] });
    expect(r.problems.map((p) => p.code)).toEqual(['name-missing']);
    expect(r.problems[0]!.name).toBe('127.0.0.1');
    expect(r.problems[0]!.clientError!.split('\n')[0]).toBe('x509: certificate is valid for 192.168.1.11, 192.168.1.12, 192.168.1.13, 192.168.1.21, 10.32.0.1, not 127.0.0.1');
    expect(r.nodes[0]!.endpoints[1]!.namesMissing).toEqual(['127.0.0.1']);
  });

  it('a changed VIP the certificate lacks, and a DNS name it lacks', () => {
    const r = diagnose({ now: NOW, ca, nodes: [{ node: 'c0', files: files({ cert: good }) }], endpoints: [served('c0', KTHW.controllers[0]!, good.certPem, [KTHW.controllers[0]!, '192.168.1.30', 'api.example.com'])] });
    const msgs = r.problems.map((p) => p.clientError?.split('\n')[0]);
    expect(msgs).toContain('x509: certificate is valid for 192.168.1.11, 192.168.1.12, 192.168.1.13, 192.168.1.21, 127.0.0.1, 10.32.0.1, not 192.168.1.30');
    expect(msgs).toContain('x509: certificate is valid for kubernetes, kubernetes.default, kubernetes.default.svc, kubernetes.default.svc.cluster.local, not api.example.com');
  });

  it('a certificate signed by another CA, and different CAs across nodes', () => {
    const other = makeCa({ cn: 'Kubernetes' });
    const foreign = makeApiserverCert(other);
    const r = diagnose({
      now: NOW,
      ca,
      nodes: [
        { node: 'c0', files: files({ cert: good }) },
        { node: 'c1', files: files({ cert: foreign }) },
      ],
      endpoints: [served('c0', KTHW.controllers[0]!, good.certPem), served('c1', KTHW.controllers[1]!, foreign.certPem)],
    });
    const unknown = r.problems.filter((p) => p.code === 'unknown-ca');
    expect(unknown.length).toBeGreaterThan(0);
    expect(unknown.every((p) => p.node === 'c1')).toBe(true);
    expect(unknown[0]!.clientError).toContain('x509: certificate signed by unknown authority (possibly because of "crypto/rsa: verification error" while trying to verify candidate authority certificate "Kubernetes")');
    const diff = r.problems.find((p) => p.code === 'different-cas')!;
    expect(diff.detail).toMatch(/c0: issued by CN=Kubernetes; c1: issued by CN=Kubernetes/);
  });

  it('expired and not yet valid', () => {
    const expired = makeApiserverCert(caM, { notAfter: new Date(Date.UTC(2026, 0, 1)) });
    const future = makeApiserverCert(caM, { notBefore: new Date(Date.UTC(2026, 11, 1)) });
    const r = diagnose({ now: NOW, ca, nodes: [{ node: 'c0', files: files({ cert: expired }) }, { node: 'c1', files: files({ cert: future }) }], endpoints: [] });
    const e = r.problems.find((p) => p.code === 'expired')!;
    expect(e.node).toBe('c0');
    expect(e.clientError).toContain('x509: certificate has expired or is not yet valid: current time 2026-06-01T00:00:00Z is after 2026-01-01T00:00:00Z');
    const nb = r.problems.find((p) => p.code === 'not-yet-valid')!;
    expect(nb.node).toBe('c1');
    expect(nb.clientError).toContain('is before 2026-12-01T00:00:00Z');
  });

  it('a key that does not match the certificate', () => {
    const other = makeApiserverCert(caM);
    const r = diagnose({ now: NOW, ca, nodes: [{ node: 'c0', files: files({ cert: good, key: other }) }], endpoints: [] });
    expect(r.problems.map((p) => p.code)).toEqual(['key-mismatch']);
    expect(r.problems[0]!.title).toBe(`c0: ${KEY} is not the key of ${CERT}`);
  });

  it('a served certificate that is not the configured file, and a unit not applied', () => {
    const old = makeApiserverCert(caM);
    const f = files({ cert: good });
    f.config!.unitDiffersFromProcess = { unit: { 'tls-cert-file': CERT }, process: { 'tls-cert-file': undefined } };
    const r = diagnose({ now: NOW, ca, nodes: [{ node: 'c0', files: f }], endpoints: [served('c0', KTHW.controllers[0]!, old.certPem)] });
    const codes = r.problems.map((p) => p.code);
    expect(codes).toContain('serves-other-certificate');
    expect(codes).toContain('unit-not-applied');
  });

  it('an endpoint that refuses connections', () => {
    const r = diagnose({ now: NOW, nodes: [], endpoints: [{ endpoint: '127.0.0.1:6443', host: '127.0.0.1', port: 6443, via: 'c0', names: ['127.0.0.1'], error: { kind: 'refused', message: '127.0.0.1:6443 on c0: connection refused' } }] });
    expect(r.ok).toBe(false);
    expect(r.problems[0]!.code).toBe('unreachable');
    expect(r.problems[0]!.fix).toMatch(/systemctl status kube-apiserver/);
  });

  it('only one of the cert dir pair', () => {
    const pair = makeCertDirPair('10.0.0.1', KTHW.serviceIp, NOW);
    const f = files({ flags: {}, certDir: pair });
    f.certDirKey = { path: '/var/run/kubernetes/apiserver.key', exists: false };
    const r = diagnose({ now: NOW, nodes: [{ node: 'c0', files: f }], endpoints: [] });
    expect(r.problems.map((p) => p.code)).toContain('cert-dir-half-pair');
  });
});

export type { CertInfo };
