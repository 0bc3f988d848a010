// Certificates made in the test with node-forge: a cluster CA, API server certificates,
// and the self-signed pair exactly as kube-apiserver generates it in its cert dir.
import forge from 'node-forge';

export interface Made {
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
  certPem: string;
  /** PKCS#1 (`BEGIN RSA PRIVATE KEY`). */
  keyPem: string;
  /** PKCS#8 (`BEGIN PRIVATE KEY`). */
  keyPkcs8Pem: string;
}

const HOUR = 3600_000;
const YEAR = 365 * 24 * HOUR;
let serial = 100;

function keyPair(): forge.pki.rsa.KeyPair {
  // node-forge hands this to Node's native generator, so it is fast.
  return forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
}

function finish(cert: forge.pki.Certificate, key: forge.pki.rsa.PrivateKey): Made {
  return {
    cert,
    key,
    certPem: forge.pki.certificateToPem(cert),
    keyPem: forge.pki.privateKeyToPem(key),
    keyPkcs8Pem: forge.pki.privateKeyInfoToPem(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(key))),
  };
}

export interface CaOptions {
  cn: string;
  /** Sign with this CA (an intermediate) instead of self-signing. */
  issuer?: Made;
  notBefore?: Date;
  notAfter?: Date;
}

export function makeCa(opts: CaOptions): Made {
  const keys = keyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = (serial++).toString(16).padStart(2, '0');
  cert.validity.notBefore = opts.notBefore ?? new Date(Date.UTC(2025, 0, 1));
  cert.validity.notAfter = opts.notAfter ?? new Date(Date.UTC(2035, 0, 1));
  const attrs = [{ name: 'commonName', value: opts.cn }];
  cert.setSubject(attrs);
  cert.setIssuer(opts.issuer ? opts.issuer.cert.subject.attributes : attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(opts.issuer?.key ?? keys.privateKey, forge.md.sha256.create());
  return finish(cert, keys.privateKey);
}

export interface LeafOptions {
  ca: Made;
  cn: string;
  dns?: string[];
  ips?: string[];
  notBefore?: Date;
  notAfter?: Date;
  /** Leave the subjectAltName extension out entirely. */
  noSan?: boolean;
}

export function makeLeaf(opts: LeafOptions): Made {
  const keys = keyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = (serial++).toString(16).padStart(2, '0');
  cert.validity.notBefore = opts.notBefore ?? new Date(Date.UTC(2025, 0, 1));
  cert.validity.notAfter = opts.notAfter ?? new Date(Date.UTC(2035, 0, 1));
  cert.setSubject([{ name: 'commonName', value: opts.cn }]);
  cert.setIssuer(opts.ca.cert.subject.attributes);
  const altNames = [...(opts.ips ?? []).map((ip) => ({ type: 7, ip })), ...(opts.dns ?? []).map((value) => ({ type: 2, value }))];
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'authorityKeyIdentifier', keyIdentifier: opts.ca.cert.generateSubjectKeyIdentifier().getBytes() },
    ...(opts.noSan ? [] : [{ name: 'subjectAltName', altNames }]),
  ]);
  cert.sign(opts.ca.key, forge.md.sha256.create());
  return finish(cert, keys.privateKey);
}

/**
 * The pair kube-apiserver writes to its cert dir when it runs without --tls-cert-file and
 * --tls-private-key-file: a throwaway CA `<host>-ca@<unix>` and a leaf `<host>@<unix>`,
 * valid from an hour before `now` for a year, IP SANs [advertise address, first service IP],
 * DNS SANs [kubernetes.default.svc, kubernetes.default, kubernetes, localhost]; the file
 * holds the leaf followed by the CA, the key is PKCS#1.
 */
export function makeCertDirPair(advertise: string, serviceIp: string, now: Date): { crt: string; key: string; leaf: Made; ca: Made } {
  const unix = Math.floor(now.getTime() / 1000);
  const from = new Date(now.getTime() - HOUR);
  const ca = makeCa({ cn: `${advertise}-ca@${unix}`, notBefore: from, notAfter: new Date(from.getTime() + YEAR) });
  const leaf = makeLeaf({
    ca,
    cn: `${advertise}@${unix}`,
    ips: [advertise, serviceIp],
    dns: ['kubernetes.default.svc', 'kubernetes.default', 'kubernetes', 'localhost'],
    notBefore: from,
    notAfter: new Date(from.getTime() + YEAR),
  });
  return { crt: leaf.certPem + ca.certPem, key: leaf.keyPem, leaf, ca };
}

/** The names Kubernetes the Hard Way puts in kubernetes.pem, for a three-controller cluster. */
export const KTHW = {
  controllers: ['192.168.1.11', '192.168.1.12', '192.168.1.13'],
  vip: '192.168.1.21',
  serviceIp: '10.32.0.1',
  dns: ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'],
};

export function makeApiserverCert(ca: Made, extra: Partial<LeafOptions> = {}): Made {
  return makeLeaf({
    ca,
    cn: 'kubernetes',
    ips: [...KTHW.controllers, KTHW.vip, '127.0.0.1', KTHW.serviceIp],
    dns: KTHW.dns,
    ...extra,
  });
}
