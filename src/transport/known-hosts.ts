// known_hosts in OpenSSH's format, parsed and matched without touching disk: plain and hashed
// (`|1|salt|hmac`) host patterns, `[host]:port` for non-22 ports, wildcards and negation, and
// the @revoked / @cert-authority markers. See sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT".

import { createHash, createHmac, randomBytes } from 'node:crypto';

export interface KnownHostEntry {
  /** 1-based line in the file, for messages. */
  line: number;
  marker: 'revoked' | 'cert-authority' | null;
  /** The comma-separated host patterns (or one hashed pattern) as written. */
  hosts: string;
  keyType: string;
  /** The public key blob (SSH wire format), decoded from base64. */
  key: Buffer;
}

/** Parses a known_hosts file; lines that are not entries (comments, garbage) are skipped. */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const fields = raw.trim().split(/\s+/);
    if (fields.length === 0 || fields[0] === '' || fields[0]!.startsWith('#')) return;
    let marker: KnownHostEntry['marker'] = null;
    if (fields[0]!.startsWith('@')) {
      const m = fields.shift()!;
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else return;
    }
    const [hosts, keyType, b64] = fields;
    if (!hosts || !keyType || !b64 || !/^[A-Za-z0-9+/]+=*$/.test(b64)) return;
    entries.push({ line: i + 1, marker, hosts, keyType, key: Buffer.from(b64, 'base64') });
  });
  return entries;
}

/** The name a host is known by: `host` on port 22, `[host]:port` otherwise. */
export function hostKeyName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** Shell-style glob (`*`, `?`) match, case-insensitive like OpenSSH's host matching. */
function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(
    '^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$',
    'i',
  );
  return re.test(name);
}

function hashedMatch(pattern: string, name: string): boolean {
  const parts = pattern.split('|');
  // |1|base64(salt)|base64(hmac-sha1(salt, name))
  if (parts.length !== 4 || parts[1] !== '1') return false;
  const salt = Buffer.from(parts[2]!, 'base64');
  const want = Buffer.from(parts[3]!, 'base64');
  const got = createHmac('sha1', salt).update(name).digest();
  return got.length === want.length && got.equals(want);
}

/** Whether an entry's host field names `name` (as produced by hostKeyName). */
export function hostsFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|')) return hashedMatch(field, name);
  let matched = false;
  for (const pat of field.split(',')) {
    if (pat.startsWith('!')) {
      if (globMatch(pat.slice(1), name)) return false;
    } else if (globMatch(pat, name)) {
      matched = true;
    }
  }
  return matched;
}

/** The key type named inside a public key blob (its first SSH string). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  if (len > 64 || 4 + len > blob.length) return 'unknown';
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** The fingerprint OpenSSH prints: `SHA256:` and unpadded base64 of the blob's SHA-256. */
export function sha256Fingerprint(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

export type HostKeyCheck =
  | { status: 'known'; line: number }
  | { status: 'revoked'; line: number }
  /** The host is known with a key of the same type and this is not it. */
  | { status: 'changed'; line: number }
  /** Not known (`otherTypes` lists key types it is known with, when any). */
  | { status: 'unknown'; otherTypes: string[] };

/**
 * Checks a presented host key against the entries for `names` (the host, and optionally its
 * address, each as hostKeyName gives). A revoked key wins over everything; a matching entry
 * means known; an entry for the host with the same key type but another key means changed.
 */
export function checkHostKey(entries: KnownHostEntry[], names: string[], blob: Buffer): HostKeyCheck {
  const type = keyTypeOf(blob);
  const forHost = entries.filter((e) => names.some((n) => hostsFieldMatches(e.hosts, n)));
  const revoked = entries.find((e) => e.marker === 'revoked' && e.key.equals(blob) && (e.hosts === '*' || forHost.includes(e)));
  if (revoked) return { status: 'revoked', line: revoked.line };
  // @cert-authority keys sign host certificates; a plain host key never matches them.
  const plain = forHost.filter((e) => e.marker === null);
  const match = plain.find((e) => e.keyType === type && e.key.equals(blob));
  if (match) return { status: 'known', line: match.line };
  const sameType = plain.find((e) => e.keyType === type);
  if (sameType) return { status: 'changed', line: sameType.line };
  return { status: 'unknown', otherTypes: [...new Set(plain.map((e) => e.keyType))] };
}

/** The key types known for a host, so the client can ask the server for one of those first. */
export function knownKeyTypes(entries: KnownHostEntry[], names: string[]): string[] {
  return [
    ...new Set(entries.filter((e) => e.marker === null && names.some((n) => hostsFieldMatches(e.hosts, n))).map((e) => e.keyType)),
  ];
}

/** A known_hosts line for an accepted key; hashed like `HashKnownHosts yes` when asked. */
export function formatKnownHostLine(name: string, blob: Buffer, hashed = false, salt: Buffer = randomBytes(20)): string {
  const host = hashed ? `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}` : name;
  return `${host} ${keyTypeOf(blob)} ${blob.toString('base64')}`;
}
