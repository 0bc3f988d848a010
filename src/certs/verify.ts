// Validity windows and chain building in the order and words of Go's crypto/x509
// Certificate.Verify: the leaf's dates, then the host name, then a chain from the leaf
// through the served intermediates to one of the trusted roots. Pure: `now` is passed in.
import { X509Certificate } from 'node:crypto';
import { hostnameError } from './hostname.js';
import type { CertInfo } from './types.js';

export type ValidityState = { state: 'valid' } | { state: 'expired' | 'not-yet-valid'; message: string };

/** Go's RFC 3339 without fractions, in UTC. */
const rfc3339 = (iso: string | Date) => new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function checkValidity(cert: Pick<CertInfo, 'notBefore' | 'notAfter'>, now: Date): ValidityState {
  if (now.getTime() < Date.parse(cert.notBefore)) {
    return { state: 'not-yet-valid', message: `x509: certificate has expired or is not yet valid: current time ${rfc3339(now)} is before ${rfc3339(cert.notBefore)}` };
  }
  if (now.getTime() > Date.parse(cert.notAfter)) {
    return { state: 'expired', message: `x509: certificate has expired or is not yet valid: current time ${rfc3339(now)} is after ${rfc3339(cert.notAfter)}` };
  }
  return { state: 'valid' };
}

const x509Cache = new WeakMap<CertInfo, X509Certificate>();
function x509(cert: CertInfo): X509Certificate {
  let x = x509Cache.get(cert);
  if (!x) {
    x = new X509Certificate(Buffer.from(cert.derBase64, 'base64'));
    x509Cache.set(cert, x);
  }
  return x;
}

/** Whether `parent`'s key signed `child` (a real signature check, any key type). */
export function isSignedBy(child: CertInfo, parent: CertInfo): boolean {
  try {
    return x509(child).verify(x509(parent).publicKey);
  } catch {
    return false;
  }
}

function signatureErrorText(parent: CertInfo): string {
  const type = x509(parent).publicKey.asymmetricKeyType;
  if (type === 'ec') return 'x509: ECDSA verification failure';
  if (type === 'ed25519') return 'x509: Ed25519 verification failure';
  return 'crypto/rsa: verification error';
}

export type ChainResult =
  | { ok: true; path: CertInfo[] }
  | { ok: false; reason: 'unknown-authority'; message: string; hint?: { cert: CertInfo; error: string } }
  | { ok: false; reason: 'expired' | 'not-yet-valid'; message: string; cert: CertInfo };

/** Builds a chain from `leaf` to one of `roots` through `intermediates`, as Go does. */
export function verifyChain(leaf: CertInfo, intermediates: CertInfo[], roots: CertInfo[], now: Date): ChainResult {
  const leafValidity = checkValidity(leaf, now);
  if (leafValidity.state !== 'valid') return { ok: false, reason: leafValidity.state, message: leafValidity.message, cert: leaf };
  if (roots.some((r) => r.fingerprint256 === leaf.fingerprint256)) return { ok: true, path: [leaf] };
  let hint: { cert: CertInfo; error: string } | undefined;
  let invalid: ChainResult | undefined;
  let checks = 0;

  const build = (chain: CertInfo[]): CertInfo[] | null => {
    const child = chain[chain.length - 1] as CertInfo;
    const candidates: [CertInfo, 'root' | 'intermediate'][] = [
      ...roots.filter((r) => r.subjectId === child.issuerId).map((r) => [r, 'root'] as [CertInfo, 'root']),
      ...intermediates.filter((c) => c.subjectId === child.issuerId).map((c) => [c, 'intermediate'] as [CertInfo, 'intermediate']),
    ];
    for (const [cand, kind] of candidates) {
      if (chain.some((c) => c.subjectId === cand.subjectId && c.publicKeyFingerprint256 === cand.publicKeyFingerprint256)) continue;
      if (++checks > 100) return null;
      if (!isSignedBy(child, cand)) {
        hint ??= { cert: cand, error: signatureErrorText(cand) };
        continue;
      }
      const v = checkValidity(cand, now);
      if (v.state !== 'valid') {
        invalid ??= { ok: false, reason: v.state, message: v.message, cert: cand };
        continue;
      }
      if (kind === 'root') return [...chain, cand];
      if (!cand.isCA) {
        invalid ??= { ok: false, reason: 'unknown-authority', message: 'x509: certificate is not authorized to sign other certificates' };
        continue;
      }
      const found = build([...chain, cand]);
      if (found) return found;
    }
    return null;
  };

  const path = build([leaf]);
  if (path) return { ok: true, path };
  if (invalid) return invalid;
  let message = 'x509: certificate signed by unknown authority';
  if (hint) {
    const name = hint.cert.commonName || hint.cert.subject || `serial:${BigInt(`0x${hint.cert.serial || '0'}`).toString()}`;
    message += ` (possibly because of ${JSON.stringify(hint.error)} while trying to verify candidate authority certificate ${JSON.stringify(name)})`;
  }
  return { ok: false, reason: 'unknown-authority', message, hint };
}

/**
 * What a Go client (kubectl) connecting to `name` and trusting `roots` says about this served
 * chain, without the `tls: failed to verify certificate: ` prefix; null when it connects.
 * With no roots, only the dates and the name are checked.
 */
export function goClientError(chain: CertInfo[], name: string, roots: CertInfo[] | undefined, now: Date): string | null {
  const [leaf, ...rest] = chain;
  if (!leaf) return 'tls: server sent no certificate';
  const validity = checkValidity(leaf, now);
  if (validity.state !== 'valid') return validity.message;
  const host = hostnameError(leaf, name);
  if (host) return host;
  if (!roots) return null;
  const result = verifyChain(leaf, rest, roots, now);
  return result.ok ? null : result.message;
}
