// kube-apiserver practice double without serving-certificate flags: the real server's
// cert-dir behaviour (reuse, generate, refuse half a pair), checked with openssl in a node.
import { afterAll, describe, expect, it } from 'vitest';
import { cfg, mustOnNode, onNode } from './helpers/lab.js';
import { runService, stopService, unitLog, waitPort } from './helpers/controlplane.js';

const N = 'controller2';
const BIN = '/opt/lockstep/bin/kube-apiserver';

function node() {
  return cfg().nodes.find((n) => n.name === N)!;
}

function start(unit: string, port: number, flags: string): void {
  runService(N, unit, `${BIN} --secure-port=${port} --etcd-servers=https://127.0.0.1:2999 --service-cluster-ip-range=10.32.0.0/24 ${flags}`);
  waitPort(N, port);
}

const sans = (file: string) => mustOnNode(N, `openssl x509 -in ${file} -noout -ext subjectAltName | tail -1`).trim();

describe('kube-apiserver practice double: self-signed certificates in --cert-dir', () => {
  afterAll(() => {
    for (const u of ['test-cd-a', 'test-cd-b', 'test-cd-c']) stopService(N, u);
    mustOnNode(N, 'rm -rf /tmp/cd-*');
  });

  it('generates a throwaway CA and leaf like client-go, writes them with the right modes and logs it', () => {
    const ip = node().address;
    mustOnNode(N, 'rm -rf /tmp/cd-a');
    const before = Math.floor(Date.now() / 1000);
    start('test-cd-a', 6450, `--advertise-address=${ip} --cert-dir=/tmp/cd-a`);
    const crt = '/tmp/cd-a/apiserver.crt';
    const key = '/tmp/cd-a/apiserver.key';
    expect(mustOnNode(N, `stat -c '%a %n' ${crt} ${key}`).trim().split('\n')).toEqual([`644 ${crt}`, `600 ${key}`]);
    expect(mustOnNode(N, `grep -c 'BEGIN CERTIFICATE' ${crt}; head -1 ${key}`).trim().split('\n')).toEqual(['2', '-----BEGIN RSA PRIVATE KEY-----']);
    const subj = mustOnNode(N, `openssl x509 -in ${crt} -noout -subject -issuer -nameopt RFC2253`).trim().split('\n');
    // The host part is the advertise address, as the real server passes it.
    expect(subj[0]).toMatch(new RegExp(`^subject=CN=${ip.replace(/\./g, '\\.')}@\\d+$`));
    expect(subj[1]).toMatch(new RegExp(`^issuer=CN=${ip.replace(/\./g, '\\.')}-ca@\\d+$`));
    const t = Number(/@(\d+)$/.exec(subj[0] ?? '')?.[1]);
    expect(t).toBeGreaterThanOrEqual(before - 5);
    expect(sans(crt)).toBe(`DNS:kubernetes.default.svc, DNS:kubernetes.default, DNS:kubernetes, DNS:localhost, IP Address:${ip}, IP Address:10.32.0.1`);
    // Valid from an hour ago for a year; RSA 2048; the second certificate is the CA.
    const dates = mustOnNode(N, `openssl x509 -in ${crt} -noout -startdate -enddate`).trim().split('\n').map((l) => Date.parse(l.split('=')[1] ?? ''));
    expect(Math.abs((dates[0] ?? 0) - (t * 1000 - 3600_000))).toBeLessThan(5000);
    expect((dates[1] ?? 0) - (dates[0] ?? 0)).toBe(365 * 24 * 3600_000);
    expect(mustOnNode(N, `openssl x509 -in ${crt} -noout -text | grep -m1 'Public-Key'`)).toMatch(/2048 bit/);
    expect(mustOnNode(N, `awk '/BEGIN/{n++} n==2' ${crt} | openssl x509 -noout -subject -ext basicConstraints -nameopt RFC2253`)).toMatch(/CA:TRUE/);
    expect(mustOnNode(N, `openssl verify -CAfile <(awk '/BEGIN/{n++} n==2' ${crt}) <(awk '/BEGIN/{n++} n==1' ${crt})`)).toMatch(/OK/);
    expect(unitLog(N, 'test-cd-a', 'Generated self-signed cert')).toContain(`Generated self-signed cert (${crt}, ${key})`);
    // The certificate on the wire is the one in the file.
    const served = mustOnNode(N, `echo | openssl s_client -connect 127.0.0.1:6450 2>/dev/null | openssl x509 -noout -fingerprint -sha256`);
    expect(served).toBe(mustOnNode(N, `openssl x509 -in ${crt} -noout -fingerprint -sha256`));
  });

  it('reuses an existing pair as it is on restart, with no check of names or dates', () => {
    const sum = mustOnNode(N, 'sha256sum /tmp/cd-a/apiserver.crt /tmp/cd-a/apiserver.key');
    mustOnNode(N, 'systemctl stop test-cd-a; systemctl reset-failed test-cd-a 2>/dev/null; true');
    // Started now with another advertise address: the old certificate is still used.
    start('test-cd-a', 6450, '--advertise-address=198.51.100.99 --cert-dir=/tmp/cd-a');
    expect(mustOnNode(N, 'sha256sum /tmp/cd-a/apiserver.crt /tmp/cd-a/apiserver.key')).toBe(sum);
    // Only this run's log lines: the unit's current invocation.
    const log = unitLog(N, 'test-cd-a', 'Serving securely');
    expect(log).toContain('Serving securely');
    expect(log).not.toContain('Generated self-signed cert');
  });

  it('fails with the real error text when only one of the pair is there', () => {
    mustOnNode(N, 'rm -rf /tmp/cd-b && mkdir -p /tmp/cd-b && cp /tmp/cd-a/apiserver.key /tmp/cd-b/');
    const r = onNode(N, `timeout 20 ${BIN} --secure-port=6451 --cert-dir=/tmp/cd-b --etcd-servers=https://127.0.0.1:2999`);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Error: error creating self-signed certificates: error reading /tmp/cd-b/apiserver.crt, certificate and key must be supplied as a pair');
  });

  it('never reads the cert dir when a TLS flag is given', () => {
    mustOnNode(N, 'rm -rf /tmp/cd-c && mkdir -p /tmp/cd-c && cp /tmp/cd-a/apiserver.key /tmp/cd-c/');
    start('test-cd-c', 6452, '--cert-dir=/tmp/cd-c --tls-cert-file=/tmp/cd-a/apiserver.crt --tls-private-key-file=/tmp/cd-a/apiserver.key');
    expect(mustOnNode(N, 'ls /tmp/cd-c').trim()).toBe('apiserver.key');
  });

  it('puts a specific bind address in the SANs instead of localhost', () => {
    const ip = node().address;
    mustOnNode(N, 'rm -rf /tmp/cd-d');
    const r = onNode(N, `timeout 3 ${BIN} --secure-port=6453 --bind-address=${ip} --advertise-address=${ip} --cert-dir=/tmp/cd-d --service-cluster-ip-range=10.32.0.0/24 --etcd-servers=https://127.0.0.1:2999; true`);
    expect(r.stderr).toContain('Generated self-signed cert');
    expect(sans('/tmp/cd-d/apiserver.crt')).toBe(`DNS:kubernetes.default.svc, DNS:kubernetes.default, DNS:kubernetes, IP Address:${ip}, IP Address:10.32.0.1, IP Address:${ip}`);
  });
});
