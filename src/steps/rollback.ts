// Rolling one step back: its rollback blocks run (in document order), then the files it
// wrote are restored newest first: old bytes, mode and owner put back, created files removed.
// Files of steps an earlier session ran come back from the node backups it recorded: each is
// read and checked against its recorded sha256 before anything of the step is undone, so a
// missing or altered backup stops the rollback of that step before it starts (unless forced).
import type { PlannedStep } from '../runbook/plan-types.js';
import type { NodeOutcome, StepContext } from './context.js';
import { BackupError, loadBackup, type StoredBackup } from './file-backup.js';
import type { FileJournal } from './file-journal.js';
import { failureReason, runBlock } from './run-block.js';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Reads and checks the recorded node backups of a step: their contents (null: remove), or the problems. */
export async function checkRecordedBackups(
  ctx: Pick<StepContext, 'session' | 'forceRestore'>,
  journal: FileJournal | undefined,
): Promise<{ loaded: { backup: StoredBackup; content: Buffer | null }[]; problems: NodeOutcome[] }> {
  const loaded: { backup: StoredBackup; content: Buffer | null }[] = [];
  const problems: NodeOutcome[] = [];
  for (const backup of journal?.recordedNewestFirst() ?? []) {
    const session = ctx.session(backup.node);
    if (!session) {
      problems.push({ node: backup.node, ok: false, reason: `cannot restore ${backup.path}: node not connected` });
      continue;
    }
    try {
      loaded.push({ backup, content: await loadBackup(session, backup, { force: ctx.forceRestore }) });
    } catch (err) {
      const why = err instanceof BackupError ? `${err.message}; this step was not rolled back` : `cannot read the backup of ${backup.path} in ${backup.backup}: ${message(err)}`;
      problems.push({ node: backup.node, ok: false, reason: why });
    }
  }
  return { loaded, problems };
}

export async function rollbackStep(ctx: StepContext, step: PlannedStep, journal: FileJournal | undefined): Promise<{ ok: boolean; problems: NodeOutcome[] }> {
  const report = (problems: NodeOutcome[]) => {
    for (const p of problems) ctx.emit({ type: 'notice', level: 'error', node: p.node, message: `rollback of ${ctx.step}: ${p.reason}` });
    return { ok: problems.length === 0, problems };
  };
  const recorded = await checkRecordedBackups(ctx, journal);
  if (recorded.problems.length > 0) return report(recorded.problems);
  const problems: NodeOutcome[] = [];
  for (const block of step.rollbacks) {
    const runs = await runBlock(ctx, block);
    for (const run of runs) {
      const reason = failureReason(run, block.timeoutMs);
      if (reason) problems.push({ node: run.node, ok: false, reason: `${block.id}: ${reason}` });
    }
  }
  const restores = [
    ...(journal?.newestFirst() ?? []).map((b) => ({ node: b.node, path: b.path, content: b.content, mode: b.mode, owner: b.owner })),
    ...recorded.loaded.map(({ backup: b, content }) => ({ node: b.node, path: b.path, content, mode: b.mode, owner: b.owner })),
  ];
  for (const backup of restores) {
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
      problems.push({ node: backup.node, ok: false, reason: `cannot restore ${backup.path}: ${message(err)}` });
    }
  }
  return report(problems);
}
