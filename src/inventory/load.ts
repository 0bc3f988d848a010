// Inventory files → Inventory. Detects the format (lockstep's own, or Ansible YAML), then
// applies ssh_config aliases and the shared checks. Never throws on bad input.
import { readFileSync } from 'node:fs';
import { error, sortDiagnostics } from '../runbook/diagnostics.js';
import { isNullish, keyText, mapPairs, parseYaml } from '../runbook/yaml-source.js';
import type { Diagnostic, Parsed } from '../runbook/types.js';
import { parseAnsible } from './ansible.js';
import { defaultEnv, finishInventory, type InventoryEnv } from './draft.js';
import { parseNative } from './native.js';
import type { Inventory } from './types.js';

export type { InventoryEnv } from './draft.js';

export function parseInventory(file: string, text: string, env: InventoryEnv): Parsed<Inventory> {
  const diagnostics: Diagnostic[] = [];
  const top = { file, line: 1, column: 1 };
  try {
    const src = parseYaml(text, top, diagnostics);
    if (diagnostics.length > 0) return { value: undefined, diagnostics };
    const root = src.doc.contents;
    const keys = (mapPairs(root) ?? []).map(keyText);
    if (isNullish(root) || !mapPairs(root)) {
      diagnostics.push(error('bad-inventory', src.pos(root), 'an inventory must be a YAML mapping', 'start with `nodes:` (lockstep format) or `all:` (Ansible format)'));
      return { value: undefined, diagnostics };
    }
    const ansible = keys.includes('all') && !keys.includes('nodes');
    const draft = ansible ? parseAnsible(file, src, diagnostics) : parseNative(file, src, diagnostics);
    const value = finishInventory(draft, env, diagnostics);
    return { value, diagnostics: sortDiagnostics(diagnostics) };
  } catch (e) {
    diagnostics.push(error('internal', top, `could not read this inventory: ${(e as Error).message}`, 'please report this as a lockstep bug'));
    return { value: undefined, diagnostics };
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Reads and parses an inventory file; `env` defaults to the real home directory and file system. */
export function loadInventory(file: string, env: InventoryEnv = defaultEnv(readText)): Parsed<Inventory> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message;
    return { value: undefined, diagnostics: [error('unreadable', { file, line: 1, column: 1 }, `cannot read inventory: ${why}`, 'check the path given with -i')] };
  }
  return parseInventory(file, text, env);
}
