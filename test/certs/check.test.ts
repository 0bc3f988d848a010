import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkCluster,
  checkFiles,
  cmdlineArgv,
  execStartArgv,
  inspectNode,
  parseCertificatesPem,
  parseEndpoint,
  parseFlags,
  readApiserverConfig,
  type NodeAccess,
} from '../../src/certs/index.js';
import { KTHW, makeApiserverCert, makeCa, makeCertDirPair } from './fixtures.js';
import { LocalRootAccess, tlsServer } from './servers.js';

const NOW = new Date();
const ca = makeCa({ cn: 'Kubernetes', notBefore: new Date(Date.now() - 86400_000), notAfter: new Date(Date.now() + 365 * 86400_000) });
const dates = { notBefore: new Date(Date.now() - 86400_000), notAfter: new Date(Date.now() + 365 * 86400_000) };
const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

describe('kube-apiserver flags', () => {
  it('reads ExecStart from systemctl cat output, with continuations, quotes and drop-in resets', () => {
    const text = [
      '# /etc/systemd/system/kube-apiserver.service',
      '[Unit]',
      'Description=Kubernetes API Server',
      '[Service]',
      'ExecStart=/usr/local/bin/kube-apiserver \\',
      '  --advertise-address=192.168.1.11 \\',
      '  --tls-cert-file=/var/lib/kubernetes/kubernetes.pem \\',
      '  --runtime-config=\'api/all=true\' \\',
      '  --v=2',
      '',
      '# /etc/systemd/system/kube-apiserver.service.d/override.conf',
      '[Service]',
      'ExecStart=',
      'ExecStart=-/usr/local/bin/kube-apiserver --secure-port 7443 --tls-cert-file="/etc/k 8s/a.pem" --insecure',
    ].join('\n');
    const argv = execStartArgv(text)!;
    expect(argv[0]).toBe('/usr/local/bin/kube-apiserver');
    expect(parseFlags(argv)).toEqual({ 'secure-port': '7443', 'tls-cert-file': '/etc/k 8s/a.pem', insecure: 'true' });
    expect(parseFlags(execStartArgv(text.split('\n').slice(0, 9).join('\n'))!)).toMatchObject({ 'runtime-config': 'api/all=true', 'advertise-address': '192.168.1.11' });
    expect(execStartArgv('[Service]\nType=notify\n')).toBeNull();
  });
  it('reads /proc/<pid>/cmdline', () => {
    expect(parseFlags(cmdlineArgv(Buffer.from('/usr/bin/kube-apiserver\0--cert-dir=/x\0--bind-address\x000.0.0.0\0')))).toEqual({ 'cert-dir': '/x', 'bind-address': '0.0.0.0' });
  });
  it('prefers the running process and notices a unit that was not applied (in-memory node)', async () => {
    const node: NodeAccess = {
      exec: async (cmd) => {
        const out = cmd.startsWith('systemctl cat')
          ? '[Service]\nExecStart=/usr/local/bin/kube-apiserver --tls-cert-file=/a.pem --tls-private-key-file=/a.key\n'
          : cmd.startsWith('systemctl show')
            ? '4242\n'
            : '';
        return { code: 0, stdout: Buffer.from(out), stderr: Buffer.alloc(0) };
      },
      readFile: async (p) => (p === '/proc/4242/cmdline' ? Buffer.from('kube-apiserver\0--advertise-address=10.0.0.1\0') : null),
    };
    const cfg = await readApiserverConfig(node);
    expect('error' in cfg).toBe(false);
    if ('error' in cfg) return;
    expect(cfg.flagsSource).toMatch(/\/proc\/4242\/cmdline/);
    expect(cfg.tlsCertFile).toBeUndefined();
    expect(cfg.unitDiffersFromProcess?.unit['tls-cert-file']).toBe('/a.pem');
  });
  it('parses endpoints', () => {
    expect(parseEndpoint('10.0.0.1:6443', 1)).toEqual({ host: '10.0.0.1', port: 6443 });
    expect(parseEndpoint('[::1]:7443', 1)).toEqual({ host: '::1', port: 7443 });
    expect(parseEndpoint('kubernetes', 6443)).toEqual({ host: 'kubernetes', port: 6443 });
    expect(() => parseEndpoint('a:99999', 1)).toThrow(/port must be/);
  });
});

function unit(port: number, tls: boolean): string {
  return [
    '[Unit]',
    'Description=Kubernetes API Server',
    '[Service]',
    'ExecStart=/usr/local/bin/kube-apiserver \\',
    `  --secure-port=${port} \\`,
    '  --client-ca-file=/var/lib/kubernetes/ca.pem \\',
    ...(tls ? ['  --tls-cert-file=/var/lib/kubernetes/kubernetes.pem \\', '  --tls-private-key-file=/var/lib/kubernetes/kubernetes-key.pem \\'] : []),
    '  --v=2',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

describe('whole check against real TLS endpoints on loopback', () => {
  it('passes a healthy node (direct and via the node), with the CA from --client-ca-file', async () => {
    const good = makeApiserverCert(ca, { ...dates });
    const s = await tlsServer({ cert: good.certPem, key: good.keyPem });
    cleanups.push(s.close);
    const node = new LocalRootAccess(mkdtempSync(join(tmpdir(), 'certs-node-')), 'controller0');
    node.write('/etc/systemd/system/kube-apiserver.service', unit(s.port, true));
    node.write('/var/lib/kubernetes/kubernetes.pem', good.certPem);
    node.write('/var/lib/kubernetes/kubernetes-key.pem', good.keyPem);
    node.write('/var/lib/kubernetes/ca.pem', ca.certPem);
    const files = await inspectNode(node);
    expect(files.config?.flagsSource).toBe('/etc/systemd/system/kube-apiserver.service');
    expect(files.certDirCert?.exists).toBe(false);
    const r = await checkCluster({ nodes: [{ node: 'controller0', address: '127.0.0.1', access: node }], names: ['kubernetes'], now: NOW });
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.ca).toBe('controller0:/var/lib/kubernetes/ca.pem');
    expect(r.nodes[0]!.endpoints.map((e) => [e.endpoint, e.via ?? '', e.servedFrom])).toEqual([
      [`127.0.0.1:${s.port}`, '', 'configured'],
      [`127.0.0.1:${s.port}`, 'controller0', 'configured'],
    ]);
  });

  it('diagnoses the stale self-signed pair in the cert dir, naming the file', async () => {
    const pair = makeCertDirPair('127.0.0.2', KTHW.serviceIp, new Date());
    const s = await tlsServer({ cert: pair.crt, key: pair.key });
    cleanups.push(s.close);
    const node = new LocalRootAccess(mkdtempSync(join(tmpdir(), 'certs-node-')), 'controller1');
    node.write('/etc/systemd/system/kube-apiserver.service', unit(s.port, false));
    node.write('/var/lib/kubernetes/ca.pem', ca.certPem);
    node.write('/var/run/kubernetes/apiserver.crt', pair.crt);
    node.write('/var/run/kubernetes/apiserver.key', pair.key);
    const r = await checkCluster({ nodes: [{ node: 'controller1', address: '127.0.0.1', access: node }], now: NOW });
    expect(r.ok).toBe(false);
    const head = r.problems[0]!;
    expect(head.code).toBe('serves-cert-dir-pair');
    expect(head.title).toContain("serves kube-apiserver's self-signed /var/run/kubernetes/apiserver.crt");
    expect(head.detail).toContain('IP:127.0.0.2, IP:10.32.0.1, DNS:kubernetes.default.svc');
    expect(r.nodes[0]!.files.certDirCert?.value?.[0]?.commonName).toMatch(/^127\.0\.0\.2@\d+$/);
    const missing = r.problems.find((p) => p.code === 'name-missing' && p.name === '127.0.0.1');
    expect(missing?.clientError).toContain('x509: certificate is valid for 127.0.0.2, 10.32.0.1, not 127.0.0.1');
  });

  it('offline: files against names, and an endpoint serving them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'certs-off-'));
    const no127 = makeApiserverCert(ca, { ...dates, ips: [KTHW.controllers[0]!] });
    const s = await tlsServer({ cert: no127.certPem, key: no127.keyPem });
    cleanups.push(s.close);
    const r = await checkFiles({
      cert: { path: join(dir, 'kubernetes.pem'), value: parseCertificatesPem(no127.certPem, join(dir, 'kubernetes.pem')) },
      ca: { source: 'ca.pem', certs: parseCertificatesPem(ca.certPem, 'ca.pem') },
      names: ['kubernetes', KTHW.controllers[0]!],
      endpoints: [`127.0.0.1:${s.port}`],
      now: NOW,
    });
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => p.clientError?.split('\n')[0])).toEqual([`x509: certificate is valid for ${KTHW.controllers[0]!}, not 127.0.0.1`]);
  });
});
