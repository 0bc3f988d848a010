// File blocks: read the node's current file, show the diff, then write atomically with
// mode and owner, remembering what was there for rollback.
import type { PlannedBlock } from '../runbook/plan-types.js';
import type { NodeOutcome, StepContext } from './context.js';
import { fileDiff } from './file-diff.js';
import type { FileJournal } from './file-journal.js';

function ownerMatches(wanted: string | undefined, actual: string | undefined): boolean {
  if (wanted === undefined || actual === undefined) return true;
  return wanted.includes(':') ? wanted === actual : wanted === actual.split(':')[0];
}

async function writeOnNode(ctx: StepContext, block: PlannedBlock, node: string, journal: FileJournal): Promise<NodeOutcome> {
  const rendered = block.perNode[node];
  if (rendered?.kind !== 'file') return { node, ok: false, reason: `block ${block.id} is not a file block on ${node}` };
  const session = ctx.session(node);
  if (!session) return { node, ok: false, reason: `node lost: ${await ctx.whenGone(node)}` };
  const { path, mode, owner } = rendered;
  const content = Buffer.from(rendered.content, 'utf8');
  try {
    const before = await session.readFile(path);
    const stat = before === null ? null : await session.statFile(path);
    journal.remember({ node, path, content: before, mode: stat?.mode, owner: stat?.owner });
    const { diff, changed } = fileDiff(path, before, content);
    ctx.emit({ type: 'file.diff', step: ctx.step, block: block.id, node, path, existed: before !== null, diff, changed });
    const attrsDiffer = stat !== null && ((mode !== undefined && (stat.mode & 0o7777) !== mode) || !ownerMatches(owner, stat.owner));
    if (changed || attrsDiffer) {
      if (ctx.signal.aborted) return { node, ok: false, reason: 'interrupted before writing' };
      await session.writeFileAtomic(path, content, { mode, owner });
      ctx.emit({ type: 'file.written', step: ctx.step, block: block.id, node, path });
    }
    return { node, ok: true };
  } catch (err) {
    return { node, ok: false, reason: `could not write ${path}: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** Applies a file block on all its nodes at once. */
export async function runFileBlock(ctx: StepContext, block: PlannedBlock, journal: FileJournal): Promise<NodeOutcome[]> {
  ctx.emit({ type: 'block.started', step: ctx.step, block: block.id, nodes: block.nodes });
  return Promise.all(
    block.nodes.map(async (node) => {
      const outcome = await writeOnNode(ctx, block, node, journal);
      ctx.emit({ type: 'block.finished', step: ctx.step, block: block.id, node, exitCode: outcome.ok ? 0 : 1, timedOut: false, interrupted: false });
      if (!outcome.ok) ctx.emit({ type: 'notice', level: 'error', node, message: `${block.id}: ${outcome.reason}` });
      return outcome;
    }),
  );
}
