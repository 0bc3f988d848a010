// Divergence detection: after a block ran on several nodes, which nodes printed something
// different from the majority, once everything that legitimately differs between nodes
// (their names, addresses and own variable values; timestamps, PIDs, durations) is masked.
// Pure: plain data in, a report out.
import { formatPatch, structuredPatch } from 'diff';
import { plainText } from './terminal-text.js';

/** What makes a node itself: every value here is masked in that node's output. */
export interface NodeIdentity {
  name: string;
  address?: string;
  /** The node's variables; only values that differ between the compared nodes are masked. */
  vars?: Record<string, string>;
}

export interface NodeOutput {
  node: string;
  output: string;
}

export interface DivergenceReport {
  /** The nodes that agree (or, on a tie, the reference group: the first node's). */
  majority: string[];
  /** Everyone else, each with a unified diff from a majority node's output to theirs. */
  outliers: { node: string; diff: string }[];
  tie: boolean;
}

interface IdentityToken {
  value: string;
  node: string;
  label: string;
}

/**
 * Values that identify one node among the compared ones. A value shared by several nodes
 * (a common variable, a cluster-wide address) identifies nobody and stays literal.
 */
export function identityTokens(identities: NodeIdentity[]): IdentityToken[] {
  const candidates: IdentityToken[] = [];
  const varKeys = new Set(identities.flatMap((id) => Object.keys(id.vars ?? {})));
  for (const id of identities) {
    candidates.push({ value: id.name, node: id.name, label: 'name' });
    const short = id.name.split('.')[0];
    if (short && short !== id.name) candidates.push({ value: short, node: id.name, label: 'name' });
    if (id.address) candidates.push({ value: id.address, node: id.name, label: 'address' });
    for (const key of varKeys) {
      const value = id.vars?.[key];
      if (value === undefined) continue;
      const distinct = new Set(identities.map((other) => other.vars?.[key]));
      if (distinct.size > 1) candidates.push({ value, node: id.name, label: `var:${key}` });
    }
  }
  const owners = new Map<string, Set<string>>();
  for (const c of candidates) {
    const set = owners.get(c.value) ?? new Set<string>();
    set.add(c.node);
    owners.set(c.value, set);
  }
  const seen = new Set<string>();
  return candidates
    .filter((c) => c.value.trim().length >= 2 && owners.get(c.value)?.size === 1)
    .filter((c) => (seen.has(c.value) ? false : (seen.add(c.value), true)))
    .sort((a, b) => b.value.length - a.value.length);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function identityPattern(tokens: IdentityToken[]): RegExp | null {
  if (tokens.length === 0) return null;
  // Whole values only: `10.0.0.1` must not match inside `10.0.0.11`, nor `node1` in `node10`;
  // but `etcd-controller0` and `controller0-key.pem` do name controller0.
  const alternatives = tokens.map((t) => escapeRegExp(t.value)).join('|');
  return new RegExp(`(?<![A-Za-z0-9])(?<!\\d\\.)(?:${alternatives})(?![A-Za-z0-9])(?!\\.\\d)`, 'g');
}

const MONTHS = 'Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec';
const VOLATILE: [RegExp, string][] = [
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '‹uuid›'],
  [/\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|\s?[+-]\d{2}:?\d{2}\b)?/g, '‹time›'],
  [/\b\d{4}\/\d{2}\/\d{2}\b/g, '‹date›'],
  [/\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b/g, '‹time›'],
  [new RegExp(`\\b(?:${MONTHS})\\s+\\d{1,2}\\b`, 'g'), '‹date›'],
  [/\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b/g, '‹day›'],
  [/\b(?:pid|PID|Main PID|process|Process)(\s*[:=]?\s*)\d+\b/g, 'pid$1‹pid›'],
  [/^\[\d+\][+-]?\s+\d+\b/g, '[‹job›] ‹pid›'],
  [/\[\d{2,}\]/g, '[‹pid›]'],
  [/\b(Memory|CPU|Tasks|Mem|Swap|Uptime)(:\s*)[\d.]+\s*\w*/g, '$1$2‹n›'],
  [/\b\d+(?:\.\d+)?\s*(?:milliseconds?|seconds?|secs?|minutes?|mins?|hours?|days?)\b/g, '‹duration›'],
  [/\b(?:\d+(?:\.\d+)?(?:ns|µs|us|ms|s|m|h|d))+\b/g, '‹duration›'],
];

/**
 * The canonical form of one line of `node`'s output. A line naming only one node (usually
 * itself: `hostname`, its own IP in a config) is made relative: its own identity becomes
 * ‹self›, another node's ‹other›, so `controller1` wrongly printing controller0's address
 * stands out. A line naming several nodes (a member list, `--initial-cluster`) is the same
 * on every node, so it is kept absolute.
 */
function canonicalLine(line: string, node: string, pattern: RegExp | null, byValue: Map<string, IdentityToken>): string {
  let out = line.trimEnd();
  if (pattern) {
    const mentioned = new Set<string>();
    for (const m of out.matchAll(pattern)) {
      const tok = byValue.get(m[0]);
      if (tok) mentioned.add(tok.node);
    }
    if (mentioned.size === 1) {
      out = out.replace(pattern, (v) => {
        const tok = byValue.get(v);
        if (!tok) return v;
        return tok.node === node ? `‹self:${tok.label}›` : `‹other:${tok.label}›`;
      });
    }
  }
  for (const [re, replacement] of VOLATILE) out = out.replace(re, replacement);
  return out;
}

function plainLines(output: string): string[] {
  const lines = plainText(output).split('\n');
  while (lines.length > 0 && lines[lines.length - 1]?.trim() === '') lines.pop();
  return lines;
}

/** Canonical lines of each node's output, for comparison (exported for tests and the UI). */
export function canonicalize(outputs: NodeOutput[], identities: NodeIdentity[]): Map<string, { plain: string[]; canonical: string[] }> {
  const tokens = identityTokens(identities);
  const pattern = identityPattern(tokens);
  const byValue = new Map(tokens.map((t) => [t.value, t]));
  const result = new Map<string, { plain: string[]; canonical: string[] }>();
  for (const { node, output } of outputs) {
    const plain = plainLines(output);
    result.set(node, { plain, canonical: plain.map((l) => canonicalLine(l, node, pattern, byValue)) });
  }
  return result;
}

/**
 * Compares the nodes' outputs of one block. Returns null when all agree (or fewer than two
 * nodes ran it). `outputs` should be in inventory order: on a tie, the first node's group
 * is the reference.
 */
export function detectDivergence(outputs: NodeOutput[], identities: NodeIdentity[]): DivergenceReport | null {
  if (outputs.length < 2) return null;
  const canon = canonicalize(outputs, identities);
  const groups = new Map<string, string[]>();
  for (const { node } of outputs) {
    const key = canon.get(node)?.canonical.join('\n') ?? '';
    const group = groups.get(key) ?? [];
    group.push(node);
    groups.set(key, group);
  }
  if (groups.size === 1) return null;
  const sizes = [...groups.values()].map((g) => g.length);
  const largest = Math.max(...sizes);
  const tie = sizes.filter((s) => s === largest).length > 1;
  // Map iteration follows first appearance, i.e. inventory order: the first largest group wins ties.
  const majority = [...groups.values()].find((g) => g.length === largest) ?? [];
  const reference = majority[0] ?? '';
  const outliers = outputs
    .filter(({ node }) => !majority.includes(node))
    .map(({ node }) => ({ node, diff: outputDiff(reference, node, canon) }));
  return { majority, outliers, tie };
}

/**
 * A unified diff aligned on the canonical lines (so masked differences never show up as
 * changes) but printed with the real lines, so the operator sees the actual values.
 */
function outputDiff(from: string, to: string, canon: Map<string, { plain: string[]; canonical: string[] }>): string {
  const a = canon.get(from) ?? { plain: [], canonical: [] };
  const b = canon.get(to) ?? { plain: [], canonical: [] };
  const text = (lines: string[]) => (lines.length ? `${lines.join('\n')}\n` : '');
  const patch = structuredPatch(from, to, text(a.canonical), text(b.canonical), undefined, undefined, { context: 2 });
  for (const hunk of patch.hunks) {
    let oldIndex = hunk.oldStart - 1;
    let newIndex = hunk.newStart - 1;
    hunk.lines = hunk.lines.map((line) => {
      switch (line[0]) {
        case ' ': {
          const real = ` ${b.plain[newIndex] ?? line.slice(1)}`;
          oldIndex++;
          newIndex++;
          return real;
        }
        case '-':
          return `-${a.plain[oldIndex++] ?? line.slice(1)}`;
        case '+':
          return `+${b.plain[newIndex++] ?? line.slice(1)}`;
        default:
          return line;
      }
    });
  }
  // Without jsdiff's '=====' separator line: plain unified diff, as `diff -u` prints.
  return formatPatch(patch).replace(/^=+\n/, '');
}
