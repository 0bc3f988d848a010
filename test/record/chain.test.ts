import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLineEncoderV1, decodeRecording, Recorder, readRecording, RecordingError, sha256Hex, summarizeInventory } from '../../src/record/index.js';
import { formatVerifyReport, VERIFY_EXIT_CODES, verifyBytes } from '../../src/record/verify.js';
import { syntheticSession } from './synthetic-session.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'lockstep-chain-'));

function record(events = syntheticSession(), file = join(tmp(), 'rec.jsonl')): { file: string; head: string | null; lines: string[] } {
  const rec = new Recorder(file, {
    secrets: ['hunter2'],
    createdAt: '2026-11-24T20:00:00.000Z',
    header: {
      lockstep: '0.1.0',
      operator: 'alice',
      host: 'bastion',
      runbooks: [{ name: 'etcd', file: 'runbooks/etcd.md', sha256: 'ab'.repeat(32) }],
      inventory: summarizeInventory([{ name: 'n0', address: '10.0.0.10', groups: ['controllers'], transport: 'ssh' }]),
      terminal: { cols: 40, rows: 6 },
      previous: { file: 'old.jsonl', head: 'cd'.repeat(32), lines: 12, lastCompletedStep: 'etcd/download' },
    },
  });
  for (const e of events) rec.write(e);
  rec.close();
  return { file, head: rec.chainHead, lines: readFileSync(file, 'utf8').split('\n').slice(0, -1) };
}

const save = (lines: string[], tail = '\n'): string => {
  const f = join(tmp(), 'edited.jsonl');
  writeFileSync(f, lines.join('\n') + tail);
  return f;
};
const verifyFile = (f: string, head?: string) => verifyBytes(readFileSync(f), f, { expectHead: head });

describe('format v2: the hash chain', () => {
  it('round-trips: header facts, every event, the chain head; each line hashes the one before', () => {
    const events = syntheticSession();
    const { file, head, lines } = record(events);
    const r = readRecording(file);
    expect(r.version).toBe(2);
    expect(r.ended).toBe(true);
    expect(r.truncated).toBe(false);
    expect(r.header).toMatchObject({ version: 2, chain: 'sha256', operator: 'alice', host: 'bastion', terminal: { cols: 40, rows: 6 }, previous: { lastCompletedStep: 'etcd/download' } });
    expect(r.events.map(({ seq: _s, ...e }) => e)).toEqual(events);
    expect(r.head).toBe(head);
    expect(head).toBe(sha256Hex(lines.at(-1)!));
    for (let i = 1; i < lines.length; i++) expect(JSON.parse(lines[i]!).prev).toBe(sha256Hex(lines[i - 1]!));
    const report = verifyFile(file);
    expect(report.outcome).toBe('clean');
    expect(VERIFY_EXIT_CODES[report.outcome]).toBe(0);
    expect(formatVerifyReport(report)).toMatch(new RegExp(`intact, clean end: ${lines.length} lines, ${events.length} events, session aborted .*chain head sha256:${head}`));
  });

  it('never writes a second session into an existing recording', () => {
    const { file, lines } = record();
    expect(() => new Recorder(file, { secrets: [] })).toThrow(/EEXIST/);
    expect(readFileSync(file, 'utf8').split('\n').slice(0, -1)).toEqual(lines);
  });

  it('keeps secrets out of the chained file', () => {
    const events = syntheticSession();
    events.splice(5, 0, { t: 1, type: 'node.output', node: 'n0', data: 'password is hunter2\r\n' });
    const { file } = record(events);
    expect(readFileSync(file, 'utf8')).not.toContain('hunter2');
    expect(verifyFile(file).outcome).toBe('clean');
  });

  it('names an edited line, even when the edit keeps the JSON valid', () => {
    const { lines } = record();
    const edited = [...lines];
    const i = lines.findIndex((l) => l.includes('"exitCode":0'));
    const n = i + 1;
    edited[i] = edited[i]!.replace('"exitCode":0', '"exitCode":1');
    expect(edited[i]).not.toBe(lines[i]);
    const f = save(edited);
    const r = verifyFile(f);
    expect(r.outcome).toBe('damaged');
    expect(r.problem?.line).toBe(n);
    expect(formatVerifyReport(r)).toContain(`${f}:${n}: line ${n} was changed after it was written: line ${n + 1} records a different hash for it`);
    expect(formatVerifyReport(r)).toContain(`only lines 1-${n - 1} can be trusted`);
    expect(() => readRecording(f)).toThrow(`${f}:${n}: line ${n} was changed`);
  });

  it('names an edited header', () => {
    const { lines } = record();
    const f = save([lines[0]!.replace('alice', 'mallory'), ...lines.slice(1)]);
    expect(verifyFile(f).problem).toEqual({ line: 1, message: 'the header (line 1) was changed after it was written: line 2 records a different hash for it' });
  });

  it('names a deleted line, a moved line and an inserted line', () => {
    const { lines } = record();
    const deleted = verifyFile(save([...lines.slice(0, 7), ...lines.slice(8)]));
    expect(deleted.outcome).toBe('damaged');
    expect(deleted.problem).toMatchObject({ line: 8, message: expect.stringMatching(/event #7 where #6 was expected: a line before this one was deleted or moved/) });

    const moved = [...lines];
    [moved[12], moved[13]] = [moved[13]!, moved[12]!];
    expect(verifyFile(save(moved)).problem).toMatchObject({ line: 13, message: expect.stringMatching(/event #12 where #11 was expected/) });

    // A forged line with the right number and the right prev still breaks the next line.
    const forged = JSON.parse(lines[5]!);
    forged.data = 'rm -rf /';
    const inserted = [...lines];
    inserted[5] = JSON.stringify(forged);
    expect(verifyFile(save(inserted)).problem?.line).toBe(6);
  });

  it('tells a cut-off file (a crash) from a clean one, verifying up to its last complete line', () => {
    const { lines } = record(syntheticSession({ end: false }));
    const whole = verifyFile(save(lines));
    expect(whole.outcome).toBe('cut-off');
    expect(whole.goodLines).toBe(lines.length);
    expect(VERIFY_EXIT_CODES[whole.outcome]).toBe(3);

    // Killed in the middle of writing a line: the partial line is reported, not trusted.
    const partial = lines[lines.length - 1]!.slice(0, 30);
    const f = save([...lines.slice(0, -1), partial], '');
    const r = verifyFile(f);
    expect(r.outcome).toBe('cut-off');
    expect(r.goodLines).toBe(lines.length - 1);
    expect(r.partialBytes).toBe(30);
    expect(formatVerifyReport(r)).toContain(`intact up to line ${lines.length - 1} (its last complete line)`);
    expect(formatVerifyReport(r)).toContain(`line ${lines.length} was being written (30 bytes)`);
    expect(readRecording(f).truncated).toBe(true);
  });

  it('catches a file cut at a line boundary when the expected chain head is given', () => {
    const { lines, head } = record();
    const cut = save(lines.slice(0, -3));
    expect(verifyFile(cut).outcome).toBe('cut-off');
    const r = verifyFile(cut, `sha256:${head}`);
    expect(r.outcome).toBe('damaged');
    expect(r.problem?.message).toMatch(/was cut short, extended, or its last line changed/);
    expect(verifyFile(save(lines), head!).outcome).toBe('clean');
  });

  it('refuses what is not a recording, with the reason and line 1', () => {
    const dir = tmp();
    const cases: [string, string | Buffer, RegExp][] = [
      ['empty', '', /empty file/],
      ['text', 'hello world\n', /not a lockstep recording: the first line is not a lockstep header/],
      ['cast', '{"version": 2, "width": 80, "height": 24}\n[0.1, "o", "x"]\n', /this is an asciicast/],
      ['newer', '{"format":"lockstep-recording","version":9,"createdAt":"x"}\n', /version 9 is not supported: this lockstep reads versions 1 and 2/],
      ['binary', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff, 0x0a, 0x00]), /not a lockstep recording/],
    ];
    for (const [name, body, message] of cases) {
      const f = join(dir, name);
      writeFileSync(f, body);
      const r = verifyFile(f);
      expect(r.outcome, name).toBe('not-recording');
      expect(r.problem?.line, name).toBe(1);
      expect(r.problem?.message, name).toMatch(message);
      expect(() => readRecording(f), name).toThrow(RecordingError);
    }
  });

  it('refuses unknown event types, malformed events and lines after the end', () => {
    const { lines } = record();
    const relink = (ls: string[]) => ls.map((l, i) => (i === 0 ? l : JSON.stringify({ ...JSON.parse(l), prev: undefined }))).reduce<string[]>((acc, l, i) => {
      if (i === 0) return [l];
      const o = JSON.parse(l);
      o.prev = sha256Hex(acc[i - 1]!);
      return [...acc, JSON.stringify(o)];
    }, []);
    const unknown = [...lines];
    unknown[4] = JSON.stringify({ ...JSON.parse(unknown[4]!), type: 'teleport' });
    expect(verifyFile(save(relink(unknown))).problem).toMatchObject({ line: 5, message: expect.stringMatching(/unknown event type "teleport"/) });
    const bad = [...lines];
    bad[1] = JSON.stringify({ ...JSON.parse(bad[1]!), nodes: 'n0' });
    expect(verifyFile(save(relink(bad))).problem).toMatchObject({ line: 2, message: 'session.started event: nodes should be array, found "n0"' });
    const extra = [...lines, lines[3]!];
    const relinked = relink(extra.map((l, i) => (i === extra.length - 1 ? JSON.stringify({ ...JSON.parse(l), seq: extra.length - 2 }) : l)));
    expect(verifyFile(save(relinked)).problem).toMatchObject({ line: extra.length, message: expect.stringMatching(/an event after session.ended/) });
  });

  it('still reads v1 recordings, saying they have no chain', () => {
    const f = join(tmp(), 'v1.jsonl');
    const rec = new Recorder(f, { secrets: [], encoder: createLineEncoderV1() });
    for (const e of syntheticSession()) rec.write(e);
    rec.close();
    const r = readRecording(f);
    expect(r.version).toBe(1);
    expect(r.events).toHaveLength(syntheticSession().length);
    const report = verifyFile(f);
    expect(report.outcome).toBe('unchained');
    expect(VERIFY_EXIT_CODES.unchained).toBe(4);
  });

  it('never throws anything but RecordingError, whatever the bytes', () => {
    const { lines } = record();
    const good = Buffer.from(lines.join('\n') + '\n');
    const check = (bytes: Uint8Array) => {
      try {
        decodeRecording(bytes, 'fuzz.jsonl');
      } catch (err) {
        if (!(err instanceof RecordingError)) throw err;
        expect(err.message).toMatch(/^fuzz\.jsonl:\d+: /);
      }
      // verify turns every failure into a report
      expect(['clean', 'cut-off', 'damaged', 'not-recording']).toContain(verifyBytes(bytes, 'fuzz.jsonl').outcome);
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), check), { numRuns: 300 });
    // Mutations of a real recording: flip, drop or insert bytes anywhere.
    // The last line is protected only by the chain head (see the --head test): mutate before it.
    const lastLineStart = good.length - lines.at(-1)!.length - 1;
    fc.assert(
      fc.property(fc.nat(lastLineStart - 1), fc.integer({ min: 0, max: 255 }), fc.constantFrom('flip', 'drop', 'insert', 'cut'), (at, byte, op) => {
        const b = Buffer.from(good);
        const mutated =
          op === 'flip' ? (b.writeUInt8(byte, at), b) : op === 'drop' ? Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]) : op === 'insert' ? Buffer.concat([b.subarray(0, at), Buffer.from([byte]), b.subarray(at)]) : b.subarray(0, at);
        check(mutated);
        // Any change to a complete line is caught; only cutting can leave a "clean" prefix... which has no end.
        if (!mutated.equals(good)) expect(verifyBytes(mutated, 'fuzz.jsonl').outcome).not.toBe('clean');
      }),
      { numRuns: 400 },
    );
  });
});

describe('the recorder and the end of a session', () => {
  it('writes nothing after session.ended, so a late event cannot spoil a clean end', () => {
    const file = join(tmp(), 'late.jsonl');
    const rec = new Recorder(file, { secrets: [] });
    for (const e of syntheticSession()) rec.write(e);
    rec.write({ t: 999_999, type: 'node.output', node: 'n0', data: 'late output\r\n' });
    rec.close(999_999);
    const r = verifyBytes(readFileSync(file), file);
    expect(r.outcome).toBe('clean');
    expect(r.events).toBe(syntheticSession().length);
  });
});
