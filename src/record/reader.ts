// Reading a recording back: every line must parse; the last one may be cut off by a crash.
import { readFileSync } from 'node:fs';
import { RECORDING_FORMAT, type RecordedEvent, type RecordingHeader } from './format.js';

export class RecordingError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super(`${file}:${line}: ${message}`);
    this.name = 'RecordingError';
  }
}

export interface Recording {
  header: RecordingHeader;
  events: RecordedEvent[];
  /** True when the file ends in the middle of a line (lockstep was killed while writing). */
  truncated: boolean;
}

export function readRecording(file: string): Recording {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const truncated = lines[lines.length - 1] !== '';
  if (!truncated) lines.pop();
  else lines.pop(); // the partial last line is not an event
  if (lines.length === 0) throw new RecordingError(file, 1, 'empty file: not a lockstep recording');
  const parse = (line: string, n: number): unknown => {
    try {
      return JSON.parse(line);
    } catch {
      throw new RecordingError(file, n, 'not valid JSON: the recording is damaged or was edited');
    }
  };
  const header = parse(lines[0] ?? '', 1) as Partial<RecordingHeader>;
  if (header.format !== RECORDING_FORMAT) throw new RecordingError(file, 1, 'not a lockstep recording (no header line)');
  if (header.version !== 1) throw new RecordingError(file, 1, `recording format version ${String(header.version)} is not supported by this lockstep`);
  const events = lines.slice(1).map((line, i) => {
    const e = parse(line, i + 2) as Partial<RecordedEvent>;
    if (typeof e.type !== 'string' || typeof e.t !== 'number' || typeof e.seq !== 'number') {
      throw new RecordingError(file, i + 2, 'not an event line (needs seq, t and type)');
    }
    if (e.seq !== i) throw new RecordingError(file, i + 2, `event number ${e.seq} where ${i} was expected: a line was removed or moved`);
    return e as RecordedEvent;
  });
  return { header: header as RecordingHeader, events, truncated };
}
