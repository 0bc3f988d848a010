// Durable file backups on the node (src/steps/file-backup.ts), on real local PTY nodes: a file
// block keeps the previous content, mode and owner in a root-only directory before it writes,
// records where (file.backup) without the content; a second engine (as after kill -9) rolls
// the step back from those backups alone, and refuses an altered or missing backup.
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine, type EngineOptions } from '../../src/engine/index.js';
import { earlierSteps, withEarlierSteps } from '../../src/engine/rollback-source.js';
import type { LockstepEvent } from '../../src/state/events.js';
import { backupDir, FileJournal, loadBackup, sha256Hex, storeBackup, type StoredBackup } from '../../src/steps/index.js';
import { connectLocal } from '../../src/transport/index.js';
import { plan, step } from '../engine/plan-builder.js';

const work = mkdtempSync(join(tmpdir(), 'lockstep-backup-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const NODES = ['n0', 'n1'];
const ORIGINAL = Buffer.from('old = 1\nkey = "not for the recording"\n\x00\xff');
const asRoot = process.getuid?.() === 0;

function setup() {
  const dir = mkdtempSync(join(work, 'case-'));
  const root = join(dir, 'backups');
  for (const n of NODES) {
    mkdirSync(join(dir, n));
    writeFileSync(join(dir, n, 'conf'), ORIGINAL);
    chmodSync(join(dir, n, 'conf'), 0o640);
    if (asRoot) chownSync(join(dir, n, 'conf'), 65534, 65534);
  }
  const p = plan(
    [
      step('files', [
        { kind: 'file', path: '', content: 'new = 2\n', id: 'conf', nodes: NODES },
        { kind: 'file', path: '', content: (n) => `created on ${n}\n`, id: 'created', nodes: NODES },
        { kind: 'rollback', script: `echo undone >> ${dir}/rollback.log`, nodes: ['n0'] },
      ]),
    ],
    NODES,
  );
  // Per-node paths: each local node has its own directory.
  const s = p.steps[0]!;
  for (const n of NODES) {
    const conf = s.actions[0]!.perNode[n]!;
    const created = s.actions[1]!.perNode[n]!;
    if (conf.kind === 'file') conf.path = join(dir, n, 'conf');
    if (created.kind === 'file') created.path = join(dir, n, 'created');
  }
  return { dir, root, plan: p };
}

async function run(p: ReturnType<typeof setup>, extra: Partial<EngineOptions>) {
  const engine = createEngine({
    plan: p.plan,
    autoApprove: true,
    stayAtEnd: false,
    connect: async (name) => connectLocal({ name, transport: 'local', groups: [], vars: {} } as never, { cols: 80, rows: 24 }),
    backups: { sessionId: 'sess-1', root: () => p.root },
    ...extra,
  });
  const events: LockstepEvent[] = [];
  engine.subscribe((e) => events.push(e));
  const end = await engine.run();
  return { end, events };
}

function expectOriginal(dir: string) {
  for (const n of NODES) {
    expect(readFileSync(join(dir, n, 'conf')).equals(ORIGINAL)).toBe(true);
    const st = statSync(join(dir, n, 'conf'));
    expect(st.mode & 0o7777).toBe(0o640);
    if (asRoot) expect([st.uid, st.gid]).toEqual([65534, 65534]);
    expect(existsSync(join(dir, n, 'created'))).toBe(false);
  }
}

describe('durable backups on the node', { timeout: 60_000 }, () => {
  it('keeps previous content, mode and owner (or absence) in a 0700 directory before writing; records where and the sha256 only', async () => {
    const p = setup();
    const { end, events } = await run(p, {});
    expect(end, JSON.stringify(events.filter((e) => e.type === 'notice' || e.type === 'step.finished'))).toBe('completed');
    const backups = events.filter((e): e is Extract<LockstepEvent, { type: 'file.backup' }> => e.type === 'file.backup');
    expect(backups).toHaveLength(4);
    // Every backup is recorded before its write.
    for (const b of backups) {
      const bi = events.indexOf(b);
      const wi = events.findIndex((e) => e.type === 'file.written' && e.node === b.node && e.path === b.path);
      expect(bi).toBeLessThan(wi);
    }
    const conf = backups.find((b) => b.node === 'n1' && b.path.endsWith('/conf'))!;
    expect(conf).toMatchObject({ existed: true, sha256: sha256Hex(ORIGINAL), mode: 0o640, ...(asRoot ? { owner: 'nobody:nogroup' } : {}) });
    expect(conf.backup).toBe(backupDir({ sessionId: 'sess-1', root: () => p.root }, 'n1', 'rb/files', 'rb/files/conf').dir);
    expect(readFileSync(join(conf.backup, 'content')).equals(ORIGINAL)).toBe(true);
    expect(statSync(join(conf.backup, 'content')).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(join(conf.backup, 'meta.json'), 'utf8'))).toMatchObject({ existed: true, mode: 0o640 });
    const created = backups.find((b) => b.node === 'n0' && b.path.endsWith('/created'))!;
    expect(created).toMatchObject({ existed: false, sha256: null });
    expect(existsSync(join(created.backup, 'content'))).toBe(false);
    expect(statSync(p.root).mode & 0o777).toBe(0o700);
    expect(statSync(join(p.root, 'sess-1')).mode & 0o777).toBe(0o700);
    // No content in the events.
    expect(JSON.stringify(events)).not.toContain('not for the recording');
  });

  it('a new engine rolls the step back from the node backups alone (as after kill -9), and restores byte for byte', async () => {
    const p = setup();
    const first = await run(p, {});
    expect(first.end).toBe('completed');
    const earlier = earlierSteps([{ file: 'a.jsonl', events: first.events }]);
    expect(earlier.map((s) => [s.step, s.status, s.backups.length])).toEqual([['rb/files', 'passed', 4]]);
    const second = await run(p, { earlier: earlier.map((s) => ({ step: s.step, backups: s.backups })), rollbackOnly: 'rb/files' });
    expect(second.end).toBe('completed');
    expectOriginal(p.dir);
    expect(readFileSync(join(p.dir, 'rollback.log'), 'utf8')).toBe('undone\n');
    expect(second.events.filter((e) => e.type === 'file.restored').map((e) => e.type === 'file.restored' && e.removed).sort()).toEqual([false, false, true, true]);
  });

  it('refuses an altered or missing backup, naming the recording line, node and path; --force uses an altered one', async () => {
    const p = setup();
    const first = await run(p, {});
    const earlier = earlierSteps([{ file: 'a.jsonl', events: first.events }]);
    const conf = earlier[0]!.backups.find((b) => b.node === 'n0' && b.path.endsWith('/conf'))!;
    expect(conf.source).toMatch(/^a\.jsonl:\d+$/);
    writeFileSync(join(conf.backup, 'content'), 'tampered\n');
    const created = earlier[0]!.backups.find((b) => b.node === 'n1' && b.path.endsWith('/created'))!;
    rmSync(join(created.backup, 'meta.json'));
    const refused = await run(p, { earlier: [{ step: 'rb/files', backups: earlier[0]!.backups }], rollbackOnly: 'rb/files' });
    expect(refused.end).toBe('failed');
    const errors = refused.events.flatMap((e) => (e.type === 'notice' && e.level === 'error' ? [e.message] : []));
    expect(errors.join('\n')).toContain(`${conf.source}: n0: backup of ${conf.path} in ${conf.backup} was altered`);
    expect(errors.join('\n')).toContain(`${created.source}: n1: backup of ${created.path} in ${created.backup} is missing`);
    expect(readFileSync(join(p.dir, 'n0', 'conf'), 'utf8')).toBe('new = 2\n');
    const forced = await run(p, { earlier: [{ step: 'rb/files', backups: earlier[0]!.backups }], rollbackOnly: 'rb/files', forceRestore: true });
    expect(forced.end).toBe('completed');
    expect(readFileSync(join(p.dir, 'n0', 'conf'), 'utf8')).toBe('tampered\n');
  });

  it('a retried step keeps the first backup; the journal prefers recorded backups of an earlier session', async () => {
    const p = setup();
    const session = await connectLocal({ name: 'n0', transport: 'local', groups: [], vars: {} } as never, { cols: 80, rows: 24 });
    try {
      const stored = await storeBackup(session, { sessionId: 's', root: () => p.root }, { node: 'n0', step: 'rb/x', block: 'rb/x/f', path: '/etc/none' }, { content: null });
      expect(await loadBackup(session, stored)).toBeNull();
      const j = new FileJournal();
      const rec: StoredBackup = { ...stored, path: '/a' };
      j.rememberRecorded(rec);
      j.remember({ node: 'n0', path: '/a', content: Buffer.from('later') });
      expect(j.isStored('n0', '/a')).toBe(true);
      expect(j.newestFirst()).toEqual([]);
      expect(j.recordedNewestFirst()).toEqual([rec]);
    } finally {
      await session.close();
    }
  });

  it('resume keeps the steps done before in the plan (not run again) with their backups', () => {
    const earlier = [
      { step: 'rb/a', status: 'passed' as const, startedAt: 'r:2', backups: [] },
      { step: 'rb/b', status: 'running' as const, startedAt: 'r:9', backups: [] },
    ];
    const r = withEarlierSteps({ steps: [{ id: 'rb/a' }, { id: 'rb/b' }, { id: 'rb/c' }] }, { steps: [{ id: 'rb/a.recheck' }, { id: 'rb/b' }, { id: 'rb/c' }] }, earlier);
    expect(r).toEqual({ prefix: ['rb/a'], startAt: 'rb/a.recheck', earlier: [{ step: 'rb/a', backups: [] }, { step: 'rb/b', backups: [] }] });
  });

  it('earlierSteps: a step rolled back is not rolled back again; a retried one keeps its first backups', () => {
    const b = (node: string, sha: string) => ({ type: 'file.backup' as const, t: 0, step: 'rb/s', block: 'rb/s/f', node, path: '/p', backup: `/b/${sha}`, existed: true, sha256: sha });
    const events: LockstepEvent[] = [
      { type: 'step.started', t: 0, step: 'rb/s' },
      b('n0', 'first'),
      { type: 'step.finished', t: 0, step: 'rb/s', status: 'failed' },
      { type: 'step.started', t: 0, step: 'rb/s' },
      b('n0', 'second'),
      { type: 'step.finished', t: 0, step: 'rb/s', status: 'passed' },
      { type: 'step.started', t: 0, step: 'rb/t' },
      { type: 'step.finished', t: 0, step: 'rb/t', status: 'rolled-back' },
    ];
    const out = earlierSteps([{ file: 'x.jsonl', events }]);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ step: 'rb/s', status: 'passed', startedAt: 'x.jsonl:5' });
    expect(out[0]!.backups.map((x) => [x.sha256, x.source])).toEqual([['first', 'x.jsonl:3']]);
  });
});
