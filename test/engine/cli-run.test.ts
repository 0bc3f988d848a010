// `lockstep run` as a whole program, headless (no TTY), on local PTY nodes: output, exit
// status, prompts, rollback of real files, and a recording that survives kill -9.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRecording } from '../../src/record/index.js';
import { keygen, startSshd, type SshdFixture } from '../transport/sshd-fixture.js';

// The built CLI, as operators run it (`npm test` builds dist/ before the tests).
const CLI = ['bin/lockstep.js'];
const fence = '```';

function fixture(runbook: string, nodes = ['n0', 'n1', 'n2']) {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-cli-run-'));
  const colors = ['red', 'green', 'blue'];
  writeFileSync(join(dir, 'inventory.yaml'), `nodes:\n${nodes.map((n, i) => `  - { name: ${n}, local: true, vars: { color: ${colors[i % 3]}, dir: ${join(dir, n)} } }`).join('\n')}\n`);
  writeFileSync(join(dir, 'rb.md'), runbook);
  return { dir, rb: join(dir, 'rb.md'), inv: join(dir, 'inventory.yaml'), rec: join(dir, 'rec.jsonl') };
}

const PROMPTS = /Run it\? |Gate passed\. |Step failed\. |Paused\. |All steps done\. /g;

/** Runs the CLI; `answers` are typed one by one as its prompts appear, like an operator would. */
function run(args: string[], answers: string[] = []): { child: ChildProcess; done: Promise<{ code: number | null; out: string; err: string }> } {
  const child = spawn('node', [...CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  let err = '';
  let answered = 0;
  child.stdout?.on('data', (b: Buffer) => {
    out += b.toString();
    const asked = out.match(PROMPTS)?.length ?? 0;
    while (answered < asked && answered < answers.length) child.stdin?.write(`${answers[answered++]}\n`);
  });
  child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) => child.on('close', (code) => resolve({ code, out, err })));
  return { child, done };
}

const RUNBOOK = `---
name: demo
vars:
  token:
    default: s3cr3t-Token-value
    secret: true
---
# Demo

## Prepare
${fence}sh run
mkdir -p \${dir} && printf 'original\\r\\n\\377' > \${dir}/app.conf && chmod 600 \${dir}/app.conf
TOK='\${token}'
echo "prepared \${color}"
${fence}

## Configure
${fence}ini file path=\${dir}/app.conf mode=0644
color = \${color}
${fence}

${fence}ini file path=\${dir}/new.conf
created = yes
${fence}

${fence}sh verify expect="^color = "
cat \${dir}/app.conf; echo "tok=$TOK"
${fence}

${fence}sh rollback
echo "undoing on \${color}"
${fence}
`;

describe('lockstep run (headless)', () => {
  it('runs with --yes: prefixed output, banners, diffs, gates; exit 0; recording parses and hides secrets', async () => {
    const f = fixture(RUNBOOK);
    const { done } = run(['run', f.rb, '-i', f.inv, '--yes', '--record', f.rec]);
    const r = await done;
    expect(r.err).toContain(`recording to ${f.rec}`);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/━━ Step 1\/2: Prepare/);
    expect(r.out).toMatch(/^n1 +│ prepared green$/m);
    expect(r.out).toMatch(/^n2 +│ +\+color = blue$/m);
    expect(r.out).toMatch(/^n0 +│ ✓ gate demo\/configure\/configure-verify passed$/m);
    expect(r.out).toContain('tok=«redacted»');
    expect(r.out).toContain('session completed');
    expect(readFileSync(join(f.dir, 'n1', 'app.conf'), 'utf8')).toBe('color = green\n');
    expect(statSync(join(f.dir, 'n1', 'app.conf')).mode & 0o777).toBe(0o644);
    const text = readFileSync(f.rec, 'utf8');
    expect(text).not.toContain('s3cr3t-Token-value');
    const rec = readRecording(f.rec);
    expect(rec.truncated).toBe(false);
    expect(rec.events.at(-1)).toMatchObject({ type: 'session.ended', status: 'completed' });
  });

  it('exits 1 when a gate fails on one node and names it', async () => {
    const f = fixture(`# Gate\n\n## Check\n${fence}sh verify retries=1 interval=100ms\ntest \${node.name} != n1\n${fence}\n\n## Never\n${fence}sh run\necho never-runs\n${fence}\n`);
    const r = await run(['run', f.rb, '-i', f.inv, '--yes', '--record', f.rec]).done;
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^n1 +│ ✗ gate rb\/check\/check-verify FAILED: exit code 1 \(after 2 attempts\)$/m);
    expect(r.out).toMatch(/Step 1 failed: gate rb\/check\/check-verify failed on n1: exit code 1/);
    expect(r.out).not.toContain('never-runs');
    expect(r.out).toContain('session failed');
  });

  it('asks before each step and rolls back on request: files restored byte for byte, created files removed', async () => {
    const f = fixture(RUNBOOK);
    // Approve both steps, roll back to "configure" at the end, then quit.
    const r = await run(['run', f.rb, '-i', f.inv, '--record', f.rec], ['y', 'y', 'b configure', 'q']).done;
    expect(r.out).toContain('Run it? [Y]es');
    expect(r.out).toContain('Rolling back demo/configure');
    expect(r.out).toMatch(/^n2 +│ undoing on blue$/m);
    for (const n of ['n0', 'n1', 'n2']) {
      expect(readFileSync(join(f.dir, n, 'app.conf')).equals(Buffer.from('original\r\n\xff', 'latin1'))).toBe(true);
      expect(statSync(join(f.dir, n, 'app.conf')).mode & 0o777).toBe(0o600);
      expect(existsSync(join(f.dir, n, 'new.conf'))).toBe(false);
    }
    // Rolled back, so not completed: the operator stopped with a step undone.
    expect(r.code).toBe(3);
    const kinds = readRecording(f.rec).events.filter((e) => e.type === 'operator.intent').map((e) => (e.type === 'operator.intent' ? e.intent.kind : ''));
    expect(kinds).toEqual(['approve', 'approve', 'rollback', 'quit']);
  });

  it('leaves a recording whose every line parses when killed mid-step', async () => {
    const f = fixture(`# Slow\n\n## Work\n${fence}sh run\nfor i in 1 2 3 4 5 6 7 8 9; do echo "tick $i"; sleep 0.2; done; sleep 30\n${fence}\n`);
    const { child, done } = run(['run', f.rb, '-i', f.inv, '--yes', '--record', f.rec]);
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && !(existsSync(f.rec) && readFileSync(f.rec, 'utf8').includes('tick 3'))) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    await done;
    const lines = readFileSync(f.rec, 'utf8').split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    const rec = readRecording(f.rec);
    expect(rec.events.some((e) => e.type === 'block.started')).toBe(true);
    expect(rec.events.some((e) => e.type === 'session.ended')).toBe(false);
  });

  it('refuses an unknown --from step with a clear message and no stack trace', async () => {
    const f = fixture(RUNBOOK);
    const r = await run(['run', f.rb, '-i', f.inv, '--yes', '--from', 'nope', '--record', f.rec]).done;
    expect(r.err).toContain('--from nope: no such step; steps are: demo/prepare, demo/configure');
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(2);
  });
});

describe('lockstep run with an SSH node: host keys', () => {
  let sshd: SshdFixture;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  function sshFixture(knownHosts: string) {
    const dir = mkdtempSync(join(tmpdir(), 'lockstep-cli-ssh-'));
    writeFileSync(join(dir, 'known_hosts'), knownHosts);
    writeFileSync(
      join(dir, 'inventory.yaml'),
      `known_hosts: ./known_hosts\nnodes:\n  - { name: s0, address: 127.0.0.1, port: ${sshd.port}, user: root, identity_file: ${sshd.clientKeyFile} }\n  - { name: l0, local: true }\n`,
    );
    writeFileSync(join(dir, 'rb.md'), `# Keys\n\n## Hello\n${fence}sh run\necho "hello from $(id -un)"\n${fence}\n`);
    return { dir, rb: join(dir, 'rb.md'), inv: join(dir, 'inventory.yaml'), rec: join(dir, 'rec.jsonl') };
  }

  it('refuses a changed host key: names the node, the fingerprint and the known_hosts line; exit 1', async () => {
    const other = join(mkdtempSync(join(tmpdir(), 'lockstep-key-')), 'k');
    keygen(other);
    const wrong = readFileSync(`${other}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
    const f = sshFixture(`[127.0.0.1]:${sshd.port} ${wrong}\n`);
    const r = await run(['run', f.rb, '-i', f.inv, '--yes', '--record', f.rec]).done;
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^s0 +│ host key CHANGED: ssh-ed25519 SHA256:\S+ \(.*known_hosts:1\)$/m);
    expect(r.out).toMatch(/^s0 +│ REFUSED: s0: HOST KEY CHANGED/m);
    const rec = readRecording(f.rec);
    expect(rec.events.find((e) => e.type === 'hostkey.unknown')).toMatchObject({ node: 's0', changed: true, line: 1 });
  });

  it('refuses an unknown key unless --accept-new-host-keys, and records the acceptance', async () => {
    const f = sshFixture('');
    const refused = await run(['run', f.rb, '-i', f.inv, '--yes', '--record', f.rec]).done;
    expect(refused.code).toBe(1);
    expect(refused.out).toContain('run again with --accept-new-host-keys');
    const rec2 = join(f.dir, 'rec2.jsonl');
    const accepted = await run(['run', f.rb, '-i', f.inv, '--yes', '--accept-new-host-keys', '--record', rec2]).done;
    expect(accepted.code).toBe(0);
    expect(accepted.out).toMatch(/^s0 +│ hello from root$/m);
    expect(readFileSync(join(f.dir, 'known_hosts'), 'utf8')).toContain(sshd.hostPublicKey.split(' ')[1]);
    expect(readRecording(rec2).events.find((e) => e.type === 'hostkey.accepted')).toMatchObject({ node: 's0', by: 'flag' });
  });
});
