// Printing diagnostics the way compilers do: `file:line:col: severity: message; what to do`.
import { loadInventory, type Inventory } from '../inventory/index.js';
import { sortDiagnostics } from '../runbook/index.js';
import type { Diagnostic } from '../runbook/index.js';
import { UserError } from './errors.js';

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.message}${d.hint ? `; ${d.hint}` : ''}`;
}

/** Sorted, without exact repeats (the same problem found by two passes is shown once). */
export function uniqueDiagnostics(list: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return sortDiagnostics(list).filter((d) => {
    const line = formatDiagnostic(d);
    if (seen.has(line)) return false;
    seen.add(line);
    return true;
  });
}

export function summary(list: Diagnostic[]): string {
  const errors = list.filter((d) => d.severity === 'error').length;
  const warnings = list.length - errors;
  const plural = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;
  return `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`;
}

/** Writes the diagnostics and a summary; returns whether any is an error. */
export function printDiagnostics(list: Diagnostic[], out: NodeJS.WritableStream): boolean {
  const unique = uniqueDiagnostics(list);
  for (const d of unique) out.write(`${formatDiagnostic(d)}\n`);
  return unique.some((d) => d.severity === 'error');
}

/** The inventory at `file` for a command that only needs its nodes: its errors as file:line:col, or it. */
export function inventoryOrFail(file: string): Inventory {
  const loaded = loadInventory(file);
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
  if (!loaded.value || errors.length) throw new UserError((errors.length ? errors : loaded.diagnostics).map(formatDiagnostic).join('\n'));
  return loaded.value;
}
