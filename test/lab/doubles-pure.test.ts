// Pure parts of the practice doubles: flags, durations, service IPs, etcd ranges, tables,
// and the self-signed certificate generation (checked by parsing what it produced).
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LEASES, NAMESPACES, notFound, table } from '../../src/lab/doubles/api-objects.js';
import { humanDuration, parseFlags } from '../../src/lab/doubles/common.js';
import { prefixEnd } from '../../src/lab/doubles/etcd.js';
import { firstServiceIP, generateSelfSigned, maybeDefaultWithSelfSignedCerts } from '../../src/lab/doubles/selfsigned.js';

describe('parseFlags', () => {
  it('takes --a=b, --a b and booleans, and keeps unknown flags apart', () => {
    const f = parseFlags(['--secure-port=6443', '--bind-address', '0.0.0.0', '--leader-elect', '--v=2', '--allow-privileged', 'true'],
      { 'secure-port': 'value', 'bind-address': 'value', 'leader-elect': 'bool' });
    expect([...f.values]).toEqual([['secure-port', '6443'], ['bind-address', '0.0.0.0'], ['leader-elect', 'true']]);
    expect(f.ignored).toEqual(['--v=2', '--allow-privileged=true']);
    expect(f.errors).toEqual([]);
  });

  it('reports a missing value and stray arguments', () => {
    expect(parseFlags(['--cert-dir'], { 'cert-dir': 'value' }).errors).toEqual(['flag needs an argument: --cert-dir']);
    expect(parseFlags(['stray'], {}).errors).toEqual(['unexpected argument "stray"']);
  });
});

describe('humanDuration', () => {
  it('formats like kubectl ages', () => {
    expect([0, 59_000, 119_000, 200_000, 600_000, 3 * 3600_000 + 60_000, 30 * 3600_000, 3 * 86400_000, 400 * 86400_000].map(humanDuration))
      .toEqual(['0s', '59s', '119s', '3m20s', '10m', '3h1m', '30h', '3d', '400d']);
  });
});

describe('firstServiceIP and prefixEnd', () => {
  it('finds the first IP of a service range', () => {
    expect(firstServiceIP('10.32.0.0/24')).toBe('10.32.0.1');
    expect(firstServiceIP('10.96.0.0/12')).toBe('10.96.0.1');
    expect(() => firstServiceIP('nope')).toThrow(/invalid --service-cluster-ip-range/);
  });
  it('ends an etcd prefix range after the last key with that prefix', () => {
    expect(prefixEnd('/registry/leases/')).toBe('/registry/leases0');
  });
});

describe('api objects', () => {
  it('names resources like Kubernetes in NotFound', () => {
    expect(notFound(LEASES, 'x')).toMatchObject({ code: 404, reason: 'NotFound', message: 'leases.coordination.k8s.io "x" not found' });
    expect(notFound(NAMESPACES, 'y').message).toBe('namespaces "y" not found');
  });
  it('builds a server-side Table with ages', () => {
    const t = table(LEASES, [{ metadata: { name: 'l', creationTimestamp: '2026-01-01T00:00:00Z' }, spec: { holderIdentity: 'h' } }], '7', Date.parse('2026-01-01T00:05:00Z'));
    expect(t).toMatchObject({ kind: 'Table', metadata: { resourceVersion: '7' } });
    expect((t.rows as { cells: string[] }[])[0]?.cells).toEqual(['l', 'h', '5m']);
  });
});

describe('self-signed serving certificates', () => {
  it('generates a leaf then its CA, with the SANs and names client-go gives them', () => {
    const now = new Date('2026-03-01T12:00:00Z');
    const { certPem, keyPem } = generateSelfSigned('10.0.0.5', ['10.32.0.1'], ['kubernetes', 'localhost'], now);
    const [leafPem, caPem] = certPem.split(/(?<=-----END CERTIFICATE-----\r?\n)/);
    const leaf = new X509Certificate(leafPem!);
    const ca = new X509Certificate(caPem!);
    const unix = Math.floor(now.getTime() / 1000);
    expect(leaf.subject).toBe(`CN=10.0.0.5@${unix}`);
    expect(leaf.issuer).toBe(`CN=10.0.0.5-ca@${unix}`);
    expect(ca.ca).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.subjectAltName).toBe('DNS:kubernetes, DNS:localhost, IP Address:10.0.0.5, IP Address:10.32.0.1');
    expect(new Date(leaf.validFrom).getTime()).toBe(now.getTime() - 3600_000);
    expect(new Date(leaf.validTo).getTime() - new Date(leaf.validFrom).getTime()).toBe(365 * 86400_000);
    expect(keyPem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    expect(createPrivateKey(keyPem).asymmetricKeyDetails?.modulusLength).toBe(2048);
  });

  it('reuses a pair as it is, refuses half a pair, and writes a new one with 0644/0600', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockstep-certdir-'));
    const logs: string[] = [];
    const input = { certDir: join(dir, 'k'), advertiseAddress: '10.0.0.5', bindAddress: '0.0.0.0', serviceIP: '10.32.0.1' };
    const made = maybeDefaultWithSelfSignedCerts(input, (m) => logs.push(m));
    expect(made.generated).toBe(true);
    expect(statSync(made.certFile).mode & 0o777).toBe(0o644);
    expect(statSync(made.keyFile).mode & 0o777).toBe(0o600);
    expect(logs).toEqual([`Generated self-signed cert (${made.certFile}, ${made.keyFile})`]);
    expect(new X509Certificate(readFileSync(made.certFile)).subjectAltName).toBe(
      'DNS:kubernetes.default.svc, DNS:kubernetes.default, DNS:kubernetes, DNS:localhost, IP Address:10.0.0.5, IP Address:10.32.0.1');
    writeFileSync(made.certFile, 'not even a certificate');
    expect(maybeDefaultWithSelfSignedCerts(input, (m) => logs.push(m)).generated).toBe(false);
    expect(readFileSync(made.certFile, 'utf8')).toBe('not even a certificate');
    const half = mkdtempSync(join(tmpdir(), 'lockstep-half-'));
    writeFileSync(join(half, 'apiserver.crt'), 'x');
    expect(() => maybeDefaultWithSelfSignedCerts({ ...input, certDir: half }, () => {})).toThrow(
      `error creating self-signed certificates: error reading ${join(half, 'apiserver.key')}, certificate and key must be supplied as a pair`);
  });
});
