// Durable backups and `lockstep rollback REC`, as a whole program: local PTY nodes plus one SSH
// node (the sshd fixture). A run with two file blocks (one overwrites a file with its own mode
// and owner, one creates a file) is killed with SIGKILL after the step; `lockstep rollback`
// restores the first byte for byte with mode and owner, removes the second, and records a new
// session linked to the old one. A tampered backup is refused, naming file:line, node and path.
// Needs `npm run build` first (like cli-run.test.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRecording, verifyBytes } from '../../src/record/index.js';
import { startSshd, type SshdFixture } from '../transport/sshd-fixture.js';

const fence = '```';
const RUNBOOK = `# Backup demo

## Files
${fence}ini file path=\${dir}/conf mode=0644
changed = yes
${fence}

${fence}ini file path=\${dir}/new.conf
created = \${node.name}
${fence}

${fence}sh rollback
echo undone >> \${dir}/rollback.log
${fence}

## Hang
${fence}sh run
sleep 60
${fence}
`;
const NODES = ['n0', 'n1'];
const ORIGINAL = Buffer.from('# the original\nkey = "secret"\n\x00binary tail');

function fixture(sshd?: SshdFixture) {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-rollback-cli-'));
  const backups = join(dir, 'backups');
  const how = (n: string) => (sshd && n === 'n0' ? `address: 127.0.0.1, port: ${sshd.port}, user: ${sshd.user}, identity_file: ${sshd.clientKeyFile}` : 'local: true');
  writeFileSync(join(dir, 'inventory.yaml'), `${sshd ? `known_hosts: ${sshd.knownHostsFile}\n` : ''}nodes:\n${NODES.map((n) => `  - { name: ${n}, ${how(n)}, vars: { dir: ${join(dir, n)}, lockstep_backup_dir: ${backups} } }`).join('\n')}\n`);
  writeFileSync(join(dir, 'rb.md'), RUNBOOK);
  for (const n of NODES) {
    rmSync(join(dir, n), { recursive: true, force: true });
    mkdirSync(join(dir, n), { recursive: true });
    writeFileSync(join(dir, n, 'conf'), ORIGINAL);
    chmodSync(join(dir, n, 'conf'), 0o640);
    if (process.getuid?.() === 0) chownSync(join(dir, n, 'conf'), 65534, 65534);
  }
  return { dir, backups, rb: join(dir, 'rb.md'), inv: join(dir, 'inventory.yaml'), rec: (name: string) => join(dir, `${name}.jsonl`) };
}

function cli(args: string[], env: Record<string, string> = {}): { child: ChildProcess; done: Promise<{ code: number | null; out: string; err: string }> } {
  const child = spawn('node', ['bin/lockstep.js', ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', ...env } });
  let out = '';
  let err = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) => child.on('close', (code) => resolve({ code, out, err })));
  return { child, done };
}

const text = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');

async function until(what: string, pred: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Runs the runbook and SIGKILLs lockstep once the Files step passed (during Hang). */
async function runAndKill(f: ReturnType<typeof fixture>, rec: string) {
  const run = cli(['run', f.rb, '-i', f.inv, '--yes', '--record', rec]);
  await until('the hang step', () => /"type":"block\.started","step":"rb\/hang"/.test(text(rec)));
  run.child.kill('SIGKILL');
  await run.done;
  expect(verifyBytes(readFileSync(rec), rec).outcome).toBe('cut-off');
}

function expectApplied(f: ReturnType<typeof fixture>) {
  for (const n of NODES) {
    expect(readFileSync(join(f.dir, n, 'conf'), 'utf8')).toBe('changed = yes\n');
    expect(readFileSync(join(f.dir, n, 'new.conf'), 'utf8')).toBe(`created = ${n}\n`);
  }
}

function expectRestored(f: ReturnType<typeof fixture>) {
  for (const n of NODES) {
    const conf = join(f.dir, n, 'conf');
    expect(readFileSync(conf).equals(ORIGINAL)).toBe(true);
    const st = statSync(conf);
    expect(st.mode & 0o7777).toBe(0o640);
    if (process.getuid?.() === 0) expect([st.uid, st.gid]).toEqual([65534, 65534]);
    expect(existsSync(join(f.dir, n, 'new.conf'))).toBe(false);
  }
}

function runBackground(sshd: () => SshdFixture | undefined) {
  it('keeps backups on the node, never in the recording; rollback after kill -9 restores them and is recorded', async () => {
    const f = fixture(sshd());
    const a = f.rec('a');
    await runAndKill(f, a);
    expectApplied(f);
    // The backups: root-only directories, content and meta files 0600.
    expect(statSync(f.backups).mode & 0o777).toBe(0o700);
    const sessions = readdirSync(f.backups);
    expect(sessions).toHaveLength(1);
    expect(statSync(join(f.backups, sessions[0]!)).mode & 0o777).toBe(0o700);
    const rec = readRecording(a);
    const backups = rec.events.filter((e) => e.type === 'file.backup');
    expect(backups).toHaveLength(4);
    for (const b of backups) if (b.type === 'file.backup' && b.existed) expect(statSync(join(b.backup, 'content')).mode & 0o777).toBe(0o600);
    // The previous content never reaches the recording.
    expect(readFileSync(a, 'utf8')).not.toContain('the original');

    const b = f.rec('b');
    const r = await cli(['rollback', a, '-i', f.inv, '--yes', '--record', b]).done;
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(r.code, `${r.out}\n${r.err}`).toBe(0);
    expectRestored(f);
    for (const n of NODES) expect(readFileSync(join(f.dir, n, 'rollback.log'), 'utf8')).toBe('undone\n');
    const rb = readRecording(b);
    expect(rb.ended).toBe(true);
    expect((rb.header as unknown as { previous?: { file: string } }).previous?.file).toBe(a);
    expect(rb.events.filter((e) => e.type === 'file.restored')).toHaveLength(4);
    // Newest first: the cut-off Hang step, then Files.
    expect(rb.events.flatMap((e) => (e.type === 'step.finished' ? [[e.step, e.status]] : []))).toEqual([
      ['rb/hang', 'rolled-back'],
      ['rb/files', 'rolled-back'],
    ]);

    // Rolled back already: a second rollback of the chain finds nothing to do.
    const again = await cli(['rollback', b, '-i', f.inv, '--yes', '--record', f.rec('c')]).done;
    expect(again.code, again.err).toBe(0);
    expect(again.err).toMatch(/nothing to roll back/);
  });

  it('run --resume can roll back a step of the earlier session through its node backups', async () => {
    const f = fixture(sshd());
    const a = f.rec('a');
    await runAndKill(f, a);
    expectApplied(f);
    const b = f.rec('b');
    const run = cli(['run', '-i', f.inv, '--no-tui', '--resume', a, '--record', b]);
    let answered = 0;
    const answers = ['b rb/files', 'q'];
    let out = '';
    run.child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const prompts = out.match(/Run it\? /g)?.length ?? 0;
      while (answered < prompts && answered < answers.length) run.child.stdin?.write(`${answers[answered++]}\n`);
    });
    const r = await run.done;
    expect(r.err).not.toMatch(/\n\s+at /);
    expectRestored(f);
    const rec = readRecording(b);
    expect(rec.events.filter((e) => e.type === 'file.restored')).toHaveLength(4);
    expect(rec.events.flatMap((e) => (e.type === 'step.finished' ? [[e.step, e.status]] : []))).toEqual([
      ['rb/hang', 'rolled-back'],
      ['rb/files', 'rolled-back'],
    ]);
    // The hang step was not run again before the rollback.
    expect(rec.events.some((e) => e.type === 'step.started')).toBe(false);
  });

  it('refuses a tampered backup, naming file:line, node and path; --force restores anyway', async () => {
    const f = fixture(sshd());
    const a = f.rec('a');
    await runAndKill(f, a);
    const rec = readRecording(a);
    const lines = readFileSync(a, 'utf8').split('\n');
    const tampered = rec.events.find((e) => e.type === 'file.backup' && e.node === 'n1' && e.existed);
    if (tampered?.type !== 'file.backup') throw new Error('no backup recorded');
    writeFileSync(join(tampered.backup, 'content'), 'evil = true\n');
    const line = lines.findIndex((l) => l.includes('"type":"file.backup"') && l.includes('"node":"n1"') && l.includes('"existed":true')) + 1;
    const r = await cli(['rollback', a, '-i', f.inv, '--yes', '--record', f.rec('b')]).done;
    expect(r.code).not.toBe(0);
    const all = r.out + r.err;
    expect(all).toContain(`${a}:${line}`);
    expect(all).toContain(`n1: backup of ${join(f.dir, 'n1', 'conf')}`);
    expect(all).toMatch(/was altered/);
    expect(readFileSync(join(f.dir, 'n1', 'conf'), 'utf8')).toBe('changed = yes\n');

    const forced = await cli(['rollback', a, '-i', f.inv, '--yes', '--force', '--record', f.rec('c')]).done;
    expect(forced.code, forced.err).toBe(0);
    expect(readFileSync(join(f.dir, 'n1', 'conf'), 'utf8')).toBe('evil = true\n');
    expect(readFileSync(join(f.dir, 'n0', 'conf')).equals(ORIGINAL)).toBe(true);
  });
}

describe('lockstep rollback REC: local PTY nodes', { timeout: 120_000 }, () => {
  runBackground(() => undefined);
});

describe('lockstep rollback REC: an SSH node (sshd fixture) and a local one', { timeout: 120_000 }, () => {
  let sshd: SshdFixture | undefined;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });
  runBackground(() => sshd);
});
