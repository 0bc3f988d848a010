// Rolling one step back: its rollback blocks run (in document order), then the files it
// wrote are restored newest first: old bytes, mode and owner put back, created files removed;
// files of steps an earlier session ran come back from the node backups it recorded.
import type { PlannedStep } from '../runbook/plan-types.js';
import type { NodeOutcome, StepContext } from './context.js';
import { BackupError, restoreBackup } from './file-backup.js';
import type { FileJournal } from './file-journal.js';
import { failureReason, runBlock } from './run-block.js';

export async function rollbackStep(ctx: StepContext, step: PlannedStep, journal: FileJournal | undefined): Promise<{ ok: boolean; problems: NodeOutcome[] }> {
  const problems: NodeOutcome[] = [];
  for (const block of step.rollbacks) {
    const runs = await runBlock(ctx, block);
    for (const run of runs) {
      const reason = failureReason(run, block.timeoutMs);
      if (reason) problems.push({ node: run.node, ok: false, reason: `${block.id}: ${reason}` });
    }
  }
  for (const backup of journal?.newestFirst() ?? []) {
    const session = ctx.session(backup.node);
    if (!session) {
      problems.push({ node: backup.node, ok: false, reason: `cannot restore ${backup.path}: node not connected` });
      continue;
    }
    try {
      if (backup.content === null) await session.removeFile(backup.path);
      else await session.writeFileAtomic(backup.path, backup.content, { mode: backup.mode, owner: backup.owner });
      ctx.emit({ type: 'file.restored', step: ctx.step, block: '', node: backup.node, path: backup.path, removed: backup.content === null });
    } catch (err) {
      problems.push({ node: backup.node, ok: false, reason: `cannot restore ${backup.path}: ${err instanceof Error ? err.message : String(err)}` });
    }
  }
  // Steps an earlier session ran: their files come back from the node backups it recorded,
  // each checked against its recorded sha256 first.
  for (const backup of journal?.recordedNewestFirst() ?? []) {
    const session = ctx.session(backup.node);
    if (!session) {
      problems.push({ node: backup.node, ok: false, reason: `cannot restore ${backup.path}: node not connected` });
      continue;
    }
    try {
      const removed = await restoreBackup(session, backup, { force: ctx.forceRestore });
      ctx.emit({ type: 'file.restored', step: ctx.step, block: '', node: backup.node, path: backup.path, removed });
    } catch (err) {
      const why = err instanceof BackupError ? `${err.message}; nothing was restored from it` : `cannot restore ${backup.path} from ${backup.backup}: ${err instanceof Error ? err.message : String(err)}`;
      problems.push({ node: backup.node, ok: false, reason: why });
    }
  }
  for (const p of problems) ctx.emit({ type: 'notice', level: 'error', node: p.node, message: `rollback of ${ctx.step}: ${p.reason}` });
  return { ok: problems.length === 0, problems };
}
