// Putting the scripts of the steps ahead on their nodes before they run (NodeSession's optional
// prepareScript), so a step's critical path has no upload: while the engine waits for approval
// of step i, steps i and i+1 are uploaded; step i+1's upload then overlaps step i's run.
import type { PlannedStep } from '../runbook/plan-types.js';
import { scriptFor } from '../steps/run-block.js';
import type { NodeSession } from '../transport/types.js';

/** How many steps from the cursor on get their scripts uploaded ahead. */
export const PREFETCH_STEPS = 2;

/** Starts uploading the shell scripts (run blocks, verify gates) of steps `from`… ahead; never throws. */
export function prefetchSteps(
  steps: readonly PlannedStep[],
  from: number,
  session: (node: string) => NodeSession | undefined,
  count = PREFETCH_STEPS,
): void {
  for (const step of steps.slice(Math.max(0, from), Math.max(0, from) + count)) {
    for (const block of [...step.actions, ...step.gates]) {
      for (const node of block.nodes) {
        const script = scriptFor(block, node);
        const s = script === undefined ? undefined : session(node);
        if (!s?.prepareScript || script === undefined) continue;
        try {
          s.prepareScript(script);
        } catch {
          // only an optimisation: runScript uploads what is missing
        }
      }
    }
  }
}
