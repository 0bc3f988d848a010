// Reading runbook files: the only part of src/runbook that touches the file system.
// Parses the given files, pulls in required runbooks found next to them, and orders the set.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { error } from './diagnostics.js';
import { orderRunbooks } from './order.js';
import { parseRunbook } from './parse.js';
import type { Diagnostic, Parsed, Runbook } from './types.js';

export function readRunbook(path: string): Parsed<Runbook> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message;
    return { value: undefined, diagnostics: [error('unreadable', { file: path, line: 1, column: 1 }, `cannot read runbook: ${why}`, 'check the path')] };
  }
  return parseRunbook(path, text);
}

/**
 * Loads `paths` and, transitively, every required runbook not among them from
 * `<dir>/<name>.md` next to the runbook requiring it. Returns the runbooks ordered with
 * requirements first. Missing requirements and cycles are reported by validateRunbooks.
 */
export function loadRunbooks(paths: string[]): Parsed<Runbook[]> {
  const diagnostics: Diagnostic[] = [];
  const loaded: Runbook[] = [];
  const seenFiles = new Set<string>();
  const load = (path: string): void => {
    const abs = resolve(path);
    if (seenFiles.has(abs)) return;
    seenFiles.add(abs);
    const r = readRunbook(path);
    diagnostics.push(...r.diagnostics);
    if (r.value) loaded.push(r.value);
  };
  paths.forEach(load);
  for (let i = 0; i < loaded.length; i++) {
    const rb = loaded[i] as Runbook;
    for (const req of rb.requires) {
      if (loaded.some((r) => r.name === req)) continue;
      const candidate = join(dirname(rb.file), `${req}.md`);
      if (existsSync(candidate)) load(candidate);
    }
  }
  return { value: orderRunbooks(loaded).ordered, diagnostics };
}
