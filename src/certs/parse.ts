// PEM certificates and private keys → plain CertInfo / KeyInfo, with node-forge.
// node-forge reads RSA certificates and keys completely; for other key types (ECDSA, Ed25519)
// the generic ASN.1 parts still come from node-forge and the rest from Node's X509Certificate,
// so a cluster with ECDSA certificates is checked too rather than rejected.
import { X509Certificate, createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import forge from 'node-forge';
import { formatIp } from './ip.js';
import type { CertInfo, KeyInfo } from './types.js';

/** A certificate or key file that cannot be used, with the file (and line) named. */
export class CertParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CertParseError';
  }
}

interface PemBlock {
  type: string;
  /** 1-based line of the BEGIN marker. */
  line: number;
  text: string;
}

function pemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    blocks.push({ type: m[1] ?? '', line: text.slice(0, m.index).split('\n').length, text: m[0] });
  }
  return blocks;
}

const sha256Hex = (bytes: Uint8Array | string) =>
  createHash('sha256').update(typeof bytes === 'string' ? Buffer.from(bytes, 'binary') : bytes).digest('hex');

/** `AB:CD:…` like `openssl x509 -fingerprint -sha256`. */
export function colonHex(hex: string): string {
  return (hex.toUpperCase().match(/../g) ?? []).join(':');
}

const derOf = (node: forge.asn1.Asn1) => forge.asn1.toDer(node).getBytes();

/** The parts of a certificate every key type shares, read straight from its ASN.1. */
function rawParts(der: string): { issuer: string; subject: string; spki: string } {
  const cert = forge.asn1.fromDer(der, { strict: false } as never);
  const tbs = (cert.value as forge.asn1.Asn1[])[0];
  const fields = (tbs?.value ?? []) as forge.asn1.Asn1[];
  // tbsCertificate: [0] version (optional), serial, signature, issuer, validity, subject, spki, …
  const offset = fields[0]?.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC ? 1 : 0;
  const [issuer, , subject, spki] = fields.slice(offset + 2, offset + 6);
  if (!issuer || !subject || !spki) throw new Error('not an X.509 certificate');
  return { issuer: derOf(issuer), subject: derOf(subject), spki: derOf(spki) };
}

function dn(attrs: { shortName?: string; name?: string; value?: unknown }[]): string {
  return attrs.map((a) => `${a.shortName ?? a.name ?? '?'}=${String(a.value)}`).join(', ');
}

function keyIdFromExtension(value: string): string | undefined {
  // authorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING OPTIONAL, … }
  try {
    const seq = forge.asn1.fromDer(value);
    const first = (seq.value as forge.asn1.Asn1[])[0];
    if (first && first.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && first.type === 0 && typeof first.value === 'string') {
      return forge.util.bytesToHex(first.value);
    }
  } catch {
    // An unreadable extension only loses the hint; chain linking falls back to names.
  }
  return undefined;
}

interface ForgeExt {
  name?: string;
  value?: string;
  cA?: boolean;
  altNames?: { type: number; value: string }[];
  subjectKeyIdentifier?: string;
}

function fromForge(cert: forge.pki.Certificate): Pick<CertInfo, 'subject' | 'commonName' | 'issuer' | 'serial' | 'notBefore' | 'notAfter' | 'dnsNames' | 'ipAddresses' | 'hasSanExtension' | 'isCA' | 'subjectKeyId' | 'authorityKeyId'> {
  const exts = cert.extensions as ForgeExt[];
  const san = exts.find((e) => e.name === 'subjectAltName');
  const altNames = san?.altNames ?? [];
  const cn = cert.subject.getField('CN') as { value?: unknown } | null;
  const ski = exts.find((e) => e.name === 'subjectKeyIdentifier');
  const aki = exts.find((e) => e.name === 'authorityKeyIdentifier');
  return {
    subject: dn(cert.subject.attributes),
    commonName: cn?.value !== undefined ? String(cn.value) : undefined,
    issuer: dn(cert.issuer.attributes),
    serial: cert.serialNumber,
    notBefore: cert.validity.notBefore.toISOString(),
    notAfter: cert.validity.notAfter.toISOString(),
    dnsNames: altNames.filter((n) => n.type === 2).map((n) => n.value),
    ipAddresses: altNames.filter((n) => n.type === 7).map((n) => formatIp(Uint8Array.from(Buffer.from(n.value, 'binary')))),
    hasSanExtension: san !== undefined,
    isCA: exts.some((e) => e.name === 'basicConstraints' && e.cA === true),
    subjectKeyId: ski?.subjectKeyIdentifier,
    authorityKeyId: aki?.value !== undefined ? keyIdFromExtension(aki.value) : undefined,
  };
}

/** Node's X509Certificate for key types node-forge cannot read. */
function fromNode(der: Buffer): ReturnType<typeof fromForge> {
  const x = new X509Certificate(der);
  const sans = (x.subjectAltName ?? '').split(/,\s*/).filter(Boolean);
  const values = (prefix: string) => sans.filter((s) => s.startsWith(prefix)).map((s) => s.slice(prefix.length).replace(/^"|"$/g, ''));
  const subjectLines = x.subject.split('\n');
  const cn = subjectLines.find((l) => l.startsWith('CN='));
  return {
    subject: subjectLines.join(', '),
    commonName: cn?.slice(3),
    issuer: x.issuer.split('\n').join(', '),
    serial: x.serialNumber.toLowerCase(),
    notBefore: new Date(x.validFrom).toISOString(),
    notAfter: new Date(x.validTo).toISOString(),
    dnsNames: values('DNS:'),
    ipAddresses: values('IP Address:'),
    hasSanExtension: x.subjectAltName !== undefined,
    isCA: x.ca,
  };
}

/** Parses one DER certificate. `source` names it in messages. */
export function parseCertificateDer(der: Uint8Array, source: string): CertInfo {
  const bin = Buffer.from(der).toString('binary');
  let raw: ReturnType<typeof rawParts>;
  try {
    raw = rawParts(bin);
  } catch (err) {
    throw new CertParseError(`${source}: not a readable X.509 certificate (${(err as Error).message})`);
  }
  let fields: ReturnType<typeof fromForge>;
  try {
    fields = fromForge(forge.pki.certificateFromAsn1(forge.asn1.fromDer(bin)));
  } catch (forgeErr) {
    try {
      fields = fromNode(Buffer.from(der));
    } catch {
      throw new CertParseError(`${source}: not a readable X.509 certificate (${(forgeErr as Error).message})`);
    }
  }
  return {
    source,
    ...fields,
    fingerprint256: colonHex(sha256Hex(der)),
    publicKeyFingerprint256: colonHex(sha256Hex(raw.spki)),
    subjectId: sha256Hex(raw.subject),
    issuerId: sha256Hex(raw.issuer),
    derBase64: Buffer.from(der).toString('base64'),
  };
}

/**
 * Every certificate in a PEM text (a chain: leaf first, as kube-apiserver's files are).
 * Throws CertParseError naming `file` and the line when there is none or one is broken.
 */
export function parseCertificatesPem(text: string, file: string): CertInfo[] {
  const blocks = pemBlocks(text).filter((b) => b.type === 'CERTIFICATE' || b.type === 'X509 CERTIFICATE' || b.type === 'TRUSTED CERTIFICATE');
  if (blocks.length === 0) {
    const other = pemBlocks(text)[0];
    throw new CertParseError(
      other
        ? `${file}:${other.line}: expected a certificate (-----BEGIN CERTIFICATE-----) but found "${other.type}"; is this the key file?`
        : `${file}: no PEM certificate in it (expected -----BEGIN CERTIFICATE-----); check the path, or convert a DER file with \`openssl x509 -inform der -in FILE -out FILE.pem\``,
    );
  }
  return blocks.map((block, i) => {
    const where = `${file}:${block.line}`;
    let der: string;
    try {
      const [msg] = forge.pem.decode(block.text);
      if (!msg) throw new Error('empty');
      der = msg.body;
    } catch {
      throw new CertParseError(`${where}: broken PEM block (bad base64); copy the file again`);
    }
    return parseCertificateDer(Buffer.from(der, 'binary'), blocks.length > 1 ? `${file}#${i + 1}` : file);
  });
}

/** Reads an unencrypted private key (PKCS#1, PKCS#8 or SEC1). Throws CertParseError naming `file`. */
export function parsePrivateKeyPem(text: string, file: string): KeyInfo {
  const blocks = pemBlocks(text);
  const block = blocks.find((b) => /PRIVATE KEY$/.test(b.type));
  if (!block) {
    throw new CertParseError(
      blocks[0]
        ? `${file}:${blocks[0].line}: expected a private key (-----BEGIN PRIVATE KEY----- or RSA/EC PRIVATE KEY) but found "${blocks[0].type}"; is this the certificate file?`
        : `${file}: no PEM private key in it; check the path`,
    );
  }
  const where = `${file}:${block.line}`;
  if (block.type === 'ENCRYPTED PRIVATE KEY' || /Proc-Type:\s*4,ENCRYPTED/.test(block.text)) {
    throw new CertParseError(`${where}: the key is encrypted with a passphrase; kube-apiserver needs an unencrypted key (\`openssl pkey -in KEY -out KEY.plain\`)`);
  }
  const format: KeyInfo['format'] = block.type === 'RSA PRIVATE KEY' ? 'pkcs1' : block.type === 'EC PRIVATE KEY' ? 'sec1' : 'pkcs8';
  try {
    const key = forge.pki.privateKeyFromPem(block.text);
    const spki = derOf(forge.pki.publicKeyToAsn1(forge.pki.setRsaPublicKey(key.n, key.e)));
    return { source: file, format, algorithm: `RSA-${key.n.bitLength()}`, publicKeyFingerprint256: colonHex(sha256Hex(spki)) };
  } catch (forgeErr) {
    // Not RSA (or not readable by node-forge): let OpenSSL, through node:crypto, read it.
    try {
      const key = createPrivateKey(block.text);
      const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
      return { source: file, format, algorithm: (key.asymmetricKeyType ?? 'unknown').toUpperCase(), publicKeyFingerprint256: colonHex(sha256Hex(spki)) };
    } catch {
      throw new CertParseError(`${where}: not a readable private key (${(forgeErr as Error).message})`);
    }
  }
}
