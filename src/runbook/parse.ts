// Markdown → Runbook. The structure (front matter, headings, fences, comments) comes from the
// CommonMark/GFM syntax tree with its positions; only the insides of an info string or a
// `lockstep:` comment are tokenized here. Never throws: problems become diagnostics.
import { createHash } from 'node:crypto';
import { basename, extname } from 'node:path';
import type { Code, Heading, Html, Nodes, Root, RootContent } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { frontmatterFromMarkdown } from 'mdast-util-frontmatter';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { frontmatter } from 'micromark-extension-frontmatter';
import { gfm } from 'micromark-extension-gfm';
import { parseBlockInfo, parseStepAttributes, type BlockAttributes } from './attributes.js';
import { error, sortDiagnostics } from './diagnostics.js';
import { parseFrontMatter, type FrontMatter } from './front-matter.js';
import { IdAllocator, slugify } from './slug.js';
import { advance } from './text-positions.js';
import { parseYaml } from './yaml-source.js';
import type {
  Block,
  Diagnostic,
  Parsed,
  ProseSegment,
  Runbook,
  SourcePos,
  SourceRange,
  Step,
} from './types.js';

const LOCKSTEP_COMMENT = /^<!--\s*lockstep:/;

export function parseRunbook(file: string, text: string): Parsed<Runbook> {
  const diagnostics: Diagnostic[] = [];
  try {
    const value = parseInner(file, text, diagnostics);
    return { value, diagnostics: sortDiagnostics(diagnostics) };
  } catch (e) {
    // A parser bug must not take the CLI down with a stack trace; report it where we can.
    diagnostics.push(error('internal', { file, line: 1, column: 1 }, `could not parse this runbook: ${(e as Error).message}`, 'please report this as a lockstep bug'));
    return { value: undefined, diagnostics };
  }
}

/** A step under construction: its heading and the top-level nodes that belong to it. */
interface RawStep {
  heading: Heading;
  nodes: RootContent[];
  endOffset: number;
  end: { line: number; column: number };
}

function parseInner(file: string, text: string, diags: Diagnostic[]): Runbook {
  const tree: Root = fromMarkdown(text, {
    extensions: [gfm(), frontmatter(['yaml'])],
    mdastExtensions: [gfmFromMarkdown(), frontmatterFromMarkdown(['yaml'])],
  });
  const posOf = (p: { line: number; column: number }): SourcePos => ({ file, line: p.line, column: p.column });
  const docEnd = tree.position?.end ?? { line: 1, column: 1, offset: text.length };

  let fm: FrontMatter = { requires: [], vars: [], pos: {} };
  let title: string | undefined;
  const intro: RootContent[] = [];
  const raws: RawStep[] = [];
  let introEnd = text.length;
  let current: RawStep | undefined;
  const closeCurrent = (node: RootContent): void => {
    if (current && node.position) {
      current.endOffset = node.position.start.offset ?? text.length;
      current.end = { line: node.position.start.line, column: node.position.start.column };
    }
    current = undefined;
  };

  for (const node of tree.children) {
    if (node.type === 'yaml') {
      const p = node.position;
      // The YAML starts on the line after the opening `---`.
      const start = p ? { file, line: p.start.line + 1, column: 1 } : { file, line: 2, column: 1 };
      fm = parseFrontMatter(node.value, start, diags);
      continue;
    }
    if (node.type === 'heading' && node.depth <= 2) {
      closeCurrent(node);
      if (node.depth === 1) {
        if (title === undefined && raws.length === 0) title = headingText(node);
        else diags.push(error('second-title', posOf(node.position!.start), 'a runbook has one `#` title; this is a second one', 'make it a `##` step heading, or move it to its own runbook'));
        continue;
      }
      if (raws.length === 0) introEnd = node.position?.start.offset ?? text.length;
      current = { heading: node, nodes: [], endOffset: text.length, end: { line: docEnd.line, column: docEnd.column } };
      raws.push(current);
      continue;
    }
    if (current) current.nodes.push(node);
    else intro.push(node);
  }

  // Intro: prose only. Blocks that would run here have no step to belong to.
  for (const code of codeNodes(intro)) {
    const attrs = blockAttributes(code, text, file, diags);
    if (attrs && attrs.kind !== 'doc') {
      diags.push(error('block-outside-step', posOf(code.position!.start), `this ${attrs.kind} block is outside any step`, 'put it under a `##` step heading, or mark a sample with `sh skip`'));
    }
  }
  for (const node of intro) {
    if (node.type === 'html' && LOCKSTEP_COMMENT.test(node.value)) {
      diags.push(error('misplaced-step-attributes', posOf(node.position!.start), 'a `lockstep:` comment belongs right under a `##` step heading', 'move it directly below the heading it configures'));
    }
  }
  const introStart = frontMatterEnd(tree);
  const introRange = introStartAfterTitle(tree, introStart);
  const introProse = prose(text, introRange, Math.min(introEnd, text.length), [], file);

  // Explicit ids are reserved first so generated ones never collide with them.
  const stepAttrs = raws.map((raw) => stepAttributes(raw, text, file, diags));
  const explicitStepIds = new Map<string, SourcePos>();
  stepAttrs.forEach((a) => {
    if (a?.id === undefined) return;
    const pos = a.attrPos.id as SourcePos;
    const prev = explicitStepIds.get(a.id);
    if (prev) diags.push(error('duplicate-step-id', pos, `step id \`${a.id}\` is already used at line ${prev.line}`, 'give each step its own id'));
    else explicitStepIds.set(a.id, pos);
  });
  const stepIds = new IdAllocator(explicitStepIds.keys());

  // Blocks: parse every fence once, then assign ids (explicit ones reserved first).
  const parsedBlocks = raws.map((raw) =>
    codeNodes(raw.nodes)
      .map((code) => ({ code, attrs: blockAttributes(code, text, file, diags) }))
      .filter((b): b is { code: Code; attrs: BlockAttributes } => b.attrs !== undefined && b.attrs.kind !== 'doc'),
  );
  const explicitBlockIds = new Map<string, SourcePos>();
  for (const b of parsedBlocks.flat()) {
    if (b.attrs.id === undefined) continue;
    const pos = b.attrs.attrPos.id as SourcePos;
    const prev = explicitBlockIds.get(b.attrs.id);
    if (prev) diags.push(error('duplicate-block-id', pos, `block id \`${b.attrs.id}\` is already used at line ${prev.line}`, 'give each block its own id'));
    else explicitBlockIds.set(b.attrs.id, pos);
  }
  const blockIds = new IdAllocator(explicitBlockIds.keys());

  const steps: Step[] = raws.map((raw, i) => {
    const attrs = stepAttrs[i];
    const hp = raw.heading.position!;
    const stepTitle = headingText(raw.heading);
    const id = attrs?.id ?? stepIds.next(slugify(stepTitle) || 'step');
    const range: SourceRange = { start: posOf(hp.start), end: raw.end };
    const blocks: Block[] = [];
    const skip: [number, number][] = [];
    for (const n of raw.nodes) {
      if (n.type === 'html' && LOCKSTEP_COMMENT.test(n.value) && n === raw.nodes[0]) skip.push(span(n));
    }
    for (const { code, attrs: a } of parsedBlocks[i] ?? []) {
      skip.push(span(code));
      const block = toBlock(code, a, id, blockIds, file, diags, attrs?.timeoutMs);
      if (block) blocks.push(block);
    }
    const p = prose(text, hp.end.offset ?? 0, raw.endOffset, skip, file);
    const step: Step = { id, title: stepTitle, depth: raw.heading.depth, range, explanation: p.text, blocks, explanationMap: p.map };
    if (attrs?.targets) step.targets = attrs.targets;
    if (attrs && Object.keys(attrs.attrPos).length > 0) step.attrPos = attrs.attrPos;
    return step;
  });

  const name = fm.name ?? basename(file, extname(file));
  const runbook: Runbook = {
    name,
    title: fm.title ?? title ?? name,
    file,
    sha256: createHash('sha256').update(text).digest('hex'),
    requires: fm.requires,
    targets: fm.targets ?? { names: ['all'], once: false },
    vars: fm.vars,
    steps,
    intro: introProse.text,
    introMap: introProse.map,
    frontMatterPos: fm.pos,
  };
  if (fm.description !== undefined) runbook.description = fm.description;
  return runbook;
}

function span(n: Nodes): [number, number] {
  return [n.position?.start.offset ?? 0, n.position?.end.offset ?? 0];
}

/** Every fenced or indented code node under the given nodes (inside lists and quotes too). */
function codeNodes(nodes: RootContent[]): Code[] {
  const out: Code[] = [];
  const walk = (n: Nodes): void => {
    if (n.type === 'code') out.push(n);
    if ('children' in n) for (const c of n.children as Nodes[]) walk(c);
  };
  nodes.forEach(walk);
  return out;
}

function headingText(h: Heading): string {
  let s = '';
  const walk = (n: Nodes): void => {
    if (n.type === 'text' || n.type === 'inlineCode') s += n.value;
    else if ('children' in n) for (const c of n.children as Nodes[]) walk(c);
  };
  h.children.forEach(walk);
  return s.trim();
}

/** The info string of a fenced code node, read from the source so columns are exact. */
function blockAttributes(code: Code, text: string, file: string, diags: Diagnostic[]): BlockAttributes | undefined {
  const start = code.position?.start;
  if (!start || start.offset === undefined) return undefined;
  const lineEnd = text.indexOf('\n', start.offset);
  const line = text.slice(start.offset, lineEnd < 0 ? text.length : lineEnd).replace(/\r$/, '');
  const fence = /^(`{3,}|~{3,})/.exec(line);
  if (!fence) return undefined; // an indented code block: always documentation
  const info = line.slice(fence[0].length);
  const at = (offset: number): SourcePos => ({ file, line: start.line, column: start.column + fence[0].length + offset });
  return parseBlockInfo(info, at, diags);
}

function stepAttributes(raw: RawStep, text: string, file: string, diags: Diagnostic[]) {
  const first = raw.nodes[0];
  for (const n of raw.nodes) {
    if (n.type !== 'html' || !LOCKSTEP_COMMENT.test(n.value) || n === first) continue;
    diags.push(error('misplaced-step-attributes', { file, line: n.position!.start.line, column: n.position!.start.column }, 'a `lockstep:` comment belongs right under the step heading', 'move it directly below the `##` heading, before any prose'));
  }
  if (!first || first.type !== 'html' || !LOCKSTEP_COMMENT.test(first.value)) return undefined;
  const html = first as Html;
  const startOffset = html.position!.start.offset ?? 0;
  const raw0 = text.slice(startOffset, html.position!.end.offset ?? startOffset);
  const m = /^<!--\s*lockstep:/.exec(raw0)!;
  const close = raw0.indexOf('-->');
  const start = { file, line: html.position!.start.line, column: html.position!.start.column };
  if (close < 0) {
    diags.push(error('bad-attribute', start, 'the `lockstep:` comment is not closed', 'end it with -->'));
    return undefined;
  }
  const body = raw0.slice(m[0].length, close);
  const at = (offset: number): SourcePos => advance(start, raw0, m[0].length + offset);
  const multi = body.includes('\n');
  const attrs = parseStepAttributes(multi ? body.replace(/\r?\n/g, ' ') : body, at, diags);
  return attrs;
}

function toBlock(
  code: Code,
  a: BlockAttributes,
  stepId: string,
  ids: IdAllocator,
  file: string,
  diags: Diagnostic[],
  stepTimeout: number | undefined,
): Block | undefined {
  const p = code.position!;
  const kind = a.kind;
  if (kind === 'doc') return undefined;
  const start: SourcePos = { file, line: p.start.line, column: p.start.column };
  const base = {
    id: a.id ?? ids.next(`${stepId}-${kind}`),
    lang: a.lang,
    body: code.value,
    range: { start, end: { line: p.end.line, column: p.end.column } },
    bodyStart: { file, line: p.start.line + 1, column: p.start.column },
    attrPos: a.attrPos,
  };
  const common: Partial<Pick<Block, 'targets' | 'timeoutMs'>> = {};
  if (a.targets) common.targets = a.targets;
  const timeout = a.timeoutMs ?? stepTimeout;
  if (timeout !== undefined) common.timeoutMs = timeout;
  switch (kind) {
    case 'run':
    case 'rollback':
      return { ...base, ...common, kind };
    case 'file': {
      if (a.path === undefined) {
        if (a.attrPos.path === undefined) diags.push(error('file-without-path', start, 'this file block has no path', 'add path=/absolute/path to the info string, e.g. ```ini file path=/etc/x.conf'));
        return undefined;
      }
      const b: Block = { ...base, ...common, kind, path: a.path };
      if (a.mode !== undefined) b.mode = a.mode;
      if (a.owner !== undefined) b.owner = a.owner;
      return b;
    }
    case 'verify': {
      const b: Block = { ...base, ...common, kind, retries: a.retries ?? 0, intervalMs: a.intervalMs ?? 2000 };
      if (a.expect !== undefined) b.expect = a.expect;
      return b;
    }
    case 'san-check': {
      // Parse with every ${…} masked (same length) so flow collections stay valid YAML and
      // columns stay exact; the plan parses the rendered text per node.
      const originals = new Map<string, string>();
      const masked = code.value.replace(/\$\{[^}\n]*\}/g, (m) => {
        const token = `Q${originals.size.toString(36)}Q`.padEnd(m.length, 'q');
        originals.set(token, m);
        return token;
      });
      const d: Diagnostic[] = [];
      const src = parseYaml(masked, base.bodyStart, d);
      const bodyDiags = d.map((x) => ({ ...x, column: x.column + p.start.column - 1 }));
      diags.push(...bodyDiags);
      let options: Record<string, unknown> = {};
      if (bodyDiags.length === 0) {
        const js: unknown = src.doc.toJS();
        if (js === null || js === undefined || typeof js !== 'object' || Array.isArray(js)) {
          diags.push(error('bad-san-check', start, 'a san-check block body must be a YAML mapping of options', 'write e.g. `endpoint: ${node.address}:6443` and `names:` as a list'));
        } else {
          options = unmask(js, originals) as Record<string, unknown>;
        }
      }
      return { ...base, ...common, kind, options, retries: a.retries ?? 0, intervalMs: a.intervalMs ?? 2000 };
    }
  }
}

/** Puts the masked `${…}` expressions back into the parsed options. */
function unmask(value: unknown, originals: Map<string, string>): unknown {
  if (typeof value === 'string') return value.replace(/Q[0-9a-z]+Qq*/g, (t) => originals.get(t) ?? t);
  if (Array.isArray(value)) return value.map((v) => unmask(v, originals));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [unmask(k, originals) as string, unmask(v, originals)]));
  }
  return value;
}

function frontMatterEnd(tree: Root): number {
  const first = tree.children[0];
  return first?.type === 'yaml' ? (first.position?.end.offset ?? 0) : 0;
}

/** The intro starts after the front matter and after the `#` title, if the title comes first. */
function introStartAfterTitle(tree: Root, from: number): number {
  for (const n of tree.children) {
    if (n.type === 'yaml') continue;
    if (n.type === 'heading' && n.depth === 1) return n.position?.end.offset ?? from;
    break;
  }
  return from;
}

/**
 * Verbatim slices of `text` between `from` and `to` minus the `skip` spans, each trimmed of
 * blank space, joined with a blank line; with a map back to file positions.
 */
function prose(text: string, from: number, to: number, skip: [number, number][], file: string): { text: string; map: ProseSegment[] } {
  const pieces: [number, number][] = [];
  let cursor = from;
  for (const [s, e] of [...skip].sort((a, b) => a[0] - b[0])) {
    if (s > cursor) pieces.push([cursor, s]);
    cursor = Math.max(cursor, e);
  }
  if (to > cursor) pieces.push([cursor, to]);
  let out = '';
  const map: ProseSegment[] = [];
  for (const [s0, e0] of pieces) {
    let s = s0;
    let e = e0;
    while (s < e && /\s/.test(text[s] as string)) s++;
    while (e > s && /\s/.test(text[e - 1] as string)) e--;
    if (s >= e) continue;
    if (out !== '') out += '\n\n';
    const p = advance({ file, line: 1, column: 1 }, text, s);
    map.push({ offset: out.length, line: p.line, column: p.column });
    out += text.slice(s, e);
  }
  return { text: out, map };
}
