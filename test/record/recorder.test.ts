import { mkdtempSync, readFileSync, appendFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Recorder, readRecording, RecordingError, defaultRecordingPath } from '../../src/record/index.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'lockstep-rec-'));

describe('Recorder', () => {
  it('writes a header and one redacted event per line, readable back, file mode 0600', () => {
    const file = join(tmp(), 'sub', 'r.jsonl');
    const rec = new Recorder(file, { secrets: ['p4ss'], createdAt: '2026-01-01T00:00:00.000Z' });
    rec.write({ t: 0, type: 'step.started', step: 'a/b' });
    rec.write({ t: 1, type: 'node.output', node: 'n', data: 'the p4ss is\r\n' });
    // Written before close: flushed per event.
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(3);
    rec.write({ t: 2, type: 'session.ended', status: 'completed' });
    rec.close(3);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('p4ss');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const r = readRecording(file);
    expect(r.truncated).toBe(false);
    expect(r.header.createdAt).toBe('2026-01-01T00:00:00.000Z');
    expect(r.events.map((e) => [e.seq, e.type])).toEqual([
      [0, 'step.started'],
      [1, 'node.output'],
      [2, 'session.ended'],
    ]);
  });

  it('names the damaged line, and tolerates only a cut-off last line', () => {
    const file = join(tmp(), 'r.jsonl');
    const rec = new Recorder(file, { secrets: [] });
    rec.write({ t: 0, type: 'step.started', step: 'x' });
    rec.close();
    appendFileSync(file, '{"seq":1,"t":5,"ty');
    expect(readRecording(file).truncated).toBe(true);
    appendFileSync(file, '\n{"seq":2}\n');
    expect(() => readRecording(file)).toThrow(RecordingError);
    expect(() => readRecording(file)).toThrow(/r\.jsonl:3: not valid JSON/);
  });

  it('puts recordings under XDG_STATE_HOME by default', () => {
    const p = defaultRecordingPath(['etcd', 'api server'], new Date('2026-11-24T20:07:25.123Z'), { XDG_STATE_HOME: '/var/st' });
    expect(p).toBe('/var/st/lockstep/recordings/20261124T200725Z-etcd+api_server.jsonl');
    expect(defaultRecordingPath(['x'], new Date(0), { HOME: '/h' })).toMatch(/\/\.local\/state\/lockstep\/recordings\//);
  });
});
