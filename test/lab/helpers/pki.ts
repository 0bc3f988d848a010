// A small PKI for the lab tests, made with the real openssl CLI: one CA, etcd's serving
// certificate, the API server's, and client certificates for admin and the components.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Pki {
  dir: string;
  file(name: string): string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function leaf(dir: string, name: string, subj: string, sans: string[] | undefined, usage: 'server' | 'client' | 'both'): void {
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', subj], dir);
  const eku = usage === 'server' ? 'serverAuth' : usage === 'client' ? 'clientAuth' : 'serverAuth,clientAuth';
  const ext = [`basicConstraints=critical,CA:FALSE`, `keyUsage=critical,digitalSignature,keyEncipherment`, `extendedKeyUsage=${eku}`];
  if (sans?.length) ext.push(`subjectAltName=${sans.join(',')}`);
  writeFileSync(join(dir, `${name}.ext`), ext.join('\n') + '\n');
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-days', '30',
    '-sha256', '-extfile', `${name}.ext`, '-out', `${name}.pem`], dir);
}

export function makePki(controllerIps: string[], vip: string): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-lab-pki-'));
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '30',
    '-subj', '/CN=lockstep-lab-test-ca', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  const ips = controllerIps.map((ip) => `IP:${ip}`);
  leaf(dir, 'etcd', '/CN=etcd', [...ips, 'IP:127.0.0.1', 'DNS:localhost'], 'both');
  leaf(dir, 'kubernetes', '/CN=kubernetes', [...ips, `IP:${vip}`, 'IP:10.32.0.1', 'IP:127.0.0.1',
    'DNS:kubernetes', 'DNS:kubernetes.default', 'DNS:kubernetes.default.svc', 'DNS:localhost'], 'both');
  leaf(dir, 'admin', '/O=system:masters/CN=admin', undefined, 'client');
  leaf(dir, 'kube-controller-manager', '/O=system:kube-controller-manager/CN=system:kube-controller-manager', undefined, 'client');
  leaf(dir, 'kube-scheduler', '/O=system:kube-scheduler/CN=system:kube-scheduler', undefined, 'client');
  // Signed by another CA: the apiserver must refuse it.
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'rogue-key.pem', '-out', 'rogue.pem', '-days', '30',
    '-subj', '/O=system:masters/CN=rogue'], dir);
  return { dir, file: (n) => join(dir, n) };
}
