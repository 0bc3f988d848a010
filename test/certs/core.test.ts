import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CertParseError,
  checkValidity,
  formatIp,
  goClientError,
  hostnameError,
  matchesName,
  parseCertificatesPem,
  parseIp,
  parsePrivateKeyPem,
  verifyChain,
} from '../../src/certs/index.js';
import { KTHW, makeApiserverCert, makeCa, makeCertDirPair, makeLeaf } from './fixtures.js';

const NOW = new Date(Date.UTC(2026, 5, 1));
const names = (dns: string[], ips: string[], hasSanExtension = true, commonName?: string) => ({ dnsNames: dns, ipAddresses: ips, hasSanExtension, commonName });

describe('IP addresses like Go', () => {
  it('parses and formats v4, v6, mapped', () => {
    expect(formatIp(parseIp('10.0.0.1')!)).toBe('10.0.0.1');
    expect(formatIp(parseIp('::ffff:10.0.0.1')!)).toBe('10.0.0.1');
    expect(formatIp(parseIp('2001:db8:0:0:1:0:0:1')!)).toBe('2001:db8::1:0:0:1');
    expect(formatIp(parseIp('::1')!)).toBe('::1');
    expect(formatIp(parseIp('fe80::')!)).toBe('fe80::');
    expect(formatIp(Uint8Array.from([127, 0, 0, 1]))).toBe('127.0.0.1');
    expect(parseIp('kubernetes')).toBeNull();
    expect(parseIp('300.1.1.1')).toBeNull();
  });
});

describe('hostname verification (Go crypto/x509 rules)', () => {
  const c = names(['kubernetes', '*.example.com', 'Kubernetes.Default'], ['10.0.0.11', '10.32.0.1']);
  it('matches IPs only against IP SANs and names against DNS SANs, case-insensitively', () => {
    expect(matchesName(c, '10.0.0.11')).toBe(true);
    expect(matchesName(c, '[10.0.0.11]')).toBe(true);
    expect(matchesName(c, 'kubernetes.default')).toBe(true);
    expect(matchesName(c, 'KUBERNETES')).toBe(true);
    expect(matchesName(c, 'kubernetes.')).toBe(true);
    expect(matchesName(names(['10.0.0.11'], []), '10.0.0.11')).toBe(false);
  });
  it('wildcards cover exactly one left-most label', () => {
    expect(matchesName(c, 'a.example.com')).toBe(true);
    expect(matchesName(c, 'a.b.example.com')).toBe(false);
    expect(matchesName(c, 'example.com')).toBe(false);
    expect(matchesName(names(['a*.example.com'], []), 'ab.example.com')).toBe(false);
  });
  it('never falls back to the CN', () => {
    expect(matchesName(names([], [], false, 'kubernetes'), 'kubernetes')).toBe(false);
    expect(hostnameError(names([], [], false, 'kubernetes'), 'kubernetes')).toBe('x509: certificate relies on legacy Common Name field, use SANs instead');
  });
  it('prints the exact Go messages', () => {
    expect(hostnameError(c, '127.0.0.1')).toBe('x509: certificate is valid for 10.0.0.11, 10.32.0.1, not 127.0.0.1');
    expect(hostnameError(c, 'kubernetes.local')).toBe('x509: certificate is valid for kubernetes, *.example.com, Kubernetes.Default, not kubernetes.local');
    expect(hostnameError(names(['kubernetes'], []), '10.0.0.1')).toBe("x509: cannot validate certificate for 10.0.0.1 because it doesn't contain any IP SANs");
    expect(hostnameError(names([], ['10.0.0.1']), 'api')).toBe('x509: certificate is not valid for any names, but wanted to match api');
    expect(hostnameError(c, '10.0.0.11')).toBeNull();
  });
});

describe('parsing', () => {
  const ca = makeCa({ cn: 'Kubernetes' });
  const leaf = makeApiserverCert(ca);
  it('reads a chain, SANs, fingerprints and both key formats', () => {
    const chain = parseCertificatesPem(leaf.certPem + ca.certPem, '/etc/k/kubernetes.pem');
    expect(chain).toHaveLength(2);
    expect(chain[0]!.source).toBe('/etc/k/kubernetes.pem#1');
    expect(chain[0]!.ipAddresses).toEqual([...KTHW.controllers, KTHW.vip, '127.0.0.1', KTHW.serviceIp]);
    expect(chain[0]!.dnsNames).toEqual(KTHW.dns);
    expect(chain[1]!.isCA).toBe(true);
    expect(chain[0]!.isCA).toBe(false);
    expect(chain[0]!.issuerId).toBe(chain[1]!.subjectId);
    // Same fingerprint as openssl prints.
    const dir = mkdtempSync(join(tmpdir(), 'certs-'));
    const file = join(dir, 'c.pem');
    require_write(file, leaf.certPem);
    const openssl = execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256', '-in', file]).toString();
    expect(openssl.trim().split('=')[1]).toBe(chain[0]!.fingerprint256);
    const k1 = parsePrivateKeyPem(leaf.keyPem, 'k1');
    const k8 = parsePrivateKeyPem(leaf.keyPkcs8Pem, 'k8');
    expect(k1.format).toBe('pkcs1');
    expect(k8.format).toBe('pkcs8');
    expect(k1.publicKeyFingerprint256).toBe(chain[0]!.publicKeyFingerprint256);
    expect(k8.publicKeyFingerprint256).toBe(chain[0]!.publicKeyFingerprint256);
  });
  it('names the file and line for garbage', () => {
    expect(() => parseCertificatesPem('hello', '/x/c.pem')).toThrow(/\/x\/c\.pem: no PEM certificate/);
    expect(() => parseCertificatesPem(`\n\n${leaf.keyPem}`, '/x/k.pem')).toThrow(/\/x\/k\.pem:3: expected a certificate .* "RSA PRIVATE KEY"; is this the key file/);
    expect(() => parseCertificatesPem('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', 'f')).toThrow(CertParseError);
    expect(() => parsePrivateKeyPem(leaf.certPem, '/x/c.pem')).toThrow(/\/x\/c\.pem:1: expected a private key.*is this the certificate file/);
  });
  it('reads ECDSA certificates and keys through the fallback', () => {
    const dir = mkdtempSync(join(tmpdir(), 'certs-ec-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=ec', '-addext', 'subjectAltName=IP:10.0.0.5,DNS:ec.local', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '2'], { stdio: 'ignore' });
    const [cert] = parseCertificatesPem(readFileSync(join(dir, 'c.pem'), 'utf8'), 'c.pem');
    const key = parsePrivateKeyPem(readFileSync(join(dir, 'k.pem'), 'utf8'), 'k.pem');
    expect(cert!.ipAddresses).toEqual(['10.0.0.5']);
    expect(cert!.dnsNames).toEqual(['ec.local']);
    expect(key.publicKeyFingerprint256).toBe(cert!.publicKeyFingerprint256);
  });
});

function require_write(file: string, text: string): void {
  execFileSync('tee', [file], { input: text, stdio: ['pipe', 'ignore', 'ignore'] });
}

describe('dates and chains', () => {
  const ca = makeCa({ cn: 'Kubernetes' });
  const other = makeCa({ cn: 'Kubernetes' });
  it('validity window at a given time, with Go wording', () => {
    const expired = parseCertificatesPem(makeApiserverCert(ca, { notAfter: new Date(Date.UTC(2026, 0, 1)) }).certPem, 'e')[0]!;
    const future = parseCertificatesPem(makeApiserverCert(ca, { notBefore: new Date(Date.UTC(2027, 0, 1)) }).certPem, 'f')[0]!;
    expect(checkValidity(expired, NOW)).toEqual({ state: 'expired', message: 'x509: certificate has expired or is not yet valid: current time 2026-06-01T00:00:00Z is after 2026-01-01T00:00:00Z' });
    expect(checkValidity(future, NOW).state).toBe('not-yet-valid');
    expect(checkValidity(expired, new Date(Date.UTC(2025, 5, 1))).state).toBe('valid');
  });
  it('builds a chain to the trusted CA, and names the candidate another CA of the same name', () => {
    const leaf = parseCertificatesPem(makeApiserverCert(ca).certPem, 'l')[0]!;
    const caInfo = parseCertificatesPem(ca.certPem, 'ca')[0]!;
    const otherInfo = parseCertificatesPem(other.certPem, 'other')[0]!;
    expect(verifyChain(leaf, [], [caInfo], NOW).ok).toBe(true);
    const r = verifyChain(leaf, [], [otherInfo], NOW);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toBe('x509: certificate signed by unknown authority (possibly because of "crypto/rsa: verification error" while trying to verify candidate authority certificate "Kubernetes")');
    const unrelated = parseCertificatesPem(makeCa({ cn: 'Elsewhere' }).certPem, 'x')[0]!;
    const r2 = verifyChain(leaf, [], [unrelated], NOW);
    expect(!r2.ok && r2.message).toBe('x509: certificate signed by unknown authority');
  });
  it('goes through served intermediates', () => {
    const root = makeCa({ cn: 'root' });
    const inter = makeLeaf({ ca: root, cn: 'intermediate' });
    // An intermediate must be a CA; the forge leaf helper is not one, so the chain is refused.
    const leafM = makeLeaf({ ca: inter, cn: 'api', ips: ['10.0.0.1'] });
    const [l] = parseCertificatesPem(leafM.certPem, 'l');
    const [i] = parseCertificatesPem(inter.certPem, 'i');
    const [r] = parseCertificatesPem(root.certPem, 'r');
    const res = verifyChain(l!, [i!], [r!], NOW);
    expect(res.ok).toBe(false);
    expect(!res.ok && res.message).toBe('x509: certificate is not authorized to sign other certificates');
    // With a real intermediate CA the chain is leaf → intermediate → root.
    const ica = makeCa({ cn: 'intermediate-ca', issuer: root });
    const [l2] = parseCertificatesPem(makeLeaf({ ca: ica, cn: 'api', ips: ['10.0.0.1'] }).certPem, 'l2');
    const [i2] = parseCertificatesPem(ica.certPem, 'i2');
    const ok = verifyChain(l2!, [i2!], [r!], NOW);
    expect(ok.ok && ok.path.map((c) => c.commonName)).toEqual(['api', 'intermediate-ca', 'root']);
    expect(verifyChain(l2!, [], [r!], NOW).ok).toBe(false);
  });
  it('reports what a Go client sees first: dates, then the name, then the CA', () => {
    const pair = makeCertDirPair('10.0.0.11', '10.32.0.1', new Date(Date.UTC(2026, 4, 1)));
    const chain = parseCertificatesPem(pair.crt, '/var/run/kubernetes/apiserver.crt');
    const roots = parseCertificatesPem(ca.certPem, 'ca.pem');
    expect(goClientError(chain, '127.0.0.1', roots, NOW)).toBe('x509: certificate is valid for 10.0.0.11, 10.32.0.1, not 127.0.0.1');
    expect(goClientError(chain, 'kubernetes.default.svc.cluster.local', roots, NOW)).toBe(
      'x509: certificate is valid for kubernetes.default.svc, kubernetes.default, kubernetes, localhost, not kubernetes.default.svc.cluster.local',
    );
    expect(goClientError(chain, '10.0.0.11', roots, NOW)).toBe('x509: certificate signed by unknown authority');
    expect(goClientError(chain, '10.0.0.11', parseCertificatesPem(pair.ca.certPem, 'c'), NOW)).toBeNull();
  });
});
