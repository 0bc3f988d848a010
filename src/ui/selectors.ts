// Selectors the screen needs beyond src/state's.
import { gateSummary, type SessionState, type StepView } from '../state/index.js';

/**
 * Which nodes get a pane: those some step runs on. An inventory often lists more (a gateway,
 * the workstation) that the engine never connects; a pane for them would say "connecting"
 * forever and take room from the nodes that work.
 */
export function selectPaneNodes(s: SessionState): string[] {
  const used = new Set(s.steps.flatMap((step) => step.nodes));
  const names = s.nodes.map((n) => n.name);
  return used.size === 0 ? names : names.filter((n) => used.has(n));
}

/**
 * A node's gate as the screen shows it: gate results belong to the run that produced them, so
 * a step rolled back (or skipped, or pending again) shows none, not the last run's ticks.
 */
export function shownGate(step: StepView, node: string): ReturnType<typeof gateSummary> {
  return step.status === 'rolled-back' || step.status === 'skipped' || step.status === 'pending' ? { state: 'none' } : gateSummary(step, node);
}
