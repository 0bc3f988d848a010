// Finding the lab's own systemd-nspawn processes from /proc, so that `down` can stop them
// even when the state file was lost in a crash, without touching anyone else's processes.
import { readFileSync, readdirSync } from 'node:fs';

export interface NspawnProc {
  pid: number;
  root: string;
}

/** Pure: the root directory of a systemd-nspawn command line, if it is one. */
export function nspawnRoot(argv: string[]): string | undefined {
  if (!argv[0]?.endsWith('systemd-nspawn')) return undefined;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '-D' || a === '--directory') return argv[i + 1];
    if (a.startsWith('--directory=')) return a.slice('--directory='.length);
  }
  return undefined;
}

/** nspawn processes whose root is under `dir`. */
export function nspawnsUnder(dir: string): NspawnProc[] {
  const found: NspawnProc[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
    } catch {
      continue;
    }
    const root = nspawnRoot(argv);
    if (root && (root === dir || root.startsWith(`${dir}/`))) found.push({ pid: Number(entry), root });
  }
  return found;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, pollMs = 200): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
