// Verify gates: a shell check that must pass on every node before the run moves on, tried
// up to 1 + retries times with a pause between attempts. A node that fails says why: the
// exit code, the pattern that was not matched, a time-out or a lost connection, plus the
// last lines it printed.
import type { PlannedBlock } from '../runbook/plan-types.js';
import { lastLines, plainText } from '../engine/terminal-text.js';
import { redactText } from '../record/redact.js';
import { pause, type NodeOutcome, type StepContext } from './context.js';
import { failureReason, runOnNode, type NodeRun } from './run-block.js';

/** Judges one attempt: exit status first, then the expected pattern. Pure. */
export function judgeAttempt(run: NodeRun, expect: string | undefined, timeoutMs?: number): { ok: boolean; reason?: string } {
  const failed = failureReason(run, timeoutMs);
  if (failed) return { ok: false, reason: failed };
  if (expect !== undefined) {
    let re: RegExp;
    try {
      re = new RegExp(expect, 'm');
    } catch (err) {
      return { ok: false, reason: `the expect pattern /${expect}/ is not a valid regular expression: ${(err as Error).message}` };
    }
    if (!re.test(plainText(run.result.output))) return { ok: false, reason: `output did not match /${expect}/` };
  }
  return { ok: true };
}

/**
 * The last non-empty line an attempt printed, trimmed, secrets and private keys redacted (the
 * whole output first: a key block's last line is no secret-free line), at most 200 characters.
 */
export function lastOutputLine(output: string, secrets: readonly string[] = []): string | undefined {
  const line = lastLines(redactText(plainText(output), secrets), 1).trim();
  if (!line) return undefined;
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

/** Runs a verify block on all its nodes; each node retries on its own schedule. */
export async function runVerifyGate(ctx: StepContext, block: PlannedBlock): Promise<{ outcomes: NodeOutcome[]; runs: NodeRun[] }> {
  ctx.emit({ type: 'block.started', step: ctx.step, block: block.id, nodes: block.nodes });
  const runs: NodeRun[] = [];
  const outcomes = await Promise.all(
    block.nodes.map(async (node): Promise<NodeOutcome> => {
      const r = block.perNode[node];
      const retries = r?.kind === 'verify' ? r.retries : 0;
      const intervalMs = r?.kind === 'verify' ? r.intervalMs : 0;
      const expect = r?.kind === 'verify' ? r.expect : undefined;
      for (let attempt = 1; ; attempt++) {
        ctx.emit({ type: 'gate.attempt', step: ctx.step, block: block.id, node, attempt });
        const run = await runOnNode(ctx, block, node);
        const verdict = judgeAttempt(run, expect, block.timeoutMs);
        const final = verdict.ok || attempt > retries || run.gone !== undefined || ctx.signal.aborted;
        if (final) {
          runs.push(run);
          ctx.emit({ type: 'block.finished', step: ctx.step, block: block.id, node, exitCode: run.result.exitCode, timedOut: run.result.timedOut, interrupted: run.result.interrupted });
          const tail = verdict.ok ? undefined : lastLines(run.result.output, 10);
          const said = verdict.ok ? undefined : lastOutputLine(run.result.output, ctx.secrets);
          const reason = verdict.ok ? undefined : `${attempt > 1 ? `${verdict.reason} (after ${attempt} attempts)` : verdict.reason}${said ? `: ${said}` : ''}`;
          ctx.emit({ type: 'gate.result', step: ctx.step, block: block.id, node, ok: verdict.ok, attempt, exitCode: run.result.exitCode, reason, tail });
          return { node, ok: verdict.ok, reason };
        }
        if (!(await pause(intervalMs, ctx.signal))) {
          ctx.emit({ type: 'gate.result', step: ctx.step, block: block.id, node, ok: false, attempt, exitCode: run.result.exitCode, reason: 'interrupted while waiting to retry' });
          return { node, ok: false, reason: 'interrupted' };
        }
      }
    }),
  );
  return { outcomes, runs };
}
