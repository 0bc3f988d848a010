// Recognising kube-apiserver's own throwaway certificate. Without --tls-cert-file and
// --tls-private-key-file, kube-apiserver (MaybeDefaultWithSelfSignedCerts, client-go's
// GenerateSelfSignedCertKeyWithFixtures) makes a CA named `<host>-ca@<unix time>` and a
// leaf named `<host>@<unix time>` and writes them to apiserver.crt in its --cert-dir.
import type { CertInfo } from './types.js';

export const DEFAULT_CERT_DIR = '/var/run/kubernetes';
export const CERT_DIR_CERT = 'apiserver.crt';
export const CERT_DIR_KEY = 'apiserver.key';

/** The host the pair was generated for, when the leaf looks like kube-apiserver's own. */
export function selfGeneratedHost(leaf: Pick<CertInfo, 'commonName' | 'issuer'>): string | null {
  const m = /^(.+)@(\d+)$/.exec(leaf.commonName ?? '');
  if (!m) return null;
  const [, host = '', time = ''] = m;
  // Current versions sign it with a throwaway CA `<host>-ca@<time>`; older ones self-signed it.
  return leaf.issuer.includes(`CN=${host}-ca@`) || leaf.issuer === `CN=${host}@${time}` ? host : null;
}

/** SANs written the way `openssl x509 -text` lists them, for messages. */
export function describeSans(cert: Pick<CertInfo, 'dnsNames' | 'ipAddresses'>): string {
  const parts = [...cert.ipAddresses.map((ip) => `IP:${ip}`), ...cert.dnsNames.map((d) => `DNS:${d}`)];
  return parts.length ? parts.join(', ') : '(none)';
}
