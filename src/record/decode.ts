// Reads a recording's bytes, v1 or v2, checking as it goes: header, JSON per line, event
// numbers, event shapes and (v2) the hash chain. The first problem is thrown as a
// RecordingError naming file:line; nothing after a bad line is ever returned.
import { sha256Hex } from './chain.js';
import { RECORDING_FORMAT, type RecordedEvent, type RecordingHeader } from './format.js';
import type { RecordingHeaderV2 } from './header.js';
import { RecordingError } from './reader.js';
import { eventShapeProblem, isKnownEventType } from './schema.js';

export const SUPPORTED_VERSIONS = [1, 2] as const;

export interface DecodedRecording {
  file: string;
  version: 1 | 2;
  header: RecordingHeader | RecordingHeaderV2;
  events: RecordedEvent[];
  /** Complete lines read (header included). */
  lines: number;
  /** The file ends in the middle of a line: lockstep stopped while writing it. */
  partialLine: boolean;
  /** The last event is `session.ended`: the session closed its recording cleanly. */
  ended: boolean;
  /** v2: sha256 of the last complete line, the value to keep elsewhere to pin the file. */
  head: string | null;
  /** Byte length of the complete lines (where a cut-off file stops being trustworthy). */
  bytes: number;
}

const NL = 0x0a;

function parseJson(file: string, n: number, text: string): Record<string, unknown> {
  if (text.trim() === '') throw new RecordingError(file, n, 'empty line: the recording was edited (lockstep never writes blank lines)');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new RecordingError(file, n, 'not valid JSON: the recording is damaged or was edited');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new RecordingError(file, n, 'not a JSON object: the recording is damaged or was edited');
  return v as Record<string, unknown>;
}

function readHeader(file: string, text: string): RecordingHeader | RecordingHeaderV2 {
  let h: Record<string, unknown>;
  const notRecording = (message: string) => new RecordingError(file, 1, message, 'not-recording');
  try {
    h = parseJson(file, 1, text);
  } catch {
    throw notRecording('not a lockstep recording: the first line is not a lockstep header');
  }
  if (h.format !== RECORDING_FORMAT) {
    if (typeof h.version === 'number' && typeof h.width === 'number') throw notRecording('this is an asciicast (asciinema) file, not a lockstep recording: play it with `asciinema play`');
    throw notRecording(`not a lockstep recording: the first line has no "format":"${RECORDING_FORMAT}"`);
  }
  if (!SUPPORTED_VERSIONS.includes(h.version as 1 | 2)) {
    throw notRecording(`recording format version ${JSON.stringify(h.version)} is not supported: this lockstep reads versions ${SUPPORTED_VERSIONS.join(' and ')}; use the lockstep that wrote it (or a newer one)`);
  }
  if (typeof h.createdAt !== 'string') throw new RecordingError(file, 1, 'the header has no createdAt time: it was edited');
  if (h.version === 2 && h.chain !== 'sha256') throw new RecordingError(file, 1, `unknown chain ${JSON.stringify(h.chain)} (expected "sha256")`);
  return h as unknown as RecordingHeader | RecordingHeaderV2;
}

/** Decodes a whole recording; throws RecordingError at the first bad line. */
export function decodeRecording(bytes: Uint8Array, file: string): DecodedRecording {
  if (bytes.length === 0) throw new RecordingError(file, 1, 'empty file: not a lockstep recording (lockstep writes a header line first)', 'not-recording');
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const firstNl = buf.indexOf(NL);
  if (firstNl < 0) {
    // A header cut off while being written, or something else entirely.
    readHeader(file, buf.toString('utf8'));
    throw new RecordingError(file, 1, 'the file stops inside its header line: nothing was recorded', 'not-recording');
  }
  const headerBytes = buf.subarray(0, firstNl);
  const header = readHeader(file, headerBytes.toString('utf8'));
  const version = header.version as 1 | 2;
  const events: RecordedEvent[] = [];
  let prevHash: string | null = version === 2 ? sha256Hex(headerBytes) : null;
  let start = firstNl + 1;
  let n = 1;
  let ended = false;
  while (start < buf.length) {
    const nl = buf.indexOf(NL, start);
    if (nl < 0) break; // a partial last line: cut off while writing
    n++;
    const lineBytes = buf.subarray(start, nl);
    const e = parseJson(file, n, lineBytes.toString('utf8'));
    if (e.format === RECORDING_FORMAT) throw new RecordingError(file, n, 'a second header: two sessions were written to one file (or files were joined); split it at this line');
    const expected = events.length;
    if (typeof e.seq !== 'number' || typeof e.t !== 'number' || !Number.isFinite(e.t) || typeof e.type !== 'string') {
      throw new RecordingError(file, n, 'not an event line (needs seq, t and type)');
    }
    if (e.seq !== expected) {
      throw new RecordingError(
        file,
        n,
        e.seq > expected
          ? `event #${e.seq} where #${expected} was expected: ${e.seq - expected === 1 ? 'a line' : `${e.seq - expected} lines`} before this one ${e.seq - expected === 1 ? 'was' : 'were'} deleted or moved`
          : `event #${e.seq} where #${expected} was expected: this line was moved or copied here`,
      );
    }
    if (prevHash !== null) {
      if (typeof e.prev !== 'string') throw new RecordingError(file, n, 'no "prev" hash on this line: it was edited or inserted');
      if (e.prev !== prevHash) {
        const what = n - 1 === 1 ? 'the header (line 1)' : `line ${n - 1}`;
        throw new RecordingError(file, n - 1, `${what} was changed after it was written: line ${n} records a different hash for it`);
      }
      prevHash = sha256Hex(lineBytes);
    }
    if (ended) throw new RecordingError(file, n, 'an event after session.ended: lines were added after the session closed');
    if (!isKnownEventType(e.type)) throw new RecordingError(file, n, `unknown event type "${e.type}": written by a newer lockstep? Use that version to read it`);
    const problem = eventShapeProblem(e.type, e);
    if (problem) throw new RecordingError(file, n, `${e.type} event: ${problem}`);
    delete e.prev;
    events.push(e as unknown as RecordedEvent);
    if (e.type === 'session.ended') ended = true;
    start = nl + 1;
  }
  return {
    file,
    version,
    header,
    events,
    lines: n,
    partialLine: start < buf.length,
    ended,
    head: prevHash,
    bytes: start,
  };
}
