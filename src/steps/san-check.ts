// The san-check gate adapter: runs the SAN check (src/certs) for one node with the gate's
// retries and interval. The check itself is injected, so the engine does not depend on how
// certificates are fetched or compared.
import type { PlannedBlock } from '../runbook/plan-types.js';
import type { NodeSession } from '../transport/types.js';
import { pause, type NodeOutcome, type StepContext } from './context.js';

export interface SanCheckResult {
  ok: boolean;
  /** Plain-words summary of what is wrong (missing SANs, wrong key, unreachable endpoint). */
  reason?: string;
  /** A longer report for the operator, shown as the gate's tail. */
  details?: string;
}

/** Checks certificates for one node; `options` is the block's parsed YAML body. */
export type SanChecker = (input: { node: string; session: NodeSession; options: Record<string, unknown>; signal: AbortSignal }) => Promise<SanCheckResult>;

export async function runSanCheckGate(ctx: StepContext, block: PlannedBlock, checker: SanChecker | undefined): Promise<NodeOutcome[]> {
  ctx.emit({ type: 'block.started', step: ctx.step, block: block.id, nodes: block.nodes });
  return Promise.all(
    block.nodes.map(async (node): Promise<NodeOutcome> => {
      const r = block.perNode[node];
      const retries = r?.kind === 'san-check' ? r.retries : 0;
      const intervalMs = r?.kind === 'san-check' ? r.intervalMs : 0;
      let result: SanCheckResult = { ok: false, reason: 'the SAN check is not available in this build of lockstep' };
      let attempt = 1;
      for (; ; attempt++) {
        ctx.emit({ type: 'gate.attempt', step: ctx.step, block: block.id, node, attempt });
        const session = ctx.session(node);
        if (!session) {
          result = { ok: false, reason: `node lost: ${await ctx.whenGone(node)}` };
          break;
        }
        if (!checker || r?.kind !== 'san-check') break;
        try {
          result = await checker({ node, session, options: r.options, signal: ctx.signal });
        } catch (err) {
          result = { ok: false, reason: `SAN check failed to run: ${err instanceof Error ? err.message : String(err)}` };
        }
        if (result.ok || attempt > retries || !(await pause(intervalMs, ctx.signal))) break;
      }
      ctx.emit({ type: 'block.finished', step: ctx.step, block: block.id, node, exitCode: result.ok ? 0 : 1, timedOut: false, interrupted: false });
      ctx.emit({ type: 'gate.result', step: ctx.step, block: block.id, node, ok: result.ok, attempt, exitCode: null, reason: result.reason, tail: result.details });
      return { node, ok: result.ok, reason: result.reason };
    }),
  );
}
