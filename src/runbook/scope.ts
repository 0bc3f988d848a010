// Which variables a runbook may use: its own declarations, those of the runbooks it requires
// (transitively), and the inventory's.
import type { Inventory } from '../inventory/types.js';
import type { Runbook, VariableDecl } from './types.js';

/** The runbook itself first, then its requirements breadth-first (the lookup order for defaults). */
export function requirementClosure(rb: Runbook, byName: Map<string, Runbook>): Runbook[] {
  const out: Runbook[] = [];
  const seen = new Set<string>();
  const queue: Runbook[] = [rb];
  while (queue.length > 0) {
    const r = queue.shift() as Runbook;
    if (seen.has(r.name)) continue;
    seen.add(r.name);
    out.push(r);
    for (const req of r.requires) {
      const d = byName.get(req);
      if (d) queue.push(d);
    }
  }
  return out;
}

export interface VarScope {
  /** Declarations visible to the runbook, nearest first, one per name. */
  decls: Map<string, VariableDecl>;
  /** Names lockstep substitutes in shell blocks. */
  known: Set<string>;
  /** Names declared secret anywhere in the visible runbooks. */
  secret: Set<string>;
}

export function inventoryVarNames(inv: Inventory | undefined): Set<string> {
  const names = new Set<string>();
  if (!inv) return names;
  Object.keys(inv.vars).forEach((k) => names.add(k));
  for (const n of inv.nodes) Object.keys(n.vars).forEach((k) => names.add(k));
  return names;
}

export function varScope(rb: Runbook, byName: Map<string, Runbook>, inv: Inventory | undefined): VarScope {
  const decls = new Map<string, VariableDecl>();
  const secret = new Set<string>();
  for (const r of requirementClosure(rb, byName)) {
    for (const d of r.vars) {
      if (!decls.has(d.name)) decls.set(d.name, d);
      if (d.secret) secret.add(d.name);
    }
  }
  const known = new Set<string>([...decls.keys(), ...inventoryVarNames(inv)]);
  return { decls, known, secret };
}
