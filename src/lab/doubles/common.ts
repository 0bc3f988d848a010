// Shared by the three practice doubles: flag parsing in the Kubernetes style, klog-like
// logging that names them as doubles, and the version they report. They run inside lab
// nodes on Debian's Node.js 18 with only node-forge and yaml beside them.
import { hostname, networkInterfaces } from 'node:os';

export const DOUBLE_NOTICE = 'PRACTICE DOUBLE from the lockstep lab, not the real Kubernetes component';

export function doubleVersion(): { major: string; minor: string; gitVersion: string } {
  const gitVersion = process.env.LOCKSTEP_DOUBLE_VERSION || 'v1.32.0+lockstep-practice-double';
  const m = /^v(\d+)\.(\d+)/.exec(gitVersion);
  return { major: m?.[1] ?? '1', minor: m?.[2] ?? '32', gitVersion };
}

export interface ParsedFlags {
  values: Map<string, string>;
  /** Flags the double was given but does not act on. */
  ignored: string[];
  errors: string[];
}

/**
 * Parses `--name=value`, `--name value` and boolean `--name` (Kubernetes' pflag syntax).
 * `known` maps each flag the double acts on to whether it takes a value.
 */
export function parseFlags(argv: string[], known: Record<string, 'value' | 'bool'>): ParsedFlags {
  const values = new Map<string, string>();
  const ignored: string[] = [];
  const errors: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const m = /^--?([A-Za-z0-9][\w.-]*)(?:=(.*))?$/s.exec(a);
    if (!m) {
      errors.push(`unexpected argument "${a}"`);
      continue;
    }
    const name = m[1] ?? '';
    let value = m[2];
    const kind = known[name];
    if (value === undefined) {
      if (kind === 'bool') value = 'true';
      else if (kind === 'value' || (argv[i + 1] !== undefined && !(argv[i + 1] ?? '').startsWith('-'))) value = argv[++i];
      else value = 'true';
    }
    if (value === undefined) {
      errors.push(`flag needs an argument: --${name}`);
      continue;
    }
    if (kind) values.set(name, value);
    else ignored.push(`--${name}=${value}`);
  }
  return { values, ignored, errors };
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** klog's header (`I1124 20:16:00.123456   pid file] msg`), naming the double as the source. */
export function log(level: 'I' | 'W' | 'E', msg: string): void {
  const d = new Date();
  const head = `${level}${pad(d.getMonth() + 1)}${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}000`;
  process.stderr.write(`${head} ${String(process.pid).padStart(7)} practice-double] ${msg}\n`);
}

export function fatal(msg: string): never {
  process.stderr.write(`Error: ${msg}\n`);
  process.exit(1);
}

export function nodeHostname(): string {
  return hostname();
}

/** The address the real components pick when none is given: the first non-loopback IPv4. */
export function firstHostIPv4(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/** Kubernetes' short human durations, as kubectl shows ages ("45s", "3m20s", "5h", "12d"). */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < -1) return '<invalid>';
  if (s < 0) return '0s';
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 24 * 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  const y = Math.floor(d / 365);
  if (d < 365 * 8) return d % 365 === 0 ? `${y}y` : `${y}y${d % 365}d`;
  return `${y}y`;
}

export function printHelpAndExit(name: string, flags: Record<string, string>): void {
  if (!process.argv.includes('--help') && !process.argv.includes('-h')) return;
  const lines = [`${name}: ${DOUBLE_NOTICE}.`, '', 'It behaves like the real component for the lab\'s runbooks. Flags it acts on:'];
  for (const [f, d] of Object.entries(flags)) lines.push(`      --${f.padEnd(32)} ${d}`);
  lines.push('', 'Any other flag of the real component is accepted, logged and ignored.');
  process.stdout.write(lines.join('\n') + '\n');
  process.exit(0);
}

export function printVersionAndExit(): void {
  const v = process.argv.find((a) => a === '--version' || a.startsWith('--version='));
  if (!v) return;
  process.stdout.write(`Kubernetes ${doubleVersion().gitVersion}\n`);
  process.exit(0);
}
