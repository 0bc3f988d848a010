// Narrow views of the session state, one per thing a component shows, so each component
// re-renders only when its own slice changes (use with zustand's useStore + useShallow).
import type { DivergenceView, FileDiffView, GateMark, SessionState, StepView } from './session-state.js';

export type GateSummary = 'none' | 'pending' | 'passing' | 'failed';

export const selectSteps = (s: SessionState): StepView[] => s.steps;
export const selectNodes = (s: SessionState): SessionState['nodes'] => s.nodes;
export const selectNodeNames = (s: SessionState): string[] => s.nodes.map((n) => n.name);
export const selectCurrentStepId = (s: SessionState): string | null => s.currentStep;
export const selectEnded = (s: SessionState): SessionState['ended'] => s.ended;
export const selectPaused = (s: SessionState): boolean => s.paused;
export const selectNotices = (s: SessionState): SessionState['notices'] => s.notices;

export function selectStep(s: SessionState, id: string | null): StepView | undefined {
  return id === null ? undefined : s.steps.find((x) => x.id === id);
}

/**
 * The step the operator is looking at: the one the engine waits on, when it waits on one
 * (approval before it runs, after it failed, a pause, `--from`, after a skip or a rollback);
 * else the current one while it runs or after it failed; once it passed or was skipped, the
 * next one (so its explanation shows before it runs).
 */
export function selectFocusStep(s: SessionState): StepView | undefined {
  const waitedOn = s.waiting?.step !== undefined ? selectStep(s, s.waiting.step) : undefined;
  if (waitedOn) return waitedOn;
  const current = selectStep(s, s.currentStep);
  if (current && current.status !== 'passed' && current.status !== 'skipped') return current;
  return selectNextStep(s) ?? current ?? s.steps.at(-1);
}

/** The next step that would run on `next`: the first pending after the current one. */
export function selectNextStep(s: SessionState): StepView | undefined {
  const i = s.currentStep === null ? -1 : s.steps.findIndex((x) => x.id === s.currentStep);
  return s.steps.slice(i + 1).find((x) => x.status === 'pending') ?? s.steps.find((x) => x.status === 'pending');
}

/** True while some step is at work (not merely waiting for the operator): quitting then asks. */
export const selectIsRunning = (s: SessionState): boolean => s.waiting === null && s.steps.some((x) => x.status === 'running');

/** One node's gates on a step, combined: failed beats pending beats passing. */
export function gateSummary(step: StepView, node: string): { state: GateSummary; failed?: GateMark } {
  const marks = Object.values(step.gates[node] ?? {});
  if (marks.length === 0) return { state: 'none' };
  const failed = marks.find((m) => m.state === 'failed');
  if (failed) return { state: 'failed', failed };
  if (marks.some((m) => m.state === 'pending')) return { state: 'pending' };
  return { state: 'passing' };
}

export function selectDiffsForStep(s: SessionState, step: string | null): FileDiffView[] {
  return step === null ? [] : s.diffs.filter((d) => d.step === step);
}

/** Changed files not yet written: what the engine waits for approval on. */
export const selectProposedDiffs = (s: SessionState): FileDiffView[] => s.diffs.filter((d) => d.state === 'proposed' && d.changed);

export function selectDivergencesForStep(s: SessionState, step: string | null): DivergenceView[] {
  return step === null ? [] : s.divergences.filter((d) => d.step === step);
}

export const selectPendingHostKeys = (s: SessionState): SessionState['nodes'] => s.nodes.filter((n) => n.hostKey);
