// File blocks: read the node's current file, show the diff, then write atomically with
// mode and owner, remembering what was there for rollback: in memory, and (when the engine
// gives a BackupConfig) durably on the node, recorded as `file.backup`, before anything changes.
import type { PlannedBlock } from '../runbook/plan-types.js';
import type { NodeOutcome, StepContext } from './context.js';
import { storeBackup } from './file-backup.js';
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
      // The durable copy first: a file is never changed without its original kept on the node.
      if (ctx.backups && !journal.isStored(node, path)) {
        const original = journal.get(node, path) ?? { content: before, mode: stat?.mode, owner: stat?.owner };
        let stored;
        try {
          stored = await storeBackup(session, ctx.backups, { node, step: ctx.step, block: block.id, path }, original);
        } catch (err) {
          return { node, ok: false, reason: `could not keep a backup of ${path} on the node, so it was not written: ${err instanceof Error ? err.message : String(err)}` };
        }
        const kept = journal.get(node, path);
        if (kept) kept.stored = stored;
        const { backup, existed, sha256, mode: oldMode, owner: oldOwner } = stored;
        ctx.emit({ type: 'file.backup', step: ctx.step, block: block.id, node, path, backup, existed, sha256, ...(oldMode !== undefined ? { mode: oldMode } : {}), ...(oldOwner !== undefined ? { owner: oldOwner } : {}) });
      }
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
