import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSanCheckOptions, runSanCheck } from '../../src/certs/index.js';
import { makeApiserverCert, makeCa } from './fixtures.js';
import { LocalRootAccess, tlsServer } from './servers.js';

const day = 86400_000;
const ca = makeCa({ cn: 'Kubernetes', notBefore: new Date(Date.now() - day), notAfter: new Date(Date.now() + 365 * day) });
const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

describe('san-check gate options', () => {
  it('accepts the documented keys', () => {
    expect(parseSanCheckOptions({ endpoints: ['127.0.0.1:6443'], names: ['kubernetes', 10], cert: '/a.pem', timeout: 3 })).toMatchObject({
      endpoints: ['127.0.0.1:6443'],
      names: ['kubernetes', '10'],
      cert: '/a.pem',
      timeout: 3,
    });
    expect(parseSanCheckOptions(null)).toEqual({});
    expect(parseSanCheckOptions({ names: 'kubernetes' }).names).toEqual(['kubernetes']);
  });
  it('names what is wrong', () => {
    expect(() => parseSanCheckOptions({ endpoint: ['x'] })).toThrow('san-check: unknown key "endpoint"; known keys: endpoints, names, cert, key, ca, certDir, unit, timeout');
    expect(() => parseSanCheckOptions({ names: [{ a: 1 }] })).toThrow('"names" must be a list of strings');
    expect(() => parseSanCheckOptions({ timeout: 'soon' })).toThrow('"timeout" must be a number of seconds');
    expect(() => parseSanCheckOptions(['a'])).toThrow('must be a YAML mapping');
    expect(() => parseSanCheckOptions({ endpoints: ['h:0'] })).toThrow(/port must be/);
  });
});

describe('san-check gate on a node', () => {
  it('passes when the node serves its configured certificate with every name, fails with the client error otherwise', async () => {
    const good = makeApiserverCert(ca, { notBefore: new Date(Date.now() - day), notAfter: new Date(Date.now() + 365 * day) });
    const s = await tlsServer({ cert: good.certPem, key: good.keyPem });
    cleanups.push(s.close);
    const node = new LocalRootAccess(mkdtempSync(join(tmpdir(), 'certs-gate-')), 'controller0');
    node.write('/etc/systemd/system/kube-apiserver.service', `[Service]\nExecStart=/usr/local/bin/kube-apiserver --secure-port=${s.port} --tls-cert-file=/k/api.pem --tls-private-key-file=/k/api-key.pem --client-ca-file=/k/ca.pem\n`);
    node.write('/k/api.pem', good.certPem);
    node.write('/k/api-key.pem', good.keyPem);
    node.write('/k/ca.pem', ca.certPem);
    const ok = await runSanCheck(parseSanCheckOptions({ names: ['kubernetes', '192.168.1.21'] }), node, new Date());
    expect(ok.findings).toEqual([]);
    expect(ok.ok).toBe(true);
    expect(ok.summary).toMatch(/^SAN check passed: 1 endpoint/);
    const bad = await runSanCheck(parseSanCheckOptions({ names: ['api.example.com'] }), node, new Date());
    expect(bad.ok).toBe(false);
    expect(bad.findings.map((f) => f.code)).toEqual(['name-missing']);
    expect(bad.summary).toContain('Clients see: x509: certificate is valid for kubernetes, kubernetes.default, kubernetes.default.svc, kubernetes.default.svc.cluster.local, not api.example.com');
  });
});
