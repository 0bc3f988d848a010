import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCertificatesPem, probeTls, probeViaNode } from '../../src/certs/index.js';
import { makeApiserverCert, makeCa, makeLeaf } from './fixtures.js';
import { LocalRootAccess, freePort, opensslServer, silentServer, tlsServer } from './servers.js';

const ca = makeCa({ cn: 'Kubernetes' });
const leaf = makeApiserverCert(ca);
const other = makeLeaf({ ca, cn: 'other', dns: ['other.example'] });
const dir = mkdtempSync(join(tmpdir(), 'certs-probe-'));
const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

describe('TLS prober (node:tls servers on loopback)', () => {
  it('reads the served chain without trusting it, and selects by SNI', async () => {
    const s = await tlsServer({ cert: leaf.certPem + ca.certPem, key: leaf.keyPem }, { 'other.example': { cert: other.certPem, key: other.keyPem } });
    cleanups.push(s.close);
    const plain = await probeTls('127.0.0.1', s.port);
    expect(plain.error).toBeUndefined();
    expect(plain.chain).toHaveLength(2);
    expect(plain.chain![0]!.fingerprint256).toBe(parseCertificatesPem(leaf.certPem, 'x')[0]!.fingerprint256);
    expect(plain.chain![1]!.isCA).toBe(true);
    const sni = await probeTls('127.0.0.1', s.port, { servername: 'other.example' });
    expect(sni.chain![0]!.dnsNames).toEqual(['other.example']);
  });

  it('reports refused connections and time-outs as findings', async () => {
    const port = await freePort();
    const refused = await probeTls('127.0.0.1', port);
    expect(refused.error?.kind).toBe('refused');
    expect(refused.error?.message).toBe(`127.0.0.1:${port}: connection refused`);
    const silent = await silentServer();
    cleanups.push(silent.close);
    const started = Date.now();
    const slow = await probeTls('127.0.0.1', silent.port, { timeoutMs: 300 });
    expect(slow.error?.kind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe('probing from inside a node (openssl s_client over the node exec channel)', () => {
  const node = new LocalRootAccess(dir, 'local');
  it('reads the same chain as a direct probe, from openssl s_server', async () => {
    const s = await opensslServer(dir, { cert: leaf.certPem + ca.certPem, key: leaf.keyPem });
    cleanups.push(s.stop);
    const direct = await probeTls('127.0.0.1', s.port);
    const via = await probeViaNode(node, '127.0.0.1', s.port, { node: 'local' });
    expect(via.error).toBeUndefined();
    expect(via.chain!.map((c) => c.fingerprint256)).toEqual(direct.chain!.map((c) => c.fingerprint256));
    expect(via.chain).toHaveLength(2);
  });
  it('sends SNI when asked', async () => {
    const s = await tlsServer({ cert: leaf.certPem, key: leaf.keyPem }, { 'other.example': { cert: other.certPem, key: other.keyPem } });
    cleanups.push(s.close);
    const via = await probeViaNode(node, '127.0.0.1', s.port, { servername: 'other.example' });
    expect(via.chain![0]!.commonName).toBe('other');
  });
  it('reports a refused connection', async () => {
    const port = await freePort();
    const via = await probeViaNode(node, '127.0.0.1', port, { node: 'controller0' });
    expect(via.error).toEqual({ kind: 'refused', message: `127.0.0.1:${port} on controller0: connection refused` });
  });
});
