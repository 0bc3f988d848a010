// Shared helpers for scripts/bench-*.mjs: timing, statistics, child processes, Markdown.
import { spawn } from 'node:child_process';
import { loadavg, cpus } from 'node:os';
import { performance } from 'node:perf_hooks';

export const now = () => performance.now();

/** Sorted-copy percentile (nearest rank), p in [0, 100]. */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length - 1, Math.max(0, rank - 1))];
}

export function stats(values) {
  const s = [...values].sort((a, b) => a - b);
  const sum = s.reduce((a, b) => a + b, 0);
  return {
    n: s.length,
    min: s[0] ?? NaN,
    median: s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN,
    p90: percentile(s, 90),
    p99: percentile(s, 99),
    max: s[s.length - 1] ?? NaN,
    mean: s.length ? sum / s.length : NaN,
  };
}

/** Milliseconds with a precision that fits their size. */
export function ms(v) {
  if (!Number.isFinite(v)) return 'n/a';
  if (v >= 100) return `${v.toFixed(0)} ms`;
  if (v >= 10) return `${v.toFixed(1)} ms`;
  return `${v.toFixed(2)} ms`;
}

export function ratio(v, base) {
  if (!Number.isFinite(v) || !Number.isFinite(base) || base === 0) return 'n/a';
  const r = v / base;
  return r >= 10 ? `${r.toFixed(0)}×` : `${r.toFixed(2)}×`;
}

/** Runs a command; resolves with its exit code and output (never rejects on a non-zero exit). */
export function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    const out = [];
    const err = [];
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => err.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
  });
}

/** Runs a command and throws with its stderr when it fails. */
export async function runOk(cmd, args, opts = {}) {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code ?? r.signal}: ${(r.stderr || r.stdout).trim().split('\n').slice(-5).join(' / ')}`);
  return r;
}

/** Times one call of an async function, in ms. */
export async function time(fn) {
  const t0 = now();
  await fn();
  return now() - t0;
}

export function machine() {
  const c = cpus();
  return `${c.length} cores (${c[0]?.model?.trim() ?? 'unknown CPU'}), Node ${process.version}`;
}

export function load() {
  return loadavg().map((l) => l.toFixed(2)).join(' ');
}

/** A Markdown table from a header row and rows of cells. */
export function table(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/**
 * Replaces (or appends) the section that starts with `heading` (a `## …` line) in a Markdown
 * file's text, up to the next `## ` heading; other sections are left as they are.
 */
export function replaceSection(text, heading, body) {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trim() === heading.trim());
  const section = `${heading}\n\n${body.trim()}\n`;
  if (start < 0) return `${text.replace(/\n*$/, '\n')}\n${section}`;
  let end = lines.findIndex((l, i) => i > start && /^## /.test(l));
  if (end < 0) end = lines.length;
  const before = lines.slice(0, start).join('\n');
  const after = lines.slice(end).join('\n');
  return `${before}${before ? '\n' : ''}${section}${after ? `\n${after}` : ''}`;
}
