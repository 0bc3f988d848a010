// kube-apiserver's command line, from a systemd unit (`systemctl cat` output or the unit
// file) or from /proc/<pid>/cmdline, and the flags the SAN check needs. Pure.
import { DEFAULT_CERT_DIR } from './self-signed.js';
import type { ApiserverConfig } from './types.js';

/** Splits a command line the way systemd does for ExecStart: quotes and backslash escapes. */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/**
 * The argv of the effective ExecStart in unit text (several files concatenated, as
 * `systemctl cat` prints them, drop-ins after the unit): an empty `ExecStart=` resets, the
 * last one wins. Null when there is none.
 */
export function execStartArgv(unitText: string): string[] | null {
  // Join continuation lines first (a trailing backslash continues the line).
  const lines = unitText.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  let argv: string[] | null = null;
  let section = '';
  for (const raw of lines) {
    const line = raw.trim();
    if (line.startsWith('#') || line.startsWith(';') || line === '') continue;
    const sec = /^\[(.+)\]$/.exec(line);
    if (sec) {
      section = sec[1] ?? '';
      continue;
    }
    const m = /^ExecStart\s*=\s*(.*)$/.exec(line);
    if (!m || section !== 'Service') continue;
    const value = m[1] ?? '';
    if (value === '') {
      argv = null;
      continue;
    }
    const words = splitWords(value);
    // Executable prefixes: - @ : + ! !! change how it runs, not what.
    if (words[0]) words[0] = words[0].replace(/^[-@:+!]+/, '');
    argv = words;
  }
  return argv;
}

/** The argv in /proc/<pid>/cmdline (NUL-separated). */
export function cmdlineArgv(buf: Buffer): string[] {
  return buf.toString('utf8').split('\0').filter((s, i, all) => s !== '' || i < all.length - 1);
}

/** `--name=value` and `--name value` → { name: value }; a bare `--flag` is "true". */
export function parseFlags(argv: string[]): Record<string, string> {
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--') || arg === '--') continue;
    const eq = arg.indexOf('=');
    if (eq > 0) {
      flags[arg.slice(2, eq)] = arg.slice(eq + 1);
    } else {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('-')) {
        flags[arg.slice(2)] = next;
        i++;
      } else flags[arg.slice(2)] = 'true';
    }
  }
  return flags;
}

export const TLS_FLAGS = ['tls-cert-file', 'tls-private-key-file', 'cert-dir'] as const;

export function configFromFlags(flags: Record<string, string>, flagsSource: string): ApiserverConfig {
  const port = Number(flags['secure-port'] ?? '6443');
  return {
    flagsSource,
    flags,
    tlsCertFile: flags['tls-cert-file'] || undefined,
    tlsPrivateKeyFile: flags['tls-private-key-file'] || undefined,
    clientCaFile: flags['client-ca-file'] || undefined,
    certDir: flags['cert-dir'] || DEFAULT_CERT_DIR,
    securePort: Number.isInteger(port) && port > 0 ? port : 6443,
    bindAddress: flags['bind-address'],
    advertiseAddress: flags['advertise-address'],
  };
}

/** The TLS flags that differ between the unit and the running process, or null. */
export function tlsFlagDifference(unit: Record<string, string>, proc: Record<string, string>): ApiserverConfig['unitDiffersFromProcess'] | null {
  const differs = TLS_FLAGS.some((f) => (unit[f] ?? '') !== (proc[f] ?? ''));
  if (!differs) return null;
  const pick = (r: Record<string, string>) => Object.fromEntries(TLS_FLAGS.map((f) => [f, r[f]]));
  return { unit: pick(unit), process: pick(proc) };
}
