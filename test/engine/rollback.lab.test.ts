// Durable backups and `lockstep rollback REC` on the practice lab's controller0-2 (real Debian
// nodes over SSH, as the lab user with sudo): a run with two file blocks (one overwrites a file
// with its own mode and owner, one creates a file) is killed with SIGKILL after the step; a
// tampered backup is refused; `lockstep rollback REC` restores the first byte for byte with mode
// and owner and removes the second; a full session run then rolled back leaves the nodes as
// before. Needs `npm run build` first. Cleans up its directories on the nodes.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRecording, verifyBytes } from '../../src/record/index.js';
import { cfg, lockstep, mustOnNode, onNode } from '../lab/helpers/lab.js';

const CONTROLLERS = ['controller0', 'controller1', 'controller2'];
const DIR = '/etc/lockstep-rollback-test';
const BACKUPS = '/var/lib/lockstep-rollback-test-backups';
const ORIGINAL_B64 = Buffer.from('# original\r\nsecret = "do not record"\n\tno newline at end').toString('base64');
const fence = '```';
const FILES_STEP = `## Files
<!-- lockstep: on=controllers -->

${fence}ini file path=${DIR}/existing.conf mode=0644 owner=root:root
name = \${node.name}
${fence}

${fence}ini file path=${DIR}/created.conf
created = yes
${fence}

${fence}sh rollback
echo undone | sudo tee -a ${DIR}/rollback.log >/dev/null
${fence}
`;
const HANG_STEP = `## Hang
<!-- lockstep: on=controllers -->

${fence}sh run
sleep 120
${fence}
`;
const work = mkdtempSync(join(tmpdir(), 'lockstep-rollback-lab-'));
const env = { ...process.env, NO_COLOR: '1', LOCKSTEP_BACKUP_DIR: BACKUPS };

function prepareNodes() {
  for (const n of CONTROLLERS) {
    mustOnNode(n, `set -e; rm -rf ${DIR} ${BACKUPS}; mkdir -p ${DIR}; echo ${ORIGINAL_B64} | base64 -d > ${DIR}/existing.conf; chmod 640 ${DIR}/existing.conf; chown nobody:nogroup ${DIR}/existing.conf`);
  }
}

/** What the test directory holds on a node (file bytes as base64, mode and owner). */
function state(n: string): string {
  return mustOnNode(n, `cd ${DIR}; for f in existing.conf created.conf; do if [ -e $f ]; then echo "$f $(base64 -w0 $f) $(stat -c '%a %U:%G' $f)"; else echo "$f absent"; fi; done`);
}
const ORIGINAL_STATE = `existing.conf ${ORIGINAL_B64} 640 nobody:nogroup\ncreated.conf absent\n`;

function rb(name: string, body: string): string {
  const file = join(work, `${name}.md`);
  writeFileSync(file, `# Rollback lab ${name}\n\n${body}`);
  return file;
}

const text = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : '');

async function runAndKill(runbook: string, rec: string): Promise<void> {
  const child = spawn(process.execPath, ['bin/lockstep.js', 'run', runbook, '-i', cfg().inventoryFile, '--yes', '--no-tui', '--record', rec], { stdio: 'ignore', env });
  const closed = new Promise((r) => child.on('close', r));
  const deadline = Date.now() + 120_000;
  while (!/"type":"block\.started","step":"[^"]*\/hang"/.test(text(rec))) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the hang step');
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  await closed;
  expect(verifyBytes(readFileSync(rec), rec).outcome).toBe('cut-off');
}

describe('lockstep rollback on the lab', { timeout: 300_000 }, () => {
  beforeAll(() => prepareNodes());
  afterAll(() => {
    for (const n of CONTROLLERS) onNode(n, `rm -rf ${DIR} ${BACKUPS}; pkill -f 'sleep 120' || true`);
  });

  it('after kill -9: a tampered backup is refused; then rollback restores byte for byte with mode and owner and removes the created file', async () => {
    const a = join(work, 'a.jsonl');
    await runAndKill(rb('killed', `${FILES_STEP}\n${HANG_STEP}`), a);
    for (const n of CONTROLLERS) expect(state(n)).toBe(`existing.conf ${Buffer.from(`name = ${n}\n`).toString('base64')} 644 root:root\ncreated.conf ${Buffer.from('created = yes\n').toString('base64')} 644 root:root\n`);
    // The backups: root-only on the node; the recording has no content of them.
    const rec = readRecording(a);
    const backups = rec.events.filter((e) => e.type === 'file.backup');
    expect(backups).toHaveLength(6);
    expect(mustOnNode('controller0', `stat -c %a ${BACKUPS}; ls ${BACKUPS} | wc -l`)).toMatch(/^700\n1\n$/);
    // (the diff shows the old lines, redacted as always; nothing else carries the content)
    expect(readFileSync(a, 'utf8').split('\n').filter((l) => !l.includes('"type":"file.diff"')).join('\n')).not.toContain('do not record');
    expect(backups.map((e) => JSON.stringify(e)).join('\n')).not.toContain('do not record');

    // Tamper with controller1's backup of existing.conf.
    const tampered = backups.find((e) => e.type === 'file.backup' && e.node === 'controller1' && e.existed);
    if (tampered?.type !== 'file.backup') throw new Error('no backup recorded');
    mustOnNode('controller1', `echo evil > ${tampered.backup}/content`);
    const line = readFileSync(a, 'utf8').split('\n').findIndex((l) => l.includes('"type":"file.backup"') && l.includes('"node":"controller1"') && l.includes('"existed":true')) + 1;
    const refused = lockstep(['rollback', a, '-i', cfg().inventoryFile, '--yes', '--record', join(work, 'a-refused.jsonl')], env);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain(`${a}:${line}: controller1: backup of ${DIR}/existing.conf`);
    expect(refused.stdout + refused.stderr).toMatch(/was altered/);
    expect(mustOnNode('controller1', `cat ${DIR}/existing.conf`)).toBe('name = controller1\n');

    // Put the right bytes back (the sha256 matches again) and roll back for real.
    mustOnNode('controller1', `echo ${ORIGINAL_B64} | base64 -d > ${tampered.backup}/content`);
    const b = join(work, 'a-rollback.jsonl');
    const ok = lockstep(['rollback', a, '-i', cfg().inventoryFile, '--yes', '--record', b], env);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    for (const n of CONTROLLERS) expect(state(n)).toBe(ORIGINAL_STATE);
    const rolled = readRecording(b);
    expect(rolled.ended).toBe(true);
    expect((rolled.header as unknown as { previous?: { file: string } }).previous?.file).toBe(a);
    expect(rolled.events.filter((e) => e.type === 'file.restored')).toHaveLength(6);
  });

  it('a full session run, then rolled back headless, leaves the nodes as before', async () => {
    prepareNodes();
    const c = join(work, 'c.jsonl');
    const run = lockstep(['run', rb('full', FILES_STEP), '-i', cfg().inventoryFile, '--yes', '--no-tui', '--record', c], env);
    expect(run.code, run.stderr).toBe(0);
    expect(state('controller2')).toContain('created.conf Y3JlYXRlZCA9IHllcwo=');
    const r = lockstep(['rollback', c, '-i', cfg().inventoryFile, '--yes', '--record', join(work, 'c-rollback.jsonl')], env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const n of CONTROLLERS) {
      expect(state(n)).toBe(ORIGINAL_STATE);
      expect(mustOnNode(n, `cat ${DIR}/rollback.log`)).toBe('undone\n');
    }
  });
});
