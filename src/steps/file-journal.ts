// What files looked like before a step wrote them, so rolling the step back restores them
// byte for byte (or removes the ones it created). In memory, per step: the fast path. The
// durable copy is on the node (file-backup.ts); a journal also holds the node backups an
// earlier session recorded, so a later session can roll that session's steps back.
import type { StoredBackup } from './file-backup.js';

export interface FileBackup {
  node: string;
  path: string;
  /** null: the file did not exist before the step. */
  content: Buffer | null;
  mode?: number;
  owner?: string;
  /** The durable copy on the node, once it is made. */
  stored?: StoredBackup;
}

export class FileJournal {
  private readonly entries: FileBackup[] = [];
  private readonly recorded: StoredBackup[] = [];

  /** Keeps the first state seen: a retried step must not overwrite the original backup. */
  remember(backup: FileBackup): void {
    if (!this.has(backup.node, backup.path)) this.entries.push(backup);
  }

  /** A node backup from an earlier session's recording (its content is only on the node). */
  rememberRecorded(backup: StoredBackup): void {
    if (!this.has(backup.node, backup.path)) this.recorded.push(backup);
  }

  has(node: string, path: string): boolean {
    return this.entries.some((e) => e.node === node && e.path === path) || this.recorded.some((e) => e.node === node && e.path === path);
  }

  /** The remembered state of `path` on `node` (the in-memory one). */
  get(node: string, path: string): FileBackup | undefined {
    return this.entries.find((e) => e.node === node && e.path === path);
  }

  /** Whether the original state of `path` on `node` is kept on the node already. */
  isStored(node: string, path: string): boolean {
    return this.recorded.some((e) => e.node === node && e.path === path) || this.get(node, path)?.stored !== undefined;
  }

  /** Backups newest first: the order to restore in. */
  newestFirst(): FileBackup[] {
    return [...this.entries].reverse();
  }

  /** Recorded node backups (earlier session), newest first. */
  recordedNewestFirst(): StoredBackup[] {
    return [...this.recorded].reverse();
  }

  get size(): number {
    return this.entries.length + this.recorded.length;
  }
}
