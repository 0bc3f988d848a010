// What files looked like before a step wrote them, so rolling the step back restores them
// byte for byte (or removes the ones it created). In memory, per step.

export interface FileBackup {
  node: string;
  path: string;
  /** null: the file did not exist before the step. */
  content: Buffer | null;
  mode?: number;
  owner?: string;
}

export class FileJournal {
  private readonly entries: FileBackup[] = [];

  /** Keeps the first state seen: a retried step must not overwrite the original backup. */
  remember(backup: FileBackup): void {
    if (!this.has(backup.node, backup.path)) this.entries.push(backup);
  }

  has(node: string, path: string): boolean {
    return this.entries.some((e) => e.node === node && e.path === path);
  }

  /** Backups newest first: the order to restore in. */
  newestFirst(): FileBackup[] {
    return [...this.entries].reverse();
  }

  get size(): number {
    return this.entries.length;
  }
}
