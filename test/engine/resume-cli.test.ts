// `lockstep run --resume` as a whole program on local PTY nodes: the real CLI is killed with
// SIGKILL during a block, between steps and during a gate; the cut-off recording verifies up
// to its last line and is never written again; the resumed run re-checks the last completed
// step's gates, runs every step that was not done exactly once, and records to a new file whose
// header links to the old one. Needs `npm run build` first (like cli-run.test.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRecording, verifyBytes } from '../../src/record/index.js';
import { sha256Hex } from '../../src/record/chain.js';
import { startSshd, type SshdFixture } from '../transport/sshd-fixture.js';

const fence = '```';
const RUNBOOK = `# Resume demo

## Prepare
${fence}sh run
mkdir -p \${dir} && echo prepare >> \${dir}/log
${fence}

${fence}sh verify
grep -q prepare \${dir}/log && echo prepare >> \${dir}/checks
${fence}

## Slow
${fence}sh run
sleep 2; echo slow >> \${dir}/log
${fence}

## Gated
${fence}sh run
echo gated >> \${dir}/log
${fence}

${fence}sh verify
sleep 2; grep -q gated \${dir}/log && echo gated >> \${dir}/checks
${fence}

## Last
${fence}sh run
echo last >> \${dir}/log
${fence}
`;
const NODES = ['n0', 'n1'];

/** Two local PTY nodes n0 and n1; with `sshd`, n0 is an SSH node on that server instead. */
function fixture(sshd?: SshdFixture) {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-resume-cli-'));
  const how = (n: string) => (sshd && n === 'n0' ? `address: 127.0.0.1, port: ${sshd.port}, user: ${sshd.user}, identity_file: ${sshd.clientKeyFile}` : 'local: true');
  writeFileSync(join(dir, 'inventory.yaml'), `${sshd ? `known_hosts: ${sshd.knownHostsFile}\n` : ''}nodes:\n${NODES.map((n) => `  - { name: ${n}, ${how(n)}, vars: { dir: ${join(dir, n)} } }`).join('\n')}\n`);
  writeFileSync(join(dir, 'rb.md'), RUNBOOK);
  const lines = (node: string, file: 'log' | 'checks') => (existsSync(join(dir, node, file)) ? readFileSync(join(dir, node, file), 'utf8').trim().split('\n') : []);
  return { dir, rb: join(dir, 'rb.md'), inv: join(dir, 'inventory.yaml'), rec: (name: string) => join(dir, `${name}.jsonl`), lines };
}

const PROMPTS = /Run it\? |Gate passed\. |Step failed\. |Paused\. |All steps done\. /g;

function cli(args: string[], answers: string[] = []): { child: ChildProcess; done: Promise<{ code: number | null; out: string; err: string }>; prompts: () => number } {
  const child = spawn('node', ['bin/lockstep.js', ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  let err = '';
  let answered = 0;
  const prompts = () => out.match(PROMPTS)?.length ?? 0;
  child.stdout?.on('data', (b: Buffer) => {
    out += b.toString();
    while (answered < prompts() && answered < answers.length) child.stdin?.write(`${answers[answered++]}\n`);
  });
  child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) => child.on('close', (code) => resolve({ code, out, err })));
  return { child, done, prompts };
}

async function until(what: string, pred: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const text = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');

/** SIGKILLs the run once `pred` holds; returns the cut-off recording's bytes, checked. */
async function killWhen(run: ReturnType<typeof cli>, what: string, pred: () => boolean, rec: string): Promise<Buffer> {
  await until(what, pred);
  run.child.kill('SIGKILL');
  const r = await run.done;
  expect(r.code).toBe(null);
  const bytes = readFileSync(rec);
  // It verifies up to its last complete line, and says it was cut off, not damaged.
  const report = verifyBytes(bytes, rec);
  expect(report.outcome).toBe('cut-off');
  expect(report.problem).toBeUndefined();
  const complete = bytes.subarray(0, bytes.lastIndexOf(0x0a) + 1).toString('utf8').split('\n').filter(Boolean);
  expect(report.goodLines).toBe(complete.length);
  expect(report.head).toBe(sha256Hex(complete.at(-1) as string));
  return bytes;
}

/**
 * The nodes' files once a killed run's leftovers are done. Killing lockstep closes the panes'
 * PTYs, but a block already running in a pane may still finish on its own (seen with local
 * panes: the shell does not always die at once). That is why a cut-off step runs again from
 * its first block, and why these tests compare against what the nodes hold after the kill.
 */
async function settled(f: ReturnType<typeof fixture>): Promise<Record<string, { log: string[]; checks: string[] }>> {
  await new Promise((r) => setTimeout(r, 2500));
  return Object.fromEntries(NODES.map((n) => [n, { log: f.lines(n, 'log'), checks: f.lines(n, 'checks') }]));
}

type Rec = ReturnType<typeof readRecording>;
const stepsRun = (r: Rec) => r.events.flatMap((e) => (e.type === 'step.started' ? [e.step] : []));
const recheckGates = (r: Rec, step: string) => r.events.filter((e) => e.type === 'gate.result' && e.step === `${step}.recheck`);

/** Resumes `old` with --yes into `next`; checks the link, that `old` is untouched, and a clean end. */
async function resume(f: ReturnType<typeof fixture>, old: string, oldBytes: Buffer, next: string, extra: string[] = []) {
  const r = await cli(['run', '-i', f.inv, '--yes', '--resume', old, '--record', next, ...extra]).done;
  expect(r.err).not.toMatch(/\n\s+at /);
  expect(r.code, r.err).toBe(0);
  expect(readFileSync(old).equals(oldBytes)).toBe(true);
  const rec = readRecording(next);
  expect(rec.ended).toBe(true);
  expect(verifyBytes(readFileSync(next), next).outcome).toBe('clean');
  const header = rec.header as unknown as { previous?: { file: string; head: string; lines: number; lastCompletedStep?: string } };
  const oldReport = verifyBytes(oldBytes, old);
  expect(header.previous).toMatchObject({ file: old, head: oldReport.head, lines: oldReport.goodLines });
  return { r, rec, previous: header.previous };
}

const ONCE = ['prepare', 'slow', 'gated', 'last'];

describe('lockstep run --resume after kill -9', { timeout: 120_000 }, () => {
  it('killed during a block: the completed step is not run again, its gate is re-checked, the cut-off step runs again', async () => {
    const f = fixture();
    const a = f.rec('a');
    const run = cli(['run', f.rb, '-i', f.inv, '--yes', '--record', a]);
    const bytes = await killWhen(run, 'the slow block', () => /"type":"block\.started","step":"rb\/slow"/.test(text(a)), a);
    const before = await settled(f);
    for (const n of NODES) expect(before[n]?.log.filter((l) => l !== 'slow')).toEqual(['prepare']);
    const { r, rec, previous } = await resume(f, a, bytes, f.rec('b'));
    expect(previous?.lastCompletedStep).toBe('rb/prepare');
    expect(r.err).toMatch(/resume: last completed step: rb\/prepare \(passed, .*a\.jsonl:\d+\)/);
    expect(r.err).toMatch(/resume: rb\/slow was cut off while running \(.*a\.jsonl:\d+\); it runs again from its first block/);
    expect(r.err).toContain('resume: re-checking the gates of rb/prepare first (rb/prepare/prepare-verify)');
    expect(stepsRun(rec)).toEqual(['rb/prepare.recheck', 'rb/slow', 'rb/gated', 'rb/last']);
    expect(recheckGates(rec, 'rb/prepare').map((g) => g.type === 'gate.result' && g.ok)).toEqual([true, true]);
    for (const n of NODES) {
      // Every step exactly once, except the one cut off, which ran again (and may have finished
      // on its own after lockstep died: see settled()).
      expect(f.lines(n, 'log')).toEqual([...(before[n]?.log ?? []), 'slow', 'gated', 'last']);
      expect(f.lines(n, 'log').filter((l) => l !== 'slow')).toEqual(['prepare', 'gated', 'last']);
      expect(f.lines(n, 'checks')).toEqual(['prepare', 'prepare', 'gated']); // the gate, then its re-check
    }
  });

  it('killed between steps (waiting for approval): continues at the next step after re-checking the last one', async () => {
    const f = fixture();
    const a = f.rec('a');
    const run = cli(['run', f.rb, '-i', f.inv, '--record', a], ['y', 'y', 'y']);
    // The fourth prompt: steps 1-3 done, waiting before "Last".
    const bytes = await killWhen(run, 'the fourth prompt', () => run.prompts() >= 4 && /"type":"engine\.waiting","reason":"approval","step":"rb\/last"/.test(text(a)), a);
    for (const n of NODES) expect(f.lines(n, 'log')).toEqual(['prepare', 'slow', 'gated']);
    const { rec, previous } = await resume(f, a, bytes, f.rec('b'));
    expect(previous?.lastCompletedStep).toBe('rb/gated');
    expect(stepsRun(rec)).toEqual(['rb/gated.recheck', 'rb/last']);
    expect(recheckGates(rec, 'rb/gated')).toHaveLength(2);
    for (const n of NODES) {
      expect(f.lines(n, 'log')).toEqual(ONCE);
      expect(f.lines(n, 'checks')).toEqual(['prepare', 'gated', 'gated']);
    }
  });

  it('killed during a gate: only the gates run again, then the run goes on; a resumed run killed and resumed again', async () => {
    const f = fixture();
    const a = f.rec('a');
    const run = cli(['run', f.rb, '-i', f.inv, '--yes', '--record', a]);
    const bytes = await killWhen(run, 'the gated gate', () => /"type":"block\.started","step":"rb\/gated","block":"rb\/gated\/gated-verify"/.test(text(a)), a);
    for (const n of NODES) expect((await settled(f))[n]?.log).toEqual(['prepare', 'slow', 'gated']);
    // Resume, and kill the resumed run too, during its re-check of the gates.
    const b = f.rec('b');
    const second = cli(['run', '-i', f.inv, '--yes', '--resume', a, '--record', b]);
    const bBytes = await killWhen(second, 'the re-check', () => /"type":"block\.started","step":"rb\/gated\.recheck"/.test(text(b)), b);
    expect(readFileSync(a).equals(bytes)).toBe(true);
    const before = await settled(f);
    const { r, rec, previous } = await resume(f, b, bBytes, f.rec('c'));
    expect(previous?.lastCompletedStep).toBe('rb/gated');
    expect(r.err).toContain('resume: re-checking the gates of rb/gated first (rb/gated/gated-verify)');
    expect(stepsRun(rec)).toEqual(['rb/gated.recheck', 'rb/last']);
    for (const n of NODES) {
      expect(f.lines(n, 'log')).toEqual(ONCE);
      // Gates may have finished on their own after a kill; the final re-check adds one.
      expect(f.lines(n, 'checks')).toEqual([...(before[n]?.checks ?? []), 'gated']);
    }
    // The chain of recordings: c → b → a.
    expect((readRecording(b).header as unknown as { previous: { file: string } }).previous.file).toBe(a);
  });
});

describe('lockstep run --resume with an SSH node (a real OpenSSH server)', { timeout: 120_000 }, () => {
  let sshd: SshdFixture;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('killed during a gate: the gates are re-checked over SSH and locally, then the run goes on; every action once', async () => {
    const f = fixture(sshd);
    const a = f.rec('a');
    const bytes = await killWhen(cli(['run', f.rb, '-i', f.inv, '--yes', '--record', a]), 'the gated gate', () => /"type":"block\.started","step":"rb\/gated","block":"rb\/gated\/gated-verify"/.test(text(a)), a);
    const before = await settled(f);
    const { rec } = await resume(f, a, bytes, f.rec('b'));
    expect(stepsRun(rec)).toEqual(['rb/gated.recheck', 'rb/last']);
    expect(recheckGates(rec, 'rb/gated').map((g) => g.type === 'gate.result' && [g.node, g.ok])).toEqual(expect.arrayContaining([['n0', true], ['n1', true]]));
    for (const n of NODES) {
      expect(f.lines(n, 'log')).toEqual(ONCE);
      expect(f.lines(n, 'checks')).toEqual([...(before[n]?.checks ?? []), 'gated']);
    }
  });
});

describe('lockstep run --resume when the re-check fails', { timeout: 120_000 }, () => {
  it('stops before running anything else; once fixed, resuming that recording re-checks again and goes on', async () => {
    const f = fixture();
    const a = f.rec('a');
    const bytes = await killWhen(cli(['run', f.rb, '-i', f.inv, '--yes', '--record', a]), 'the slow block', () => /"type":"block\.started","step":"rb\/slow"/.test(text(a)), a);
    const before = await settled(f);
    // Someone undid what "Prepare" did on n1 while lockstep was down.
    writeFileSync(join(f.dir, 'n1', 'log'), '');
    const b = f.rec('b');
    const failed = await cli(['run', '-i', f.inv, '--yes', '--resume', a, '--record', b]).done;
    expect(failed.code).toBe(1);
    expect(failed.out).toMatch(/^n1 +│ ✗ gate rb\/prepare\/prepare-verify FAILED: exit code 1$/m);
    const recB = readRecording(b);
    expect(stepsRun(recB)).toEqual(['rb/prepare.recheck']);
    expect(recB.events.at(-1)).toMatchObject({ type: 'session.ended', status: 'failed' });
    expect(f.lines('n0', 'log')).toEqual(before.n0?.log);
    // Fixed by hand; resuming the failed resume re-checks "Prepare" again and continues.
    writeFileSync(join(f.dir, 'n1', 'log'), 'prepare\n');
    const { rec } = await resume(f, b, readFileSync(b), f.rec('c'));
    expect(stepsRun(rec)).toEqual(['rb/prepare.recheck', 'rb/slow', 'rb/gated', 'rb/last']);
    expect(f.lines('n1', 'log')).toEqual(['prepare', 'slow', 'gated', 'last']);
    expect(readFileSync(a).equals(bytes)).toBe(true);
  });
});

describe('lockstep run --resume refuses clearly', { timeout: 120_000 }, () => {
  it('a changed runbook (unless --force), a non-recording, an edited line, its own file as --record, a finished session', async () => {
    const f = fixture();
    const a = f.rec('a');
    const run = cli(['run', f.rb, '-i', f.inv, '--yes', '--record', a]);
    const bytes = await killWhen(run, 'the slow block', () => /"type":"block\.started","step":"rb\/slow"/.test(text(a)), a);
    const before = await settled(f);
    const noStack = (r: { err: string }) => expect(r.err).not.toMatch(/\n\s+at |internal error/);

    writeFileSync(f.rb, RUNBOOK.replace('echo last', 'echo LAST'));
    const changed = await cli(['run', '-i', f.inv, '--yes', '--resume', a, '--record', f.rec('b')]).done;
    noStack(changed);
    expect(changed.code).toBe(2);
    expect(changed.err).toContain(`lockstep: cannot resume: ${a}:1: runbook "rb" (${f.rb}) changed since it was recorded (sha256 `);
    expect(changed.err).toContain('--force');
    expect(existsSync(f.rec('b'))).toBe(false);

    const notRec = await cli(['run', '-i', f.inv, '--resume', f.rb]).done;
    noStack(notRec);
    expect(notRec.code).toBe(2);
    expect(notRec.err).toContain(`${f.rb}:1: not a lockstep recording`);

    const lines = bytes.toString('utf8').split('\n');
    lines[4] = (lines[4] as string).replace('"t":', '"t":1');
    const edited = f.rec('edited');
    writeFileSync(edited, lines.join('\n'));
    const bad = await cli(['run', '-i', f.inv, '--resume', edited]).done;
    noStack(bad);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain(`${edited}:5: line 5 was changed after it was written`);

    const self = await cli(['run', '-i', f.inv, '--resume', a, '--record', a, '--force']).done;
    noStack(self);
    expect(self.err).toContain('that is the recording being resumed');
    expect(readFileSync(a).equals(bytes)).toBe(true);

    // Forced: runs the changed runbook, and says what it overrode.
    const forced = await resume(f, a, bytes, f.rec('c'), ['--force']);
    expect(forced.r.err).toMatch(/resume: warning \(--force\): runbook "rb" .* changed since it was recorded/);
    for (const n of NODES) expect(f.lines(n, 'log')).toEqual([...(before[n]?.log ?? []), 'slow', 'gated', 'LAST']);

    const done = await cli(['run', '-i', f.inv, '--resume', f.rec('c')]).done;
    noStack(done);
    expect(done.code).toBe(2);
    expect(done.err).toMatch(/nothing to resume: every step of .*c\.jsonl was completed \(the last, rb\/last, at .*c\.jsonl:\d+\)/);
  });
});
