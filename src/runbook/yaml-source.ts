// YAML with positions: parse a YAML text that starts at a known place in a file, and report
// problems at file:line:col. Shared by the runbook front matter and the inventory loader.
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode, type Pair } from 'yaml';
import { error } from './diagnostics.js';
import { advance } from './text-positions.js';
import type { Diagnostic, SourcePos } from './types.js';

export interface YamlSource {
  doc: Document.Parsed;
  /** File position of an offset in the YAML text. */
  at(offset: number): SourcePos;
  /** File position of a node (its start), or of the text's start when it has none. */
  pos(node: unknown): SourcePos;
}

export function parseYaml(text: string, start: SourcePos, diags: Diagnostic[]): YamlSource {
  const lineCounter = new LineCounter();
  // uniqueKeys stays on: a duplicated key is a mistake in every file lockstep reads.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, strict: true });
  const at = (offset: number): SourcePos => advance(start, text, offset);
  for (const e of doc.errors) {
    diags.push(error('bad-yaml', at(e.pos[0]), `invalid YAML: ${firstLine(e.message)}`, 'fix the YAML syntax (indentation, quotes, colons)'));
  }
  const pos = (node: unknown): SourcePos => {
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    return range ? at(range[0]) : start;
  };
  return { doc, at, pos };
}

const firstLine = (s: string): string => s.split('\n')[0] ?? s;

/** The text of a scalar: strings as they are, numbers and booleans as YAML wrote them. */
export function scalarText(node: unknown): string | undefined {
  if (!isScalar(node)) return undefined;
  const v = node.value;
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') {
    return node.source !== undefined ? String(node.source) : String(v);
  }
  return undefined;
}

export const keyText = (pair: Pair): string => (isScalar(pair.key) ? String(pair.key.value) : '');

export function mapPairs(node: unknown): Pair<YamlNode, YamlNode | null>[] | undefined {
  return isMap(node) ? (node.items as Pair<YamlNode, YamlNode | null>[]) : undefined;
}

export function seqItems(node: unknown): unknown[] | undefined {
  return isSeq(node) ? node.items : undefined;
}

export const isNullish = (node: unknown): boolean =>
  node === null || node === undefined || (isScalar(node) && node.value === null);

export { isMap, isScalar, isSeq };
