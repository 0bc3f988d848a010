// Listing and pruning backup sets: the shell text runs for real here (sh, stat, du) on a
// temporary backup root; which sets go is pure.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backupRootOf, listBackupSetsScript, parseBackupSets, removeBackupSetsScript, setsToPrune } from '../../src/steps/backup-sets.js';
import { DEFAULT_BACKUP_ROOT } from '../../src/steps/file-backup.js';

const sh = (script: string) => spawnSync('sh', ['-c', script], { encoding: 'utf8' });

describe('backup sets', () => {
  it('lists session directories with their time and size, skipping files, links and hidden names', () => {
    const root = mkdtempSync(join(tmpdir(), 'lockstep-backups-'));
    const sessions = ['20261101T100000Z-run-aaaaaa', '20261102T100000Z-run-bbbbbb', '20261103T100000Z-run-cccccc'];
    sessions.forEach((s, i) => {
      mkdirSync(join(root, s, 'controller0', 'rb', 'step', 'block'), { recursive: true });
      writeFileSync(join(root, s, 'controller0', 'rb', 'step', 'block', 'content'), 'x'.repeat(5000 * (i + 1)));
      const t = new Date(Date.UTC(2026, 10, 1 + i));
      utimesSync(join(root, s), t, t);
    });
    writeFileSync(join(root, 'stray-file'), '');
    symlinkSync('/tmp', join(root, 'a-link'));
    mkdirSync(join(root, '.hidden'));
    // A recording named with a blank (`--record "my run.jsonl"`) names its set so too.
    const odd = 'my run-dddddd';
    mkdirSync(join(root, odd));
    utimesSync(join(root, odd), new Date(Date.UTC(2026, 9, 1)), new Date(Date.UTC(2026, 9, 1)));
    const r = sh(listBackupSetsScript(root));
    expect(r.status).toBe(0);
    const sets = parseBackupSets(r.stdout);
    expect(sets.map((s) => s.session).sort()).toEqual([...sessions, odd].sort());
    expect(sets.find((s) => s.session === sessions[0])!.modified).toBe(Date.UTC(2026, 10, 1) / 1000);
    for (const s of sets) expect(s.kib).toBeGreaterThan(0);
    // The newest stays; the script removes exactly the others.
    const doomed = setsToPrune(sets, 1).map((s) => s.session);
    expect(doomed.sort()).toEqual([...sessions.slice(0, 2), odd].sort());
    expect(sh(removeBackupSetsScript(root, doomed)).status).toBe(0);
    expect(readdirSync(root).sort()).toEqual([sessions[2], '.hidden', 'a-link', 'stray-file'].sort());
    expect(existsSync('/tmp')).toBe(true);
  });

  it('prints nothing for a root that does not exist, and keeps everything when asked to keep more', () => {
    const r = sh(listBackupSetsScript('/nonexistent/lockstep-backups'));
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    const sets = [{ session: 'a', modified: 1, kib: 1 }, { session: 'b', modified: 2, kib: 1 }];
    expect(setsToPrune(sets, 5)).toEqual([]);
    expect(setsToPrune(sets, 0).map((s) => s.session)).toEqual(['b', 'a']);
  });

  it('refuses to remove anything that is not a set name, and finds the root like a run does', () => {
    expect(() => removeBackupSetsScript('/r', ['..'])).toThrow(/refusing/);
    expect(() => removeBackupSetsScript('/r', ['a/b'])).toThrow(/refusing/);
    expect(() => removeBackupSetsScript('/r', ['.'])).toThrow(/refusing/);
    expect(() => removeBackupSetsScript('/r', ['.hidden'])).toThrow(/refusing/);
    expect(() => removeBackupSetsScript('/r', [''])).toThrow(/refusing/);
    // Whatever the name, it is one quoted argument after `--`.
    expect(removeBackupSetsScript('/r', ['-rf', "it's"])).toBe(`cd '/r' && rm -rf -- '-rf' 'it'\\''s'`);
    expect(removeBackupSetsScript('/r', [])).toBe('true');
    expect(backupRootOf({ lockstep_backup_dir: '/x' }, { LOCKSTEP_BACKUP_DIR: '/y' })).toBe('/x');
    expect(backupRootOf({}, { LOCKSTEP_BACKUP_DIR: '/y' })).toBe('/y');
    expect(backupRootOf(undefined, {})).toBe(DEFAULT_BACKUP_ROOT);
  });
});
