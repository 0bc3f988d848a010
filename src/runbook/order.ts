// Ordering runbooks so requirements come first; reporting missing ones and cycles.
import { error } from './diagnostics.js';
import type { Diagnostic, Runbook, SourcePos } from './types.js';

function requirePos(rb: Runbook, i: number): SourcePos {
  return rb.frontMatterPos?.[`requires.${i}`] ?? rb.frontMatterPos?.requires ?? { file: rb.file, line: 1, column: 1 };
}

/**
 * Depth-first, in the given order: each runbook after everything it requires. Runbooks with
 * no order between them keep their input order.
 */
export function orderRunbooks(runbooks: Runbook[]): { ordered: Runbook[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const byName = new Map<string, Runbook>();
  for (const rb of runbooks) {
    const prev = byName.get(rb.name);
    if (prev) {
      if (prev.file !== rb.file) {
        diagnostics.push(error('duplicate-runbook', rb.frontMatterPos?.name ?? { file: rb.file, line: 1, column: 1 }, `runbook name \`${rb.name}\` is also used by ${prev.file}`, 'give one of them another `name:` in its front matter'));
      }
      continue;
    }
    byName.set(rb.name, rb);
  }
  const ordered: Runbook[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (rb: Runbook): void => {
    state.set(rb.name, 'visiting');
    stack.push(rb.name);
    rb.requires.forEach((req, i) => {
      const dep = byName.get(req);
      if (!dep) {
        diagnostics.push(error('missing-runbook', requirePos(rb, i), `required runbook \`${req}\` was not found`, `give it on the command line, or put ${req}.md next to ${rb.file}`));
        return;
      }
      const s = state.get(req);
      if (s === 'visiting') {
        const cycle = [...stack.slice(stack.indexOf(req)), req].join(' → ');
        diagnostics.push(error('requires-cycle', requirePos(rb, i), `requirement cycle: ${cycle}`, 'remove one of these `requires` entries'));
        return;
      }
      if (s === undefined) visit(dep);
    });
    stack.pop();
    state.set(rb.name, 'done');
    ordered.push(rb);
  };
  for (const rb of byName.values()) if (!state.has(rb.name)) visit(rb);
  return { ordered, diagnostics };
}
