// Running a shell block (run, verify or rollback) on all its nodes at once, in each node's
// pane shell. Every node reports as soon as it finishes: a slow or lost node delays nobody's
// block.finished event, only the start of the next block.
import type { PlannedBlock } from '../runbook/plan-types.js';
import type { ScriptResult } from '../transport/types.js';
import type { StepContext } from './context.js';

export interface NodeRun {
  node: string;
  result: ScriptResult;
  /** Set when the node was not connected or its connection dropped during the block. */
  gone?: string;
  /** Set when the transport refused to run the block (e.g. the pane is still busy). */
  error?: string;
}

const NOT_RUN: ScriptResult = { exitCode: null, output: '', timedOut: false, interrupted: false };

/** The script `node` runs for `block`, or undefined for blocks that are not shell scripts. */
export function scriptFor(block: PlannedBlock, node: string): string | undefined {
  const r = block.perNode[node];
  return r && (r.kind === 'run' || r.kind === 'rollback' || r.kind === 'verify') ? r.script : undefined;
}

/** Runs `block` on one node; never rejects. */
export async function runOnNode(ctx: StepContext, block: PlannedBlock, node: string): Promise<NodeRun> {
  const session = ctx.session(node);
  if (!session) return { node, result: NOT_RUN, gone: await ctx.whenGone(node) };
  const script = scriptFor(block, node);
  if (script === undefined) return { node, result: NOT_RUN, gone: `block ${block.id} has nothing to run on ${node}` };
  const gone = ctx.whenGone(node).then((reason) => ({ node, result: NOT_RUN, gone: reason }));
  const ran = session
    .runScript(block.id, script, { timeoutMs: block.timeoutMs, signal: ctx.signal })
    .then((result): NodeRun => ({ node, result }))
    .catch(
      async (err: unknown): Promise<NodeRun> => ({
        node,
        result: NOT_RUN,
        error: err instanceof Error ? err.message : String(err),
      }),
    );
  return Promise.race([ran, gone]);
}

/** Runs a shell block on every node it targets, emitting block.started and per-node block.finished. */
export async function runBlock(ctx: StepContext, block: PlannedBlock, nodes: string[] = block.nodes): Promise<NodeRun[]> {
  ctx.emit({ type: 'block.started', step: ctx.step, block: block.id, nodes });
  return Promise.all(
    nodes.map(async (node) => {
      const run = await runOnNode(ctx, block, node);
      ctx.emit({
        type: 'block.finished',
        step: ctx.step,
        block: block.id,
        node,
        exitCode: run.result.exitCode,
        timedOut: run.result.timedOut,
        interrupted: run.result.interrupted,
      });
      return run;
    }),
  );
}

/** Why a run did not succeed, in plain words; undefined when it exited 0. */
export function failureReason(run: NodeRun, timeoutMs?: number): string | undefined {
  if (run.gone !== undefined) return `node lost: ${run.gone}`;
  if (run.error !== undefined) return `could not run: ${run.error}`;
  const r = run.result;
  if (r.timedOut) return timeoutMs ? `timed out after ${timeoutMs / 1000}s` : 'timed out';
  if (r.interrupted) return 'interrupted';
  if (r.exitCode === null) return 'did not finish';
  if (r.exitCode !== 0) return `exit code ${r.exitCode}`;
  return undefined;
}
