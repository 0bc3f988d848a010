// Turning target names (groups, node names, `once`) into node names, in inventory order.
import type { Inventory } from '../inventory/types.js';
import type { TargetSelector } from './types.js';

/** Names that are neither a group nor a node of the inventory. */
export function unknownTargets(names: string[], inv: Inventory): string[] {
  return names.filter((n) => !(n in inv.groups) && !inv.nodes.some((x) => x.name === n));
}

/** The selected node names in inventory order (duplicates removed); `once` keeps the first. */
export function resolveTargets(sel: TargetSelector, inv: Inventory): string[] {
  const wanted = new Set<string>();
  for (const n of sel.names) {
    const group = inv.groups[n];
    if (group) group.forEach((m) => wanted.add(m));
    else if (inv.nodes.some((x) => x.name === n)) wanted.add(n);
  }
  const ordered = inv.nodes.map((x) => x.name).filter((n) => wanted.has(n));
  return sel.once ? ordered.slice(0, 1) : ordered;
}

/**
 * The selector a block actually uses: its own `on=`, else the step's targets (narrowed by the
 * block's `once`), else the runbook's.
 */
export function effectiveSelector(
  block: TargetSelector | undefined,
  step: TargetSelector | undefined,
  runbook: TargetSelector,
): TargetSelector {
  const outer = step ?? runbook;
  const stepSel = outer.names.length > 0 ? outer : { names: runbook.names, once: outer.once };
  if (!block) return stepSel;
  if (block.names.length > 0) return block;
  return { names: stepSel.names, once: block.once || stepSel.once };
}
