// Substituting `${…}` for one node. Pure: everything it needs comes in the context.
import type { Inventory, Node } from '../inventory/types.js';
import { scanExpressions, type Builtin, type Expr, type TemplatePart } from './expressions.js';
import type { VarScope } from './scope.js';
import { resolveTargets } from './targets.js';

/** `strict`: every `${…}` is lockstep's (files, expect, san-check). `shell`: only known names. */
export type RenderMode = 'strict' | 'shell';

export interface RenderContext {
  inventory: Inventory;
  scope: VarScope;
  /** `--var name=value` from the command line. */
  cliVars: Record<string, string>;
  /** Show secrets as `<secret:name>` instead of their values (for printing a plan). */
  redactSecrets: boolean;
  /** Receives every secret value that was substituted, for Plan.secrets. */
  secretsSeen?: Set<string>;
}

export interface RenderProblem {
  /** Offset of the expression in the rendered source text. */
  offset: number;
  code: string;
  message: string;
  hint: string;
  /** The variable concerned, for `missing-value`. */
  name?: string;
}

/** A variable's value on a node: inventory (host > group > inventory) > --var > declared default. */
export function variableValue(name: string, node: Node, ctx: RenderContext): string | undefined {
  return node.vars[name] ?? ctx.cliVars[name] ?? ctx.scope.decls.get(name)?.default;
}

export function builtinValue(field: Builtin, node: Node): string {
  switch (field) {
    case 'name':
      return node.name;
    case 'address':
      return node.address ?? '';
    case 'port':
      return node.transport === 'local' ? '' : String(node.port);
    case 'user':
      return node.user ?? '';
    case 'hostname':
      return node.vars.hostname ?? node.name;
  }
}

export function renderText(
  text: string,
  mode: RenderMode,
  node: Node,
  ctx: RenderContext,
): { text: string; problems: RenderProblem[] } {
  const problems: RenderProblem[] = [];
  let out = '';
  let last = 0;
  for (const e of scanExpressions(text)) {
    const replacement = renderExpr(e, mode, node, ctx, problems);
    if (replacement === undefined) continue;
    out += text.slice(last, e.start) + replacement;
    last = e.end;
  }
  out += text.slice(last);
  return { text: out, problems };
}

function varOnNode(name: string, node: Node, ctx: RenderContext, offset: number, problems: RenderProblem[]): string | undefined {
  const value = variableValue(name, node, ctx);
  if (value === undefined) {
    problems.push({
      offset,
      name,
      code: 'missing-value',
      message: `variable \`${name}\` has no value on node ${node.name}`,
      hint: `set it in the inventory (host, group or inventory vars), pass --var ${name}=…, or give it a default in the front matter`,
    });
    return undefined;
  }
  if (ctx.scope.secret.has(name)) {
    if (value !== '') ctx.secretsSeen?.add(value);
    if (ctx.redactSecrets) return `<secret:${name}>`;
  }
  return value;
}

/** The replacement text, or undefined to leave the expression as written. */
function renderExpr(e: Expr, mode: RenderMode, node: Node, ctx: RenderContext, problems: RenderProblem[]): string | undefined {
  switch (e.type) {
    case 'escape':
      return '${';
    case 'builtin':
      return builtinValue(e.field, node);
    case 'var':
      if (mode === 'shell' && !ctx.scope.known.has(e.name)) return undefined;
      if (mode === 'strict' && !ctx.scope.known.has(e.name) && variableValue(e.name, node, ctx) === undefined) {
        problems.push({ offset: e.start, code: 'unknown-variable', message: `unknown variable \`${e.name}\``, hint: 'declare it under `vars:` in the front matter or set it in the inventory; write $${ for a literal ${' });
        return undefined;
      }
      return varOnNode(e.name, node, ctx, e.start, problems);
    case 'nodes':
      return renderNodes(e, node, ctx, problems);
    case 'dotted':
    case 'other':
    case 'malformed':
      if (mode === 'strict') {
        problems.push({ offset: e.start, code: 'bad-expression', message: e.type === 'malformed' ? e.message : `\`${text(e)}\` is not a lockstep expression`, hint: e.type === 'malformed' ? e.hint : 'use ${name}, ${node.name} or ${nodes(…)}; write $${ for a literal ${' });
      }
      return undefined;
  }
}

const text = (e: Expr): string => (e.type === 'dotted' ? `\${${e.name}}` : e.type === 'other' ? `\${${e.text}}` : '${…}');

function renderNodes(
  e: Extract<Expr, { type: 'nodes' }>,
  _self: Node,
  ctx: RenderContext,
  problems: RenderProblem[],
): string {
  const names = resolveTargets({ names: e.selector, once: false }, ctx.inventory);
  const parts: string[] = [];
  for (const name of names) {
    const n = ctx.inventory.nodes.find((x) => x.name === name) as Node;
    parts.push(renderTemplate(e.template, n, ctx, e.start, problems));
  }
  return parts.join(e.separator);
}

const BUILTIN_FIELDS = new Set<string>(['name', 'address', 'port', 'user', 'hostname']);

function renderTemplate(parts: TemplatePart[], node: Node, ctx: RenderContext, offset: number, problems: RenderProblem[]): string {
  let s = '';
  for (const p of parts) {
    if (p.type === 'text') s += p.text;
    else if (BUILTIN_FIELDS.has(p.name)) s += builtinValue(p.name as Builtin, node);
    else s += varOnNode(p.name, node, ctx, offset, problems) ?? '';
  }
  return s;
}
