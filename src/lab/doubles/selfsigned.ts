// The real kube-apiserver's behaviour when it is given no serving certificate
// (MaybeDefaultWithSelfSignedCerts + client-go GenerateSelfSignedCertKeyWithFixtures):
// reuse cert-dir/apiserver.{crt,key} untouched if both exist, fail if only one does,
// otherwise generate a throwaway CA and leaf and write them there.
import { generateKeyPairSync } from 'node:crypto';
import { isIP } from 'node:net';
import { mkdirSync, openSync, closeSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';

export interface ServingPair {
  certFile: string;
  keyFile: string;
  generated: boolean;
}

function canRead(path: string): boolean {
  try {
    closeSync(openSync(path, 'r'));
    return true;
  } catch {
    return false;
  }
}

function rsaKey(): { forgeKey: forge.pki.rsa.PrivateKey; forgePub: forge.pki.rsa.PublicKey; pkcs1: string } {
  // Node's native RSA generation is fast; forge only signs.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pkcs1 = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(pkcs1);
  return { forgeKey, forgePub: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e), pkcs1 };
}

export function generateSelfSigned(host: string, alternateIPs: string[], alternateDNS: string[], now = new Date()):
  { certPem: string; keyPem: string } {
  const unix = Math.floor(now.getTime() / 1000);
  const validFrom = new Date(now.getTime() - 3600_000);
  const validTo = new Date(validFrom.getTime() + 365 * 24 * 3600_000);
  const ca = rsaKey();
  const caCert = forge.pki.createCertificate();
  caCert.serialNumber = '01';
  caCert.publicKey = ca.forgePub;
  caCert.validity.notBefore = validFrom;
  caCert.validity.notAfter = validTo;
  const caName = [{ name: 'commonName', value: `${host}-ca@${unix}` }];
  caCert.setSubject(caName);
  caCert.setIssuer(caName);
  caCert.setExtensions([
    { name: 'keyUsage', critical: true, keyEncipherment: true, digitalSignature: true, keyCertSign: true },
    { name: 'basicConstraints', critical: true, cA: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  caCert.sign(ca.forgeKey, forge.md.sha256.create());

  const leaf = rsaKey();
  const cert = forge.pki.createCertificate();
  cert.serialNumber = '02';
  cert.publicKey = leaf.forgePub;
  cert.validity.notBefore = validFrom;
  cert.validity.notAfter = validTo;
  cert.setSubject([{ name: 'commonName', value: `${host}@${unix}` }]);
  cert.setIssuer(caName);
  const ips = [...(isIP(host) ? [host] : []), ...alternateIPs];
  const dns = [...(isIP(host) ? [] : [host]), ...alternateDNS];
  cert.setExtensions([
    { name: 'keyUsage', critical: true, keyEncipherment: true, digitalSignature: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'basicConstraints', critical: true, cA: false },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
    { name: 'subjectAltName', altNames: [...dns.map((value) => ({ type: 2, value })), ...ips.map((ip) => ({ type: 7, ip }))] },
  ]);
  cert.sign(ca.forgeKey, forge.md.sha256.create());
  // The leaf first, then the CA, as client-go writes them.
  return { certPem: forge.pki.certificateToPem(cert) + forge.pki.certificateToPem(caCert), keyPem: leaf.pkcs1 };
}

export interface SelfSignedInput {
  certDir: string;
  pairName?: string;
  advertiseAddress: string;
  bindAddress: string;
  serviceIP: string;
}

/** Returns the serving pair to use from cert-dir, generating it when absent. Throws the real error texts. */
export function maybeDefaultWithSelfSignedCerts(input: SelfSignedInput, log: (m: string) => void): ServingPair {
  const pair = input.pairName ?? 'apiserver';
  const certFile = join(input.certDir, `${pair}.crt`);
  const keyFile = join(input.certDir, `${pair}.key`);
  const certOk = canRead(certFile);
  const keyOk = canRead(keyFile);
  if (certOk && keyOk) return { certFile, keyFile, generated: false };
  if (certOk !== keyOk) {
    const missing = certOk ? keyFile : certFile;
    throw new Error(`error creating self-signed certificates: error reading ${missing}, certificate and key must be supplied as a pair`);
  }
  const unspecified = input.bindAddress === '0.0.0.0' || input.bindAddress === '::';
  const alternateIPs = [input.serviceIP, ...(unspecified ? [] : [input.bindAddress])];
  const alternateDNS = ['kubernetes.default.svc', 'kubernetes.default', 'kubernetes', ...(unspecified ? ['localhost'] : [])];
  const { certPem, keyPem } = generateSelfSigned(input.advertiseAddress, alternateIPs, alternateDNS);
  mkdirSync(input.certDir, { recursive: true, mode: 0o755 });
  writeFileSync(certFile, certPem, { mode: 0o644 });
  chmodSync(certFile, 0o644);
  writeFileSync(keyFile, keyPem, { mode: 0o600 });
  chmodSync(keyFile, 0o600);
  log(`Generated self-signed cert (${certFile}, ${keyFile})`);
  return { certFile, keyFile, generated: true };
}

/** First usable IP of a service CIDR (the `kubernetes` Service's ClusterIP). */
export function firstServiceIP(cidr: string): string {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr.split(',')[0]?.trim() ?? '');
  if (!m) throw new Error(`invalid --service-cluster-ip-range "${cidr}"`);
  const len = Number(m[5]);
  const n = ((Number(m[1]) << 24) >>> 0) + (Number(m[2]) << 16) + (Number(m[3]) << 8) + Number(m[4]);
  const mask = len === 0 ? 0 : (~0 << (32 - len)) >>> 0;
  const first = ((n & mask) >>> 0) + 1;
  return [first >>> 24, (first >>> 16) & 255, (first >>> 8) & 255, first & 255].join('.');
}
