// Durable file backups, kept ON THE NODE: before a file block changes a file, its previous
// content (or the fact that it did not exist), mode and owner go to a root-only directory on
// that node, so a rollback still works after lockstep itself died (kill -9, a crash) or in a
// later session (`lockstep rollback REC`, `lockstep run --resume REC`).
//
// Layout, per node:  <root>/<session>/<node>/<runbook>/<step>/<block>/
//   content    the previous bytes (only when the file existed), 0600
//   meta.json  {path, existed, mode, owner, sha256}, 0600, written last: its presence says the
//              backup is complete
// <root> (default /var/lib/lockstep/backups) and <root>/<session> are made 0700; both files go
// through the transport's root file operations (atomic: temp file + rename). The recording keeps
// only where a backup is and the sha256 of its content (the `file.backup` event), never the bytes
// (the diff shown before writing is recorded as before, redacted).
import { createHash } from 'node:crypto';
import type { NodeSession } from '../transport/types.js';
import { shQuote } from '../transport/shell-protocol.js';

export const DEFAULT_BACKUP_ROOT = '/var/lib/lockstep/backups';

/** Where a session keeps its node backups. */
export interface BackupConfig {
  /** A name unique to the session (no `/`), the directory under the root. */
  sessionId: string;
  /** The root directory on `node`; default DEFAULT_BACKUP_ROOT. */
  root?: (node: string) => string | undefined;
}

/** A backup on a node, as the recording's `file.backup` event describes it. */
export interface StoredBackup {
  node: string;
  path: string;
  /** The backup's directory on the node. */
  backup: string;
  existed: boolean;
  /** sha256 (hex) of the previous content; null when the file did not exist. */
  sha256: string | null;
  mode?: number;
  owner?: string;
  /** Where it is recorded (`file:line`), to name it when it cannot be used. */
  source?: string;
}

export const sha256Hex = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** One path component from an id: `/` and anything unusual become `_`. */
const part = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_') || '_';

export function backupDir(config: BackupConfig, node: string, step: string, block: string): { root: string; session: string; dir: string } {
  const root = (config.root?.(node) ?? DEFAULT_BACKUP_ROOT).replace(/\/+$/, '') || '/';
  const session = `${root}/${part(config.sessionId)}`;
  // Block ids are `<runbook>/<step>/<name>`: keep only the block's own part under the step.
  const blockPart = block.startsWith(`${step}/`) ? block.slice(step.length + 1) : block;
  return { root, session, dir: `${session}/${part(node)}/${step.split('/').map(part).join('/')}/${part(blockPart)}` };
}

/** Runs a small sh program with root rights on a side channel (sudo -n when not root). */
async function asRoot(session: NodeSession, program: string): Promise<void> {
  const cmd = `if [ "$(id -u)" -eq 0 ]; then sh -c ${shQuote(program)}; else sudo -n sh -c ${shQuote(program)}; fi`;
  const r = await session.exec(cmd, { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`preparing the backup directory failed (exit ${r.code ?? 'none'})${r.stderr.length ? `: ${r.stderr.toString('utf8').trim()}` : ''}`);
}

/**
 * Keeps `before` (null: the file did not exist) on the node; resolves with what to record.
 * Rejects when the backup cannot be made: the caller must then not write the file.
 */
export async function storeBackup(
  session: NodeSession,
  config: BackupConfig,
  where: { node: string; step: string; block: string; path: string },
  before: { content: Buffer | null; mode?: number; owner?: string },
): Promise<StoredBackup> {
  const { root, session: sessionDir, dir } = backupDir(config, where.node, where.step, where.block);
  // Root-only from the top: whatever is below cannot be reached by anyone else.
  await asRoot(session, `umask 077; mkdir -p -- ${shQuote(sessionDir)} && chmod 700 -- ${shQuote(root)} ${shQuote(sessionDir)}`);
  const existed = before.content !== null;
  const sha256 = before.content === null ? null : sha256Hex(before.content);
  if (before.content !== null) await session.writeFileAtomic(`${dir}/content`, before.content, { mode: 0o600 });
  const meta = { path: where.path, existed, mode: before.mode, owner: before.owner, sha256 };
  await session.writeFileAtomic(`${dir}/meta.json`, Buffer.from(`${JSON.stringify(meta)}\n`), { mode: 0o600 });
  return { node: where.node, path: where.path, backup: dir, existed, sha256, mode: before.mode, owner: before.owner };
}

/** A backup that is missing or not what was recorded. */
export class BackupError extends Error {
  constructor(
    readonly backup: StoredBackup,
    readonly problem: 'missing' | 'altered',
    message: string,
  ) {
    super(message);
    this.name = 'BackupError';
  }
}

/** What restoring `b` would put back: the checked content (null: remove the file). */
export async function loadBackup(session: NodeSession, b: StoredBackup, options: { force?: boolean } = {}): Promise<Buffer | null> {
  const where = `${b.source ? `${b.source}: ` : ''}${b.node}: backup of ${b.path} in ${b.backup}`;
  const meta = await session.readFile(`${b.backup}/meta.json`);
  if (meta === null && !options.force) throw new BackupError(b, 'missing', `${where} is missing (no meta.json)`);
  if (!b.existed) return null;
  const content = await session.readFile(`${b.backup}/content`);
  if (content === null) throw new BackupError(b, 'missing', `${where} is missing (no content file)`);
  const actual = sha256Hex(content);
  if (actual !== b.sha256 && !options.force) {
    throw new BackupError(b, 'altered', `${where} was altered (sha256 ${actual.slice(0, 12)}… on the node, ${String(b.sha256).slice(0, 12)}… recorded); restore with --force to use it anyway`);
  }
  return content;
}

/** Puts the file back as the backup says (or removes it); true when it was removed. */
export async function restoreBackup(session: NodeSession, b: StoredBackup, options: { force?: boolean } = {}): Promise<boolean> {
  const content = await loadBackup(session, b, options);
  if (content === null) {
    await session.removeFile(b.path);
    return true;
  }
  await session.writeFileAtomic(b.path, content, { mode: b.mode, owner: b.owner });
  return false;
}

/** Removes a session's backups on a node (after a complete rollback they are no longer needed). */
export async function removeBackupDir(session: NodeSession, dir: string): Promise<void> {
  await asRoot(session, `rm -rf -- ${shQuote(dir)}`);
}
