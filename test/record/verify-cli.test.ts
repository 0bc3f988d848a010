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
