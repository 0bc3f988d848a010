// A step's explanation as the operator reads it: the prose with lockstep's `${…}` expressions
// substituted where that can be done once for the whole step. Pure.
//
// - An expression with the same value on every node of the step is replaced by that value.
// - One whose value differs between nodes (`${node.address}` on three nodes) becomes
//   `<node.address per node>`: the prose is one text for all panes.
// - Secrets are never shown: `<secret:name>`, as `lockstep plan` prints them.
// - Anything else (shell syntax such as `${A:-x}`, unknown names, malformed text) stays as written.
import type { Node } from '../inventory/types.js';
import { scanExpressions } from './expressions.js';
import { renderText, type RenderContext } from './render.js';

/** What a node-specific expression shows: `<node.address per node>`. */
export const perNodePlaceholder = (expr: string): string => `<${expr} per node>`;

/** `${ node.address }` → `node.address`; `${nodes(…)}` → `nodes(…)`. */
function inner(source: string): string {
  return source.slice(2, -1).trim();
}

export function renderExplanation(text: string, nodes: readonly Node[], ctx: RenderContext): string {
  if (!text.includes('${')) return text;
  // Secrets rendered as `<secret:name>`, and never collected: the prose must not hold them.
  const shown: RenderContext = { ...ctx, redactSecrets: true, secretsSeen: undefined };
  let out = '';
  let last = 0;
  for (const e of scanExpressions(text)) {
    let replacement: string | undefined;
    if (e.type === 'escape') replacement = '${';
    else if (e.type === 'var' || e.type === 'builtin' || e.type === 'nodes') {
      const source = text.slice(e.start, e.end);
      if (e.type === 'var' && shown.scope.secret.has(e.name)) replacement = `<secret:${e.name}>`;
      else if (nodes.length > 0) {
        const values = new Set<string>();
        let ok = true;
        for (const node of nodes) {
          const r = renderText(source, 'strict', node, shown);
          if (r.problems.length > 0) {
            ok = false;
            break;
          }
          values.add(r.text);
        }
        if (ok) replacement = values.size === 1 ? [...values][0] : perNodePlaceholder(inner(source));
      }
    }
    if (replacement === undefined) continue;
    out += text.slice(last, e.start) + replacement;
    last = e.end;
  }
  return out + text.slice(last);
}
