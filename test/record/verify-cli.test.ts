import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as verifyCli from '../../src/cli/verify.js';
import { Recorder } from '../../src/record/index.js';
import { UserError } from '../../src/cli/errors.js';
import { runCommand } from '../cli/cli-harness.js';
import { syntheticSession } from './synthetic-session.js';

const dir = mkdtempSync(join(tmpdir(), 'lockstep-verify-'));

function recording(name: string, end = true): { file: string; head: string } {
  const file = join(dir, name);
  const r = new Recorder(file, { secrets: [] });
  for (const e of syntheticSession({ end })) r.write(e);
  r.close();
  return { file, head: r.chainHead! };
}

describe('lockstep verify', () => {
  it('exits 0 for an intact, cleanly ended recording and prints its chain head', async () => {
    const { file, head } = recording('ok.jsonl');
    const r = await runCommand(verifyCli, ['verify', file]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`${file}: intact, clean end:`);
    expect(r.stdout).toContain(head);
    expect((await runCommand(verifyCli, ['verify', file, '--head', head])).exitCode).toBe(0);
    const json = JSON.parse((await runCommand(verifyCli, ['verify', file, '--json'])).stdout);
    expect(json).toMatchObject({ outcome: 'clean', version: 2, head });
  });

  it('exits 1 naming the first bad line, 3 for a cut-off session, 2 for something else', async () => {
    const { file } = recording('edit.jsonl');
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[6] = lines[6]!.replace('"t":', '"t":1');
    writeFileSync(file, lines.join('\n'));
    const edited = await runCommand(verifyCli, ['verify', file]);
    expect(edited.exitCode).toBe(1);
    expect(edited.stdout).toContain(`${file}:7: line 7 was changed after it was written: line 8 records a different hash for it`);

    const cut = recording('cut.jsonl', false);
    const r = await runCommand(verifyCli, ['verify', cut.file]);
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toContain('CUT OFF');

    writeFileSync(join(dir, 'notes.txt'), 'just notes\n');
    const other = await runCommand(verifyCli, ['verify', join(dir, 'notes.txt')]);
    expect(other.exitCode).toBe(2);
    expect(other.stdout).toContain('notes.txt:1: not a lockstep recording');
  });

  it('says a missing file is missing, as a user error', async () => {
    const err = await runCommand(verifyCli, ['verify', join(dir, 'nope.jsonl')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toBe(`${join(dir, 'nope.jsonl')}: no such file`);
  });
});

describe('lockstep verify and secrets', () => {
  it('flags a private key that reached the disk unredacted, and not a redacted one', async () => {
    const { findUnredactedKeys } = await import('../../src/record/verify.js');
    const { sha256Hex } = await import('../../src/record/index.js');
    // Redacted by the recorder: fine.
    const file = join(dir, 'key.jsonl');
    const r = new Recorder(file, { secrets: [] });
    for (const e of syntheticSession().slice(0, 5)) r.write(e);
    r.write({ t: 9, type: 'node.output', node: 'n0', data: '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n' });
    r.write({ t: 10, type: 'session.ended', status: 'completed' });
    r.close();
    expect(readFileSync(file, 'utf8')).not.toContain('b3BlbnNzaC1rZXktdjEAAAAA');
    expect(findUnredactedKeys(readFileSync(file))).toEqual([]);
    expect((await runCommand(verifyCli, ['verify', file])).exitCode).toBe(0);
    // A writer bug that let one through, with a consistent chain: named, exit 5.
    const lines = readFileSync(file, 'utf8').split('\n').slice(0, -1);
    const i = lines.findIndex((l) => l.includes('PRIVATE KEY'));
    lines[i] = lines[i]!.replace('«redacted»', 'b3BlbnNzaC1rZXktdjEAAAAA');
    for (let k = i + 1; k < lines.length; k++) lines[k] = JSON.stringify({ ...JSON.parse(lines[k]!), prev: sha256Hex(lines[k - 1]!) });
    writeFileSync(file, `${lines.join('\n')}\n`);
    const res = await runCommand(verifyCli, ['verify', file]);
    expect(res.exitCode).toBe(5);
    expect(res.stdout).toContain(`${file}:${i + 1}: WARNING: an unredacted private key is recorded on this line`);
  });
});
