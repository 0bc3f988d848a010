import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { MarkScanner, normalizeNewlines, parseMarkPayload, type ScanPiece } from '../../src/transport/osc-markers.js';

const START = '\x1b]133;C;lockstep=4;id=step-1/a\x07';
const END = '\x1b]133;D;130;lockstep=4\x1b\\';
const READY = '\x1b]133;B;lockstep\x07';

function scanAll(chunks: string[]): { text: string; marks: string[] } {
  const sc = new MarkScanner();
  const pieces: ScanPiece[] = chunks.flatMap((c) => sc.push(c));
  let text = '';
  const marks: string[] = [];
  for (const p of pieces) {
    if (p.kind === 'text') text += p.text;
    else marks.push(JSON.stringify(p.mark));
  }
  return { text: text + sc.flush(), marks };
}

describe('parseMarkPayload', () => {
  test('reads start, end and ready marks', () => {
    expect(parseMarkPayload('C;lockstep=4;id=step-1/a')).toEqual({ kind: 'start', seq: 4, id: 'step-1/a' });
    expect(parseMarkPayload('D;130;lockstep=4')).toEqual({ kind: 'end', seq: 4, status: 130 });
    expect(parseMarkPayload('B;lockstep')).toEqual({ kind: 'ready' });
  });
  test('ignores marks that are not ours or are malformed', () => {
    expect(parseMarkPayload('D;0')).toBeNull();
    expect(parseMarkPayload('A')).toBeNull();
    expect(parseMarkPayload('B')).toBeNull();
    expect(parseMarkPayload('D;x;lockstep=1')).toBeNull();
    expect(parseMarkPayload('C;lockstep=abc')).toBeNull();
  });
});

describe('MarkScanner', () => {
  test('splits marks from text and keeps other escapes', () => {
    const r = scanAll([`pre\x1b[31mred\x1b[0m${START}out\n\x1b]0;title\x07${END}${READY}post`]);
    expect(r.text).toBe('pre\x1b[31mred\x1b[0mout\n\x1b]0;title\x07post');
    expect(r.marks).toEqual([
      JSON.stringify({ kind: 'start', seq: 4, id: 'step-1/a' }),
      JSON.stringify({ kind: 'end', seq: 4, status: 130 }),
      JSON.stringify({ kind: 'ready' }),
    ]);
  });

  test("another tool's OSC 133 marks stay in the text", () => {
    expect(scanAll(['a\x1b]133;D;0\x07b']).text).toBe('a\x1b]133;D;0\x07b');
  });

  test('an unterminated sequence that grows too long is given up as text', () => {
    const junk = '\x1b]133;' + 'x'.repeat(600);
    const r = scanAll([junk, 'tail']);
    expect(r.text).toBe(junk + 'tail');
    expect(r.marks).toEqual([]);
  });

  test('any split of the stream into chunks gives the same result', () => {
    const stream = `x${START}héllo € \r\nno newline${END}${READY}\x1b]133;D;0\x07 and \x1b]13 y`;
    const whole = scanAll([stream]);
    fc.assert(
      fc.property(fc.array(fc.nat(stream.length), { maxLength: 12 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const chunks: string[] = [];
        let prev = 0;
        for (const p of points) {
          chunks.push(stream.slice(prev, p));
          prev = p;
        }
        chunks.push(stream.slice(prev));
        expect(scanAll(chunks)).toEqual(whole);
      }),
    );
    expect(whole.marks).toHaveLength(3);
  });
});

test('normalizeNewlines turns the PTY line ends into LF but keeps a bare CR', () => {
  expect(normalizeNewlines('a\r\nb\r\r\nc\rd\n')).toBe('a\nb\nc\rd\n');
});
