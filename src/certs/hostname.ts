// Hostname verification with the rules of Go's crypto/x509 (what kubectl and every Go client
// use): IP names match only IP SANs, other names only DNS SANs (case-insensitive, a whole
// left-most `*` label matches exactly one label), the subject CN is never used; and the
// exact text of Go's HostnameError, so lockstep's output matches what the operator saw.
import { formatIp, ipEqual, parseIp } from './ip.js';
import type { CertInfo } from './types.js';

type Names = Pick<CertInfo, 'dnsNames' | 'ipAddresses' | 'hasSanExtension' | 'commonName'>;

function validHostname(host: string, isPattern: boolean): boolean {
  if (!isPattern && host.endsWith('.')) host = host.slice(0, -1);
  if (host.length === 0) return false;
  const parts = host.split('.');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? '';
    if (part === '') return false;
    if (isPattern && i === 0 && part === '*') continue;
    for (let j = 0; j < part.length; j++) {
      const c = part[j] ?? '';
      if (/[a-zA-Z0-9_]/.test(c) || (c === '-' && j !== 0)) continue;
      return false;
    }
  }
  return true;
}

const lowerAscii = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

function matchExactly(a: string, b: string): boolean {
  if (a === '' || a === '.' || b === '' || b === '.') return false;
  return lowerAscii(a) === lowerAscii(b);
}

function matchHostnames(pattern: string, host: string): boolean {
  pattern = lowerAscii(pattern);
  host = lowerAscii(host.endsWith('.') ? host.slice(0, -1) : host);
  if (pattern.length === 0 || host.length === 0) return false;
  const p = pattern.split('.');
  const h = host.split('.');
  if (p.length !== h.length) return false;
  return p.every((part, i) => (i === 0 && part === '*') || part === h[i]);
}

/** The name as Go treats it: an IP (brackets allowed) or a DNS name. */
export function nameKind(name: string): 'ip' | 'dns' {
  const bare = name.length >= 3 && name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name;
  return parseIp(bare) ? 'ip' : 'dns';
}

/** Whether a Go client connecting to `name` accepts this certificate's names. */
export function matchesName(cert: Names, name: string): boolean {
  const bare = name.length >= 3 && name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name;
  const ip = parseIp(bare);
  if (ip) {
    return cert.ipAddresses.some((san) => {
      const s = parseIp(san);
      return s !== null && ipEqual(s, ip);
    });
  }
  const candidate = lowerAscii(name);
  const validCandidate = validHostname(candidate, false);
  return cert.dnsNames.some((pattern) =>
    validCandidate && validHostname(pattern, true) ? matchHostnames(pattern, candidate) : matchExactly(pattern, candidate),
  );
}

/**
 * The text of Go's `x509.HostnameError` for a name the certificate does not cover, or null
 * when it does. IP names list the IP SANs, other names the DNS SANs.
 */
export function hostnameError(cert: Names, name: string): string | null {
  if (matchesName(cert, name)) return null;
  const bare = name.length >= 3 && name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name;
  const ip = parseIp(bare);
  const host = ip ? bare : name;
  if (!cert.hasSanExtension && cert.commonName !== undefined && matchHostnames(cert.commonName, host)) {
    return 'x509: certificate relies on legacy Common Name field, use SANs instead';
  }
  let valid: string;
  if (ip) {
    if (cert.ipAddresses.length === 0) return `x509: cannot validate certificate for ${host} because it doesn't contain any IP SANs`;
    valid = cert.ipAddresses.map((s) => { const b = parseIp(s); return b ? formatIp(b) : s; }).join(', ');
  } else {
    valid = cert.dnsNames.join(', ');
  }
  if (valid.length === 0) return `x509: certificate is not valid for any names, but wanted to match ${host}`;
  return `x509: certificate is valid for ${valid}, not ${host}`;
}

/** Newer Go clients (1.20+, kubectl 1.27+) wrap verification errors in this prefix. */
export const TLS_VERIFY_PREFIX = 'tls: failed to verify certificate: ';
