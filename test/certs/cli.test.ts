import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { register } from '../../src/cli/certs.js';
import { UserError } from '../../src/cli/errors.js';
import type { CheckReport } from '../../src/certs/index.js';
import { makeApiserverCert, makeCa } from './fixtures.js';
import { tlsServer } from './servers.js';
import { startSshd } from '../transport/sshd-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'certs-cli-'));
const day = 86400_000;
const ca = makeCa({ cn: 'Kubernetes', notBefore: new Date(Date.now() - day), notAfter: new Date(Date.now() + 365 * day) });
const good = makeApiserverCert(ca, { notBefore: new Date(Date.now() - day), notAfter: new Date(Date.now() + 365 * day) });
const other = makeApiserverCert(ca);
const write = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const files = {
  cert: write('kubernetes.pem', good.certPem),
  key: write('kubernetes-key.pem', good.keyPem),
  otherKey: write('other-key.pem', other.keyPem),
  ca: write('ca.pem', ca.certPem),
  garbage: write('garbage.pem', 'not a certificate\n'),
};
const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

async function served(m: { certPem: string; keyPem: string }) {
  const s = await tlsServer({ cert: m.certPem, key: m.keyPem });
  cleanups.push(s.close);
  return s;
}

async function run(args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  let code = -1;
  const program = new Command('lockstep').exitOverride();
  register(program, { stdout: (t) => (out += t), setExitCode: (c) => (code = c), now: () => new Date() });
  await program.parseAsync(['certs', 'check', ...args], { from: 'user' });
  return { code, out };
}

describe('lockstep certs check (offline)', () => {
  it('exits 0 with a JSON report when the files cover every name', async () => {
    const r = await run(['--cert', files.cert, '--key', files.key, '--ca', files.ca, '--name', '127.0.0.1', '--name', 'kubernetes.default.svc', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as CheckReport;
    expect(report.ok).toBe(true);
    expect(report.problems).toEqual([]);
    expect(r.out).not.toContain('derBase64');
  });
  it('exits 1 and prints the client error for a missing name and a key mismatch', async () => {
    const r = await run(['--cert', files.cert, '--key', files.otherKey, '--name', '10.9.9.9,api.example.com']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('x509: certificate is valid for 192.168.1.11, 192.168.1.12, 192.168.1.13, 192.168.1.21, 127.0.0.1, 10.32.0.1, not 10.9.9.9');
    expect(r.out).toContain('tls: failed to verify certificate: x509: certificate is valid for kubernetes, kubernetes.default, kubernetes.default.svc, kubernetes.default.svc.cluster.local, not api.example.com');
    expect(r.out).toContain(`${files.otherKey} is not the key of ${files.cert}`);
  });
  it('probes an endpoint given with --endpoint', async () => {
    const s = await tlsServer({ cert: other.certPem, key: other.keyPem });
    cleanups.push(s.close);
    const r = await run(['--cert', files.cert, '--name', 'kubernetes', '--endpoint', `127.0.0.1:${s.port}`, '--json']);
    const report = JSON.parse(r.out) as CheckReport;
    expect(report.shared[0]!.endpoint).toBe(`127.0.0.1:${s.port}`);
    expect(report.shared[0]!.fingerprint256).toMatch(/^[0-9A-F]{2}(:[0-9A-F]{2}){31}$/);
    // `other` covers the names and is valid from 2025 to 2035, but it is not the file given.
    expect(report.shared[0]!.namesMissing).toEqual([]);
    expect(report.problems.map((p) => p.code)).toEqual(['serves-other-certificate']);
    expect(report.problems[0]!.title).toBe(`127.0.0.1:${s.port} serves a certificate that is none of the configured ones (${files.cert})`);
    expect(r.code).toBe(1);
    const same = await run(['--cert', files.cert, '--name', 'kubernetes', '--endpoint', `127.0.0.1:${(await served(good)).port}`, '--json']);
    expect(same.code).toBe(0);
  });
  it('refuses bad input with a clear message naming the file', async () => {
    await expect(run(['--cert', files.garbage, '--name', 'x'])).rejects.toThrow(UserError);
    await expect(run(['--cert', files.garbage, '--name', 'x'])).rejects.toThrow(`${files.garbage}: no PEM certificate`);
    await expect(run(['--cert', join(dir, 'nope.pem'), '--name', 'x'])).rejects.toThrow(/nope\.pem: cannot read the certificate \(no such file\)/);
    await expect(run(['--cert', files.cert])).rejects.toThrow(/--name/);
    await expect(run([])).rejects.toThrow(/-i FILE/);
    await expect(run(['--cert', files.cert, '--endpoint', 'a:0'])).rejects.toThrow(/--endpoint a:0: port must be/);
  });
});

describe('lockstep certs check -i (a local node from an inventory)', () => {
  it('probes the node address and its loopback from inside it, and reports missing flags', async () => {
    const s = await tlsServer({ cert: good.certPem, key: good.keyPem });
    cleanups.push(s.close);
    const inv = write('inventory.yaml', ['nodes:', '  - name: here', '    local: true', '    groups: [controllers]', ''].join('\n'));
    const r = await run(['-i', inv, '--port', String(s.port), '--ca', files.ca, '--json']);
    const report = JSON.parse(r.out) as CheckReport;
    const eps = report.nodes[0]!.endpoints;
    expect(eps.map((e) => [e.endpoint, e.via ?? null])).toEqual([
      [`127.0.0.1:${s.port}`, null],
      [`127.0.0.1:${s.port}`, 'here'],
    ]);
    expect(eps.every((e) => e.namesMissing.length === 0 && !e.error)).toBe(true);
    // No kube-apiserver unit on this machine: that is reported, so the exit code is 1.
    expect(report.problems.map((p) => p.code)).toEqual(['config-not-found']);
    expect(r.code).toBe(1);
    await expect(run(['-i', inv, '--group', 'nope'])).rejects.toThrow(/no group "nope"/);
  }, 90_000);
});

describe('lockstep certs check -i (an SSH node: the host\'s sshd on loopback, host key verified)', () => {
  it('reads files over SSH and probes the node loopback through its exec channel', async () => {
    const sshd = await startSshd();
    cleanups.push(() => sshd.stop());
    const s = await tlsServer({ cert: good.certPem, key: good.keyPem });
    cleanups.push(s.close);
    const inv = write(
      'ssh-inventory.yaml',
      [
        `known_hosts: ${sshd.knownHostsFile}`,
        'nodes:',
        '  - name: controller0',
        '    address: 127.0.0.1',
        `    port: ${sshd.port}`,
        `    user: ${sshd.user}`,
        `    identity_file: ${sshd.clientKeyFile}`,
        '    groups: [controllers]',
        '',
      ].join('\n'),
    );
    const r = await run(['-i', inv, '--port', String(s.port), '--ca', files.ca, '--name', 'kubernetes', '--json']);
    const report = JSON.parse(r.out) as CheckReport;
    expect(report.nodes[0]!.node).toBe('controller0');
    expect(report.nodes[0]!.endpoints.map((e) => [e.via ?? null, e.ok])).toEqual([
      [null, true],
      ['controller0', true],
    ]);
    expect(report.problems.map((p) => p.code)).toEqual(['config-not-found']);
    // A known_hosts that does not list the server: the node is refused, not trusted.
    const bad = write('ssh-inventory-bad.yaml', readFileSync(inv, 'utf8').replace(sshd.knownHostsFile, write('empty_known_hosts', '')));
    const r2 = await run(['-i', bad, '--port', String(s.port), '--json']);
    const p2 = (JSON.parse(r2.out) as CheckReport).problems.find((p) => p.code === 'config-not-found');
    expect(p2?.detail).toMatch(/cannot connect to controller0: .*(host key|known_hosts)/i);
    expect(r2.code).toBe(1);
  }, 90_000);
});
