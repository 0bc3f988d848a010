// IP addresses the way Go's `net` package reads and writes them, so that matching and the
// messages lockstep prints agree with what kubectl says.
import { isIPv4, isIPv6 } from 'node:net';

/** Parses an IPv4 or IPv6 address (no zone) into 16 bytes (IPv4 as ::ffff:a.b.c.d), or null. */
export function parseIp(text: string): Uint8Array | null {
  if (isIPv4(text)) return v4mapped(text.split('.').map(Number));
  if (!isIPv6(text) || text.includes('%')) return null;
  let head = text;
  let tailV4: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tailV4 = text.slice(lastColon + 1).split('.').map(Number);
    head = text.slice(0, lastColon + 1) + '0:0';
  }
  const [left = '', right] = head.split('::');
  const leftGroups = left === '' ? [] : left.split(':');
  const rightGroups = right === undefined || right === '' ? [] : right.split(':');
  const missing = 8 - leftGroups.length - rightGroups.length;
  const groups = [...leftGroups, ...Array<string>(right === undefined ? 0 : missing).fill('0'), ...rightGroups].map((g) => parseInt(g, 16));
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[i * 2] = g >> 8;
    bytes[i * 2 + 1] = g & 0xff;
  });
  if (tailV4.length === 4) bytes.set(tailV4, 12);
  return bytes;
}

function v4mapped(octets: number[]): Uint8Array {
  const bytes = new Uint8Array(16);
  bytes[10] = 0xff;
  bytes[11] = 0xff;
  bytes.set(octets, 12);
  return bytes;
}

/** Normalises a 4- or 16-byte address to 16 bytes; null for any other length. */
export function toSixteen(bytes: Uint8Array): Uint8Array | null {
  if (bytes.length === 4) return v4mapped([...bytes]);
  if (bytes.length === 16) return bytes;
  return null;
}

export function ipEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function isV4Mapped(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

/** Writes an address as Go's `net.IP.String()` does: dotted IPv4, RFC 5952 IPv6. */
export function formatIp(raw: Uint8Array): string {
  const b = toSixteen(raw);
  if (!b) return `?${Buffer.from(raw).toString('hex')}`;
  if (isV4Mapped(b)) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i] ?? 0) << 8) | (b[i + 1] ?? 0));
  // The longest run of two or more zero groups (the first when tied) becomes `::`.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}
