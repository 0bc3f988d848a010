// A session's `--var` values travel in its recording, so `lockstep rollback REC` (and `run
// --resume`) render the same blocks the run did; secret ones are kept by name only and must be
// given again. As a whole program on local nodes (needs `npm run build`, like the other CLI tests).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { withRecordedVars } from '../../src/cli/recorded-vars.js';
import { UserError } from '../../src/cli/errors.js';

const fence = '```';
const RUNBOOK = `---
vars:
  work: {}
  token:
    secret: true
---
# Vars demo

## Make the directory
${fence}sh
mkdir -p "\${work}/made"
${fence}

${fence}ini file path=\${work}/made/token mode=0600
token = \${token}
${fence}

${fence}sh rollback
rm -rf "\${work}/made"
${fence}
`;

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ['bin/lockstep.js', ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('withRecordedVars', () => {
  it('puts the recorded values under the given ones, warning when one is replaced', () => {
    const warn = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(withRecordedVars({ vars: { a: '1', b: '2' } }, { b: '3', c: '4' }, 'r.jsonl', 'roll back')).toEqual({ a: '1', b: '3', c: '4' });
      expect(String(warn.mock.calls[0]?.[0])).toBe('lockstep: roll back: --var b=3 replaces the recorded b=2\n');
      expect(withRecordedVars({}, { x: 'y' }, 'r.jsonl', 'resume')).toEqual({ x: 'y' });
      expect(withRecordedVars(null, {}, 'r.jsonl', 'resume')).toEqual({});
    } finally {
      warn.mockRestore();
    }
  });

  it('names a secret the session had and the command line lacks', () => {
    const call = () => withRecordedVars({ secretVars: ['token', 'key'] }, { key: 'k' }, 'r.jsonl', 'resume');
    expect(call).toThrow(UserError);
    expect(call).toThrow('cannot resume: r.jsonl:1: the session was run with the secret variable token, whose value a recording never keeps; give it again: --var token=…');
  });
});

describe('lockstep rollback of a session run with --var', () => {
  it('renders the rollback with the recorded values; a secret must be given again and is never written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockstep-recorded-vars-'));
    const work = join(dir, 'work');
    writeFileSync(join(dir, 'inventory.yaml'), 'nodes:\n  - { name: n0, local: true }\n');
    writeFileSync(join(dir, 'rb.md'), RUNBOOK);
    const rec = join(dir, 'run.jsonl');
    const run = cli(['run', join(dir, 'rb.md'), '-i', join(dir, 'inventory.yaml'), '--no-tui', '--yes', '--record', rec, '--var', `work=${work}`, '--var', 'token=s3cr3t-value']);
    expect(run.code, run.out + run.err).toBe(0);
    expect(readFileSync(join(work, 'made', 'token'), 'utf8')).toBe('token = s3cr3t-value\n');

    const header = JSON.parse(readFileSync(rec, 'utf8').split('\n')[0]!) as { vars?: Record<string, string>; secretVars?: string[] };
    expect(header.vars).toEqual({ work });
    expect(header.secretVars).toEqual(['token']);
    expect(readFileSync(rec, 'utf8')).not.toContain('s3cr3t-value');

    // Without the secret: refused before anything runs, naming it.
    const refused = cli(['rollback', rec, '-i', join(dir, 'inventory.yaml'), '--yes', '--record', join(dir, 'rb1.jsonl')]);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain(`cannot roll back: ${rec}:1: the session was run with the secret variable token`);
    expect(existsSync(join(work, 'made'))).toBe(true);

    // With it: the rollback block removes the directory the run made (not a default path).
    const rb = cli(['rollback', rec, '-i', join(dir, 'inventory.yaml'), '--yes', '--var', 'token=s3cr3t-value', '--record', join(dir, 'rb2.jsonl')]);
    expect(rb.code, rb.out + rb.err).toBe(0);
    expect(existsSync(join(work, 'made'))).toBe(false);
    const rbHeader = JSON.parse(readFileSync(join(dir, 'rb2.jsonl'), 'utf8').split('\n')[0]!) as { vars?: Record<string, string> };
    expect(rbHeader.vars).toEqual({ work });
  }, 60_000);
});

describe('lockstep run --resume of a session run with --var', () => {
  it('continues with the recorded values, asking only for the secret again', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockstep-recorded-vars-resume-'));
    const work = join(dir, 'work');
    writeFileSync(join(dir, 'inventory.yaml'), 'nodes:\n  - { name: n0, local: true }\n');
    // The second step's gate fails until the operator makes \`go\`.
    writeFileSync(join(dir, 'rb.md'), `${RUNBOOK}
## Wait for the operator
${fence}sh verify
test -e "\${work}/go"
${fence}

## Use the directory
${fence}sh
echo used > "\${work}/made/used"
${fence}
`);
    const rec = join(dir, 'run.jsonl');
    const run = cli(['run', join(dir, 'rb.md'), '-i', join(dir, 'inventory.yaml'), '--no-tui', '--yes', '--record', rec, '--var', `work=${work}`, '--var', 'token=s3cr3t-value']);
    expect(run.code).not.toBe(0);
    writeFileSync(join(work, 'go'), '');
    const refused = cli(['run', '-i', join(dir, 'inventory.yaml'), '--no-tui', '--yes', '--resume', rec, '--record', join(dir, 'r1.jsonl')]);
    expect(refused.err).toContain(`cannot resume: ${rec}:1: the session was run with the secret variable token`);
    const resumed = cli(['run', '-i', join(dir, 'inventory.yaml'), '--no-tui', '--yes', '--resume', rec, '--var', 'token=s3cr3t-value', '--record', join(dir, 'r2.jsonl')]);
    expect(resumed.code, resumed.out + resumed.err).toBe(0);
    expect(readFileSync(join(work, 'made', 'used'), 'utf8')).toBe('used\n');
  }, 60_000);
});

