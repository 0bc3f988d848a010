// Checks across a set of runbooks (and an inventory, when given) that the parser alone cannot
// make: requirements, variables, targets and secrets. Pure; returns every problem found.
import type { Inventory } from '../inventory/types.js';
import { error, warning } from './diagnostics.js';
import { scanExpressions, type Expr } from './expressions.js';
import { orderRunbooks } from './order.js';
import { varScope, type VarScope } from './scope.js';
import { sanCheckOptionsProblem } from './san-check-options.js';
import { findSecretEchoes } from './secrets.js';
import { effectiveSelector, resolveTargets, unknownTargets } from './targets.js';
import { bodyPosition, prosePosition } from './text-positions.js';
import type { Block, Diagnostic, Runbook, SourcePos, TargetSelector } from './types.js';

const BUILTIN_FIELDS = new Set(['name', 'address', 'port', 'user', 'hostname']);

export function validateRunbooks(runbooks: Runbook[], inventory?: Inventory): Diagnostic[] {
  const { ordered, diagnostics: out } = orderRunbooks(runbooks);
  const byName = new Map(ordered.map((r) => [r.name, r]));
  checkDefaultConflicts(ordered, out);
  for (const rb of ordered) {
    const scope = varScope(rb, byName, inventory);
    const fmTargets = rb.frontMatterPos?.targets ?? { file: rb.file, line: 1, column: 1 };
    if (inventory) checkTargets(rb.targets, fmTargets, inventory, out, false);
    checkProse(rb.intro, rb.introMap ?? [], rb.file, scope, out);
    for (const step of rb.steps) {
      const titlePos = { ...step.range.start, column: step.range.start.column + step.depth + 1 };
      checkProse(step.title, [{ offset: 0, line: titlePos.line, column: titlePos.column }], rb.file, scope, out);
      checkProse(step.explanation, step.explanationMap ?? [], rb.file, scope, out);
      if (inventory && step.targets) checkTargets(step.targets, step.attrPos?.on ?? step.range.start, inventory, out, step.attrPos?.on !== undefined);
      for (const block of step.blocks) {
        if (inventory) {
          if (block.targets) checkTargets(block.targets, block.attrPos?.on ?? block.range.start, inventory, out, block.attrPos?.on !== undefined);
          const sel = effectiveSelector(block.targets, step.targets, rb.targets);
          if (unknownTargets(sel.names, inventory).length === 0 && resolveTargets(sel, inventory).length === 0) {
            out.push(warning('no-targets', block.attrPos?.on ?? block.range.start, `this ${block.kind} block runs on no node (${sel.names.join(', ')} is empty in the inventory)`, 'add nodes to the group, or change the targets'));
          }
        }
        checkBlock(block, scope, inventory, out);
      }
    }
  }
  return out;
}

/** `inline`: `at` is the start of an `on=a,b` value, so each name's column can be given. */
function checkTargets(sel: TargetSelector, at: SourcePos, inv: Inventory, out: Diagnostic[], inline = true): void {
  for (const name of unknownTargets(sel.names, inv)) {
    const i = sel.names.indexOf(name);
    const offset = inline ? sel.names.slice(0, i).reduce((n, x) => n + x.length + 1, 0) : 0;
    out.push(error('unknown-target', { ...at, column: at.column + offset }, `unknown group or node \`${name}\``, `the inventory ${inv.file} has groups ${Object.keys(inv.groups).join(', ')}; check the spelling or add it to the inventory`));
  }
}

/** Several runbooks declaring one variable with different defaults: which wins is confusing. */
function checkDefaultConflicts(runbooks: Runbook[], out: Diagnostic[]): void {
  const first = new Map<string, { rb: Runbook; def?: string }>();
  for (const rb of runbooks) {
    for (const d of rb.vars) {
      const prev = first.get(d.name);
      if (!prev) {
        first.set(d.name, { rb, def: d.default });
        continue;
      }
      if (prev.def !== undefined && d.default !== undefined && prev.def !== d.default) {
        out.push(warning('conflicting-default', d.pos, `variable \`${d.name}\` has default \`${d.default}\` here but \`${prev.def}\` in ${prev.rb.file}`, 'give it one default (declare it in the runbook the others require)'));
      }
    }
  }
}

/** A place `${…}` expressions appear, with how to position them and whether all are lockstep's. */
interface Site {
  text: string;
  strict: boolean;
  at(offset: number): SourcePos;
  /** Secret variables must not appear here at all (an expect= pattern). */
  noSecrets?: string;
}

function sitesOf(block: Block): Site[] {
  const body = (offset: number): SourcePos => bodyPosition(block.bodyStart, block.body, offset);
  const attr = (key: string) => (offset: number): SourcePos => {
    const p = block.attrPos?.[key] ?? block.range.start;
    return { ...p, column: p.column + offset };
  };
  switch (block.kind) {
    case 'run':
    case 'rollback':
      return [{ text: block.body, strict: false, at: body }];
    case 'verify': {
      const sites: Site[] = [{ text: block.body, strict: false, at: body }];
      if (block.expect !== undefined) sites.push({ text: block.expect, strict: true, at: attr('expect'), noSecrets: 'an `expect=` pattern is shown and recorded' });
      return sites;
    }
    case 'file':
      return [
        { text: block.path, strict: true, at: attr('path') },
        { text: block.body, strict: true, at: body },
      ];
    case 'san-check':
      return [{ text: block.body, strict: true, at: body }];
  }
}

function checkBlock(block: Block, scope: VarScope, inv: Inventory | undefined, out: Diagnostic[]): void {
  for (const site of sitesOf(block)) {
    for (const e of scanExpressions(site.text)) {
      checkExpr(e, site, scope, inv, out);
      if (site.noSecrets && refersToSecret(e, scope)) {
        out.push(error('secret-echoed', site.at(e.start), `secret variable \`${secretName(e, scope)}\` used where it would be shown: ${site.noSecrets}`, 'check for something derived from the secret instead, or drop the pattern'));
      }
    }
  }
  if (block.kind === 'san-check') {
    // Before rendering, values may still be `${…}` text; only an unknown key or a non-mapping is
    // certain now (plan checks the rendered options per node).
    const problem = sanCheckOptionsProblem(block.options);
    if (problem && (/unknown key|mapping/.test(problem) || !block.body.includes('${'))) {
      // Point at the offending key's line when the message names one.
      const key = /"([^"]+)"/.exec(problem)?.[1];
      const line = key === undefined ? -1 : block.body.split('\n').findIndex((l) => l.trimStart().startsWith(`${key}:`));
      const at = line < 0 ? block.bodyStart : { ...block.bodyStart, line: block.bodyStart.line + line };
      out.push(error('bad-san-check', at, problem.replace(/^san-check: /, ''), 'see docs/runbook-format.md, "san-check options"'));
    }
  }
  if (block.kind === 'run' || block.kind === 'verify' || block.kind === 'rollback') {
    for (const echo of findSecretEchoes(block.body, scope)) {
      out.push(error('secret-echoed', bodyPosition(block.bodyStart, block.body, echo.offset), `secret variable \`${echo.name}\` is printed by \`${echo.command}\` and would appear on screen and in the recording`, 'redirect the output to a file (> path) or pipe it into the command that needs it'));
    }
  }
}

function unknownVar(name: string, pos: SourcePos, inv: Inventory | undefined, out: Diagnostic[]): void {
  if (inv) {
    out.push(error('unknown-variable', pos, `unknown variable \`${name}\``, `declare it under \`vars:\` in the front matter or set it in ${inv.file}`));
  } else {
    out.push(warning('unknown-variable', pos, `variable \`${name}\` is not declared; only an inventory can set it`, 'declare it under `vars:` in the front matter (without a default if the inventory sets it), or write $${ for a literal ${'));
  }
}

function checkExpr(e: Expr, site: Site, scope: VarScope, inv: Inventory | undefined, out: Diagnostic[]): void {
  const pos = site.at(e.start);
  switch (e.type) {
    case 'escape':
    case 'builtin':
      return;
    case 'var':
      if (site.strict && !scope.known.has(e.name)) unknownVar(e.name, pos, inv, out);
      return;
    case 'dotted':
      out.push(error('unknown-variable', pos, `unknown name \`${e.name}\``, 'lockstep knows node.name, node.address, node.port, node.user and node.hostname; no shell accepts a dotted name'));
      return;
    case 'other':
      if (site.strict) out.push(error('bad-expression', pos, `\`\${${e.text}}\` is not a lockstep expression`, 'use ${name}, ${node.name} or ${nodes(…)}; write $${ for a literal ${'));
      return;
    case 'malformed':
      // In shell blocks an unterminated `${` is the shell's business, but nodes(…) is always ours.
      if (site.strict || site.text.startsWith('${nodes', e.start)) out.push(error('bad-expression', pos, e.message, e.hint));
      return;
    case 'nodes': {
      if (inv) {
        for (const name of unknownTargets(e.selector, inv)) {
          out.push(error('unknown-target', site.at(e.selectorOffset), `unknown group or node \`${name}\` in nodes(…)`, `the inventory ${inv.file} has groups ${Object.keys(inv.groups).join(', ')}`));
        }
      }
      for (const p of e.template) {
        if (p.type === 'field' && !BUILTIN_FIELDS.has(p.name) && !scope.known.has(p.name)) unknownVar(p.name, site.at(p.offset), inv, out);
      }
      return;
    }
  }
}

function refersToSecret(e: Expr, scope: VarScope): boolean {
  return secretName(e, scope) !== undefined;
}

function secretName(e: Expr, scope: VarScope): string | undefined {
  if (e.type === 'var' && scope.secret.has(e.name)) return e.name;
  if (e.type === 'nodes') {
    for (const p of e.template) if (p.type === 'field' && scope.secret.has(p.name)) return p.name;
  }
  return undefined;
}

/** Prose is shown to the operator and recorded: a secret there would be printed. */
function checkProse(text: string, map: { offset: number; line: number; column: number }[], file: string, scope: VarScope, out: Diagnostic[]): void {
  if (scope.secret.size === 0 || !text.includes('${')) return;
  for (const e of scanExpressions(text)) {
    const name = secretName(e, scope);
    if (name === undefined) continue;
    out.push(error('secret-echoed', prosePosition(file, text, map, e.start), `secret variable \`${name}\` appears in the prose, which is shown on screen and recorded`, 'describe the secret by name in words instead of substituting it'));
  }
}
