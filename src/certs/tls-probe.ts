// Edge: connects with TLS to an endpoint and reads the certificate chain it serves, without
// trusting it (the point is to look at it). SNI is sent for DNS names only, as Go and
// OpenSSL clients do. Failures come back as findings, never as exceptions.
import { connect, type PeerCertificate, type DetailedPeerCertificate } from 'node:tls';
import { isIP } from 'node:net';
import { parseCertificateDer } from './parse.js';
import type { CertInfo, ProbeErrorKind } from './types.js';

export interface ProbeOptions {
  /** Server name to send; default the host when it is a DNS name. */
  servername?: string;
  /** Default 5000 ms. */
  timeoutMs?: number;
}

export interface ProbeResult {
  chain?: CertInfo[];
  error?: { kind: ProbeErrorKind; message: string };
}

function errorKind(err: NodeJS.ErrnoException): ProbeErrorKind {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'ETIMEDOUT':
      return 'timeout';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'dns';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'unreachable';
    default:
      return 'tls';
  }
}

/** The DER chain as sent, leaf first, following issuer links without repeating a certificate. */
function derChain(peer: DetailedPeerCertificate): Buffer[] {
  const out: Buffer[] = [];
  const seen = new Set<string>();
  let cur: PeerCertificate | DetailedPeerCertificate | undefined = peer;
  while (cur?.raw && !seen.has(cur.fingerprint256)) {
    seen.add(cur.fingerprint256);
    out.push(cur.raw);
    cur = (cur as DetailedPeerCertificate).issuerCertificate;
  }
  return out;
}

export function probeTls(host: string, port: number, options: ProbeOptions = {}): Promise<ProbeResult> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const servername = options.servername ?? (isIP(host) ? undefined : host);
  const label = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: ProbeResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const socket = connect({
      host,
      port,
      ...(servername ? { servername } : {}),
      // We read the certificate to judge it ourselves; nothing is sent over this connection.
      rejectUnauthorized: false,
    });
    const timer = setTimeout(() => finish({ error: { kind: 'timeout', message: `${label}: no TLS handshake within ${timeoutMs} ms` } }), timeoutMs);
    socket.once('secureConnect', () => {
      try {
        const ders = derChain(socket.getPeerCertificate(true));
        if (ders.length === 0) return finish({ error: { kind: 'no-certificate', message: `${label}: the server sent no certificate` } });
        finish({ chain: ders.map((der, i) => parseCertificateDer(der, `${label}${servername ? ` (SNI ${servername})` : ''}${ders.length > 1 ? ` #${i + 1}` : ''}`)) });
      } catch (err) {
        finish({ error: { kind: 'tls', message: `${label}: ${(err as Error).message}` } });
      }
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      const kind = errorKind(err);
      const what = kind === 'refused' ? 'connection refused' : kind === 'dns' ? `cannot resolve ${host}` : err.message;
      finish({ error: { kind, message: `${label}: ${what}` } });
    });
  });
}
