// Which nodes get a pane: those some step runs on. An inventory often lists more (a gateway,
// the workstation) that the engine never connects; a pane for them would say "connecting"
// forever and take room from the nodes that work.
import type { SessionState } from '../state/index.js';

export function selectPaneNodes(s: SessionState): string[] {
  const used = new Set(s.steps.flatMap((step) => step.nodes));
  const names = s.nodes.map((n) => n.name);
  return used.size === 0 ? names : names.filter((n) => used.has(n));
}
