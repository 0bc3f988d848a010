// `lockstep backups list|prune` on the practice lab's controllers: two sessions leave two backup
// sets on every node; prune without --yes removes nothing, with --yes keeps only the newest; the
// older session can then no longer be rolled back (refused, naming the missing backup) while the
// newer one still can. Uses its own backup root and directory, removed afterwards.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cfg, lockstep, mustOnNode, onNode } from '../lab/helpers/lab.js';

const CONTROLLERS = ['controller0', 'controller1', 'controller2'];
const DIR = '/etc/lockstep-backups-test';
const BACKUPS = '/var/lib/lockstep-backups-test';
const fence = '```';
const work = mkdtempSync(join(tmpdir(), 'lockstep-backups-lab-'));
const env = { ...process.env, NO_COLOR: '1', LOCKSTEP_BACKUP_DIR: BACKUPS };
const runbook = join(work, 'backups.md');
writeFileSync(
  runbook,
  `---\nname: backups-test\ntargets: controllers\nvars:\n  v: one\n---\n\n# Backups test\n\n## Write\n\n${fence}ini file path=${DIR}/a.conf\nv = \${v}\n${fence}\n`,
);

/** Lines of `backups list` for a node: [session, time, size]. */
function listed(node: string): string[] {
  const r = lockstep(['backups', 'list', '-i', cfg().inventoryFile, '--nodes', node], env);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim().split('\n').filter((l) => l.startsWith(`${node}\t`) && !l.includes('(no backups')).map((l) => l.split('\t')[1]!);
}

describe('lockstep backups on the lab', { timeout: 300_000 }, () => {
  beforeAll(() => {
    for (const n of CONTROLLERS) mustOnNode(n, `rm -rf ${DIR} ${BACKUPS}; mkdir -p ${DIR}; echo original > ${DIR}/a.conf`);
  });
  afterAll(() => {
    for (const n of CONTROLLERS) onNode(n, `rm -rf ${DIR} ${BACKUPS}`);
  });

  it('lists the sets of two sessions, prunes all but the newest, and the pruned session can no longer be rolled back', () => {
    const recs = ['one', 'two'].map((v) => {
      const rec = join(work, `run-${v}.jsonl`);
      const r = lockstep(['run', runbook, '-i', cfg().inventoryFile, '--no-tui', '--yes', '--record', rec, '--var', `v=${v}`], env);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      return rec;
    });
    const [older, newer] = recs.map((r) => basename(r).replace(/\.jsonl$/, ''));
    for (const n of CONTROLLERS) {
      const sets = listed(n);
      expect(sets).toHaveLength(2);
      expect(sets[0]!.startsWith(`${older}-`)).toBe(true);
      expect(sets[1]!.startsWith(`${newer}-`)).toBe(true);
    }

    // Without --yes: what would go, and nothing goes.
    const dry = lockstep(['backups', 'prune', '-i', cfg().inventoryFile, '--keep', '1', '--nodes', CONTROLLERS.join(',')], env);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('3 set(s) would be removed; add --yes');
    for (const n of CONTROLLERS) expect(dry.stdout).toMatch(new RegExp(`^${n}\\t${older}-\\w+\\t.*would remove$`, 'm'));
    expect(listed('controller0')).toHaveLength(2);

    const pruned = lockstep(['backups', 'prune', '-i', cfg().inventoryFile, '--keep', '1', '--nodes', CONTROLLERS.join(','), '--yes'], env);
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.stdout).toContain('removed 3 set(s), kept the newest 1 per node');
    for (const n of CONTROLLERS) {
      const sets = listed(n);
      expect(sets).toHaveLength(1);
      expect(sets[0]!.startsWith(`${newer}-`)).toBe(true);
    }

    // The older session's backups are gone: its rollback is refused by name, nothing changes.
    const refused = lockstep(['rollback', recs[0]!, '-i', cfg().inventoryFile, '--yes', '--record', join(work, 'rb-one.jsonl')], env);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout + refused.stderr).toMatch(new RegExp(`controller\\d: backup of ${DIR}/a.conf .*is missing`));
    expect(mustOnNode('controller0', `cat ${DIR}/a.conf`)).toBe('v = two\n');
    // The newer one rolls back to what the first run wrote.
    const ok = lockstep(['rollback', recs[1]!, '-i', cfg().inventoryFile, '--yes', '--record', join(work, 'rb-two.jsonl')], env);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    for (const n of CONTROLLERS) expect(mustOnNode(n, `cat ${DIR}/a.conf`)).toBe('v = one\n');
  });

  it('refuses a --keep that is not a whole number and a node the inventory does not name', () => {
    const bad = lockstep(['backups', 'prune', '-i', cfg().inventoryFile, '--keep', 'all'], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--keep all: give a whole number');
    const unknown = lockstep(['backups', 'list', '-i', cfg().inventoryFile, '--nodes', 'nosuchnode'], env);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('no node named nosuchnode');
  });
});
