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

interface Mention {
  node: string;
  label: string;
  value: string;
}

interface TokenLine {
  /** The line with volatile values masked and every identity mention replaced by ‹id›. */
  skeleton: string;
  mentions: Mention[];
}

const MENTION = '\u0000';

function tokenizeLine(line: string, pattern: RegExp | null, byValue: Map<string, IdentityToken>): TokenLine {
  const mentions: Mention[] = [];
  let text = line.trimEnd();
  if (pattern) {
    text = text.replace(pattern, (v) => {
      const tok = byValue.get(v);
      if (!tok) return v;
      mentions.push({ node: tok.node, label: tok.label, value: v });
      return MENTION;
    });
  }
  for (const [re, replacement] of VOLATILE) text = text.replace(re, replacement);
  return { skeleton: text, mentions };
}

/**
 * A mention of a node can be meant two ways: relative (each node prints its own name: `hostname`,
 * its own IP in a config) or absolute (every node prints the same node: a member list, the
 * bootstrap node). For each mention position in each kind of line, the nodes vote: the reading
 * under which more nodes agree wins, relative on a tie. So `controller1` printing controller0's
 * address where the others print their own stands out, while a member list next to the node's
 * own name on the same line (`--name controller1 --initial-cluster controller0=…,controller1=…`)
 * does not.
 */
function decideReadings(lines: Map<string, TokenLine[]>): Map<string, 'absolute' | 'relative'> {
  const votes = new Map<string, { absolute: Map<string, number>; relative: Map<string, number> }>();
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const [node, tokenLines] of lines) {
    const seen = new Map<string, number>();
    for (const tl of tokenLines) {
      const occurrence = seen.get(tl.skeleton) ?? 0;
      seen.set(tl.skeleton, occurrence + 1);
      tl.mentions.forEach((m, pos) => {
        const key = `${tl.skeleton}\u0001${occurrence}\u0001${pos}`;
        const v = votes.get(key) ?? { absolute: new Map(), relative: new Map() };
        bump(v.absolute, m.value);
        bump(v.relative, `${m.node === node ? 'self' : 'other'}:${m.label}`);
        votes.set(key, v);
      });
    }
  }
  const decisions = new Map<string, 'absolute' | 'relative'>();
  const best = (m: Map<string, number>) => Math.max(0, ...m.values());
  for (const [key, v] of votes) decisions.set(key, best(v.absolute) > best(v.relative) ? 'absolute' : 'relative');
  return decisions;
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
  const plain = new Map(outputs.map(({ node, output }) => [node, plainLines(output)]));
  const tokenized = new Map([...plain].map(([node, lines]) => [node, lines.map((l) => tokenizeLine(l, pattern, byValue))]));
  const decisions = decideReadings(tokenized);
  const result = new Map<string, { plain: string[]; canonical: string[] }>();
  for (const [node, tokenLines] of tokenized) {
    const seen = new Map<string, number>();
    const canonical = tokenLines.map((tl) => {
      const occurrence = seen.get(tl.skeleton) ?? 0;
      seen.set(tl.skeleton, occurrence + 1);
      let pos = 0;
      return tl.skeleton.replace(new RegExp(MENTION, 'g'), () => {
        const m = tl.mentions[pos] as Mention;
        const reading = decisions.get(`${tl.skeleton}\u0001${occurrence}\u0001${pos}`);
        pos++;
        if (reading === 'absolute') return `‹${m.value}›`;
        return m.node === node ? `‹self:${m.label}›` : `‹other:${m.label}›`;
      });
    });
    result.set(node, { plain: plain.get(node) ?? [], canonical });
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
