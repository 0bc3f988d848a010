// Building diagnostics: one shape for every problem the runbook and inventory code reports.
import type { Diagnostic, SourcePos } from './types.js';

export function diag(
  severity: Diagnostic['severity'],
  code: string,
  at: SourcePos,
  message: string,
  hint?: string,
): Diagnostic {
  const d: Diagnostic = { severity, code, file: at.file, line: at.line, column: at.column, message };
  if (hint !== undefined) d.hint = hint;
  return d;
}

export const error = (code: string, at: SourcePos, message: string, hint?: string): Diagnostic =>
  diag('error', code, at, message, hint);

export const warning = (code: string, at: SourcePos, message: string, hint?: string): Diagnostic =>
  diag('warning', code, at, message, hint);

/** File order, then line, then column: the order an editor's problem list uses. */
export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return [...list].sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column,
  );
}

export const hasErrors = (list: Diagnostic[]): boolean => list.some((d) => d.severity === 'error');
