// Finding lockstep's `${…}` expressions in text (block bodies, attribute values, prose).
// Scanning is syntax only; which names exist is the validator's and renderer's business.

export const BUILTINS = ['name', 'address', 'port', 'user', 'hostname'] as const;
export type Builtin = (typeof BUILTINS)[number];

/** A piece of a `nodes(…)` template: literal text or a `{placeholder}`. */
export type TemplatePart =
  | { type: 'text'; text: string }
  | { type: 'field'; name: string; /** offset of `{` in the scanned text */ offset: number };

export type Expr = (
  | { type: 'var'; name: string }
  | { type: 'builtin'; field: Builtin }
  /** `${a.b}` that is not a builtin: never valid shell, so always a mistake. */
  | { type: 'dotted'; name: string }
  | {
      type: 'nodes';
      selector: string[];
      selectorOffset: number;
      template: TemplatePart[];
      separator: string;
    }
  /** `$${`: a literal `${`. */
  | { type: 'escape' }
  /** `${…}` whose content is not a lockstep expression (shell syntax such as `${A:-x}`). */
  | { type: 'other'; text: string }
  | { type: 'malformed'; message: string; hint: string }
) & {
  /** Offsets of the expression in the scanned text, end exclusive. */
  start: number;
  end: number;
};

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DOTTED = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$/;
export const isVarName = (s: string): boolean => IDENT.test(s);

export function scanExpressions(text: string): Expr[] {
  const out: Expr[] = [];
  let i = 0;
  while (i < text.length) {
    const at = text.indexOf('$', i);
    if (at < 0) break;
    if (text.startsWith('$${', at)) {
      out.push({ type: 'escape', start: at, end: at + 3 });
      i = at + 3;
      continue;
    }
    if (text[at + 1] !== '{') {
      i = at + 1;
      continue;
    }
    const inner = at + 2;
    if (/^nodes\s*\(/.test(text.slice(inner, inner + 12))) {
      const e = scanNodesCall(text, at);
      out.push(e);
      i = e.end;
      continue;
    }
    const close = text.indexOf('}', inner);
    const nl = text.indexOf('\n', inner);
    if (close < 0 || (nl >= 0 && nl < close)) {
      out.push({
        type: 'malformed',
        message: 'unterminated `${`',
        hint: 'close it with `}`, or write `$${` for a literal `${`',
        start: at,
        end: nl >= 0 ? nl : text.length,
      });
      i = inner;
      continue;
    }
    const content = text.slice(inner, close);
    const span = { start: at, end: close + 1 };
    const trimmed = content.trim();
    if (IDENT.test(trimmed)) out.push({ type: 'var', name: trimmed, ...span });
    else if (DOTTED.test(trimmed)) {
      const field = trimmed.startsWith('node.') ? trimmed.slice(5) : undefined;
      if (field !== undefined && (BUILTINS as readonly string[]).includes(field)) {
        out.push({ type: 'builtin', field: field as Builtin, ...span });
      } else out.push({ type: 'dotted', name: trimmed, ...span });
    } else out.push({ type: 'other', text: content, ...span });
    i = close + 1;
  }
  return out;
}

/** Parses `${nodes(SEL, "TEMPLATE", "SEP")}` starting at the `$`. */
function scanNodesCall(text: string, at: number): Expr {
  let i = text.indexOf('(', at) + 1;
  const fail = (message: string, hint: string): Expr => {
    const nl = text.indexOf('\n', at);
    const close = text.indexOf('}', i);
    const end = close >= 0 && (nl < 0 || close < nl) ? close + 1 : nl >= 0 ? nl : text.length;
    return { type: 'malformed', message, hint, start: at, end: Math.max(end, at + 2) };
  };
  const usage = 'write ${nodes(GROUP, "{name}={address}", ",")}';
  const skipSpace = (): void => {
    while (text[i] === ' ' || text[i] === '\t') i++;
  };
  const readString = (): string | undefined => {
    if (text[i] !== '"') return undefined;
    i++;
    let s = '';
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\n') return undefined;
      if (text[i] === '\\') {
        const c = text[i + 1];
        s += c === 'n' ? '\n' : c === 't' ? '\t' : (c ?? '');
        i += 2;
      } else s += text[i++];
    }
    if (text[i] !== '"') return undefined;
    i++;
    return s;
  };
  skipSpace();
  const selectorOffset = i;
  let selectorText: string | undefined;
  if (text[i] === '"') selectorText = readString();
  else {
    const m = /^[A-Za-z0-9_.-]+/.exec(text.slice(i));
    if (m) {
      selectorText = m[0];
      i += m[0].length;
    }
  }
  if (selectorText === undefined) return fail('`nodes(…)` needs a group or node names first', usage);
  const selector = selectorText.split(',').map((s) => s.trim());
  if (selector.some((s) => s === '')) return fail('`nodes(…)` has an empty name in its selector', usage);
  skipSpace();
  if (text[i] !== ',') return fail('`nodes(…)` needs a quoted template after the selector', usage);
  i++;
  skipSpace();
  const templateOffset = i + 1;
  const templateText = readString();
  if (templateText === undefined) return fail('`nodes(…)` template must be a double-quoted string', usage);
  skipSpace();
  let separator = ',';
  if (text[i] === ',') {
    i++;
    skipSpace();
    const sep = readString();
    if (sep === undefined) return fail('`nodes(…)` separator must be a double-quoted string', usage);
    separator = sep;
    skipSpace();
  }
  if (text[i] !== ')' || text[i + 1] !== '}') return fail('`nodes(…)` is not closed with `)}`', usage);
  i += 2;
  const template = parseTemplate(templateText, templateOffset);
  if ('message' in template) return { type: 'malformed', message: template.message, hint: usage, start: at, end: i };
  return { type: 'nodes', selector, selectorOffset, template, separator, start: at, end: i };
}

/**
 * Splits a template into text and `{field}` parts. Offsets of fields are approximate when the
 * template contains escapes (they are relative to the unescaped string plus its start).
 */
function parseTemplate(t: string, base: number): TemplatePart[] | { message: string } {
  const parts: TemplatePart[] = [];
  let i = 0;
  while (i < t.length) {
    const open = t.indexOf('{', i);
    if (open < 0) {
      parts.push({ type: 'text', text: t.slice(i) });
      break;
    }
    if (open > i) parts.push({ type: 'text', text: t.slice(i, open) });
    const close = t.indexOf('}', open);
    if (close < 0) return { message: 'unclosed `{` in a `nodes(…)` template' };
    if (t[open - 1] === '$') return { message: `inside a \`nodes(…)\` template write \`{${t.slice(open + 1, close).trim()}}\`, not \`\${…}\`` };
    const name = t.slice(open + 1, close).trim();
    if (!IDENT.test(name)) return { message: `\`{${name}}\` in a \`nodes(…)\` template is not a field or variable name` };
    parts.push({ type: 'field', name, offset: base + open });
    i = close + 1;
  }
  return parts;
}
