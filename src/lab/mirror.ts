// The Debian mirror the image is bootstrapped from: the one the host's apt already uses, so
// the lab works wherever the host can install packages.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const FALLBACK = 'http://deb.debian.org/debian';

/** Pure: the first main-archive URI in deb822 `.sources` or one-line `sources.list` text. */
export function mirrorFromSources(text: string): string | undefined {
  for (const line of text.split('\n')) {
    const t = line.trim();
    let uri: string | undefined;
    const deb822 = /^URIs:\s*(\S+)/i.exec(t);
    if (deb822) uri = deb822[1];
    const oneLine = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(t);
    if (oneLine && !/security/.test(oneLine[2] ?? '')) uri = oneLine[1];
    // The security archive has no full suite to bootstrap from.
    if (uri && /^https?:\/\//.test(uri) && !/security/.test(uri)) return uri.replace(/\/$/, '');
  }
  return undefined;
}

export function hostMirror(etc = '/etc/apt'): string {
  const files: string[] = [];
  try {
    for (const f of readdirSync(join(etc, 'sources.list.d')).sort()) {
      if (f.endsWith('.sources') || f.endsWith('.list')) files.push(join(etc, 'sources.list.d', f));
    }
  } catch {
    // no directory: fall through to sources.list
  }
  files.push(join(etc, 'sources.list'));
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    const m = mirrorFromSources(text);
    if (m) return m;
  }
  return FALLBACK;
}
