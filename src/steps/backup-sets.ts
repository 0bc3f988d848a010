// The sets of file backups on a node: one directory per session under the backup root (see
// file-backup.ts). Nothing removes them by themselves, and they hold earlier versions of what
// the runbooks wrote, private keys included: `lockstep backups` lists them and removes all but
// the newest. Pure: builds the shell text that runs on the node (as root) and reads its output.
import { shQuote } from '../transport/shell-protocol.js';
import { DEFAULT_BACKUP_ROOT } from './file-backup.js';

export interface BackupSet {
  /** The session's directory name (its recording's name and a random suffix). */
  session: string;
  /** When the directory last changed, seconds since the epoch. */
  modified: number;
  /** Its size on disk. */
  kib: number;
}

/** The backup root on a node: the inventory's `lockstep_backup_dir`, LOCKSTEP_BACKUP_DIR, or the default. */
export function backupRootOf(vars: Readonly<Record<string, string>> | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return vars?.lockstep_backup_dir ?? env.LOCKSTEP_BACKUP_DIR ?? DEFAULT_BACKUP_ROOT;
}

/** Prints `modified<TAB>KiB<TAB>name` for every session directory under `root` (nothing when there is no root). */
export function listBackupSetsScript(root: string): string {
  return [
    `cd ${shQuote(root)} 2>/dev/null || exit 0`,
    'for d in */; do',
    '  d=${d%/}',
    '  [ -d "$d" ] && [ ! -L "$d" ] || continue',
    `  printf '%s\\t%s\\t%s\\n' "$(stat -c %Y -- "$d")" "$(du -sk -- "$d" | cut -f1)" "$d"`,
    'done',
  ].join('\n');
}

export function parseBackupSets(stdout: string): BackupSet[] {
  const sets: BackupSet[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^(\d+)\t(\d+)\t(.+)$/.exec(line);
    if (m && isSessionName(m[3]!)) sets.push({ session: m[3]!, modified: Number(m[1]), kib: Number(m[2]) });
  }
  return sets;
}

/**
 * A directory that can be a set: named after a recording (`--record` may give any name), but
 * never `.`, `..` or a hidden name, and nothing that is not a single path element.
 */
export function isSessionName(name: string): boolean {
  return /^[^./\t\n\0][^/\t\n\0]*$/.test(name);
}

/** The sets to remove so that the newest `keep` stay (newest by time changed, then by name). */
export function setsToPrune(sets: readonly BackupSet[], keep: number): BackupSet[] {
  const newestFirst = [...sets].sort((a, b) => b.modified - a.modified || b.session.localeCompare(a.session));
  return newestFirst.slice(Math.max(0, keep));
}

/** Removes the given session directories under `root`; refuses names lockstep would not have made. */
export function removeBackupSetsScript(root: string, sessions: readonly string[]): string {
  const bad = sessions.find((s) => !isSessionName(s));
  if (bad !== undefined) throw new Error(`refusing to remove "${bad}": not a backup set name`);
  if (sessions.length === 0) return 'true';
  return `cd ${shQuote(root)} && rm -rf -- ${sessions.map(shQuote).join(' ')}`;
}
