// Reading a recording back: every line must parse and (v2) chain; the last one may be cut off
// by a crash. The checking itself is in decode.ts.
import { readFileSync } from 'node:fs';
import { decodeRecording } from './decode.js';
import type { RecordedEvent, RecordingHeader } from './format.js';
import type { HeaderInfo } from './header.js';

export class RecordingError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
    /** `not-recording`: the file is not a (supported) lockstep recording at all; `damaged`: it is one, but a line is bad. */
    readonly kind: 'damaged' | 'not-recording' = 'damaged',
  ) {
    // Line 0: about the file as a whole (missing, unreadable).
    super(line > 0 ? `${file}:${line}: ${message}` : `${file}: ${message}`);
    this.name = 'RecordingError';
  }
}

export interface Recording {
  /** v2 headers also carry who/where/what (header.ts); v1 has only these three fields. */
  header: RecordingHeader & Partial<HeaderInfo> & { chain?: 'sha256' };
  events: RecordedEvent[];
  /** True when the file ends in the middle of a line (lockstep was killed while writing). */
  truncated: boolean;
  /** Format version (1: line numbers only; 2: hash chain, see chain.ts). */
  version: 1 | 2;
  /** The last event is session.ended (a clean end); false means the session was cut off. */
  ended: boolean;
  /** v2: sha256 of the last complete line (the chain head). */
  head: string | null;
  /** Complete lines, header included. */
  lines: number;
}

/** Reads and checks a recording (v1 or v2); throws RecordingError naming the first bad line. */
export function readRecording(file: string): Recording {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new RecordingError(file, 0, code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a recording' : `cannot read it (${code ?? (err as Error).message})`);
  }
  const d = decodeRecording(bytes, file);
  return { header: d.header as Recording['header'], events: d.events, truncated: d.partialLine, version: d.version, ended: d.ended, head: d.head, lines: d.lines };
}
