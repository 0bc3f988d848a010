// `lockstep verify`: is this recording intact, and did its session end cleanly?
// Pure over bytes; the CLI only reads the file and prints.
import { decodeRecording, type DecodedRecording } from './decode.js';
import { RecordingError } from './reader.js';

/**
 * - `clean`: every line chains and the last event is session.ended.
 * - `cut-off`: every complete line chains, but the session never wrote session.ended (or the
 *   file stops mid-line): lockstep was killed or the machine crashed. Also what a file cut
 *   short by hand looks like, unless the expected chain head is given.
 * - `damaged`: a line was edited, deleted, inserted or moved (named by `problem`).
 * - `unchained`: format v1, which has no hash chain: only line order and shape were checked.
 * - `not-recording`: empty, not a lockstep recording, or a version this lockstep cannot read.
 */
export type VerifyOutcome = 'clean' | 'cut-off' | 'damaged' | 'unchained' | 'not-recording';

/** Exit codes of `lockstep verify`, documented in docs/recording-format.md. */
export const VERIFY_EXIT_CODES: Record<VerifyOutcome, number> = { clean: 0, damaged: 1, 'not-recording': 2, 'cut-off': 3, unchained: 4 };

export interface VerifyReport {
  file: string;
  outcome: VerifyOutcome;
  version: 1 | 2 | null;
  /** Complete lines that were checked and found good (header included). */
  goodLines: number;
  events: number;
  /** sha256 of the last good line (v2). */
  head: string | null;
  /** Bytes of an unfinished last line, if any. */
  partialBytes: number;
  /** The first bad line. */
  problem?: { line: number; message: string };
  /** session.ended's status when the session ended cleanly. */
  status?: string;
  /** `t` of the last good event, in ms since the session started. */
  lastT: number;
  /** Lines holding a PEM private key that redaction missed (should never happen: a bug). */
  unredactedKeys: number[];
}

// A BEGIN line not followed by the redaction mark: key material reached the disk.
const UNREDACTED_KEY = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----(?!«redacted»)/;

/** Line numbers (1-based) of complete lines that contain an unredacted PEM private key. */
export function findUnredactedKeys(bytes: Uint8Array): number[] {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  if (!text.includes('PRIVATE KEY-----')) return [];
  const found: number[] = [];
  text.split('\n').forEach((line, i) => {
    if (UNREDACTED_KEY.test(line)) found.push(i + 1);
  });
  return found;
}

export interface VerifyOptions {
  /** The chain head the recording must end at (as printed when it was made): catches a file
   * cut short at a line boundary, or a changed last line. */
  expectHead?: string;
}

export function verifyBytes(bytes: Uint8Array, file: string, options: VerifyOptions = {}): VerifyReport {
  let d: DecodedRecording;
  try {
    d = decodeRecording(bytes, file);
  } catch (err) {
    if (!(err instanceof RecordingError)) throw err;
    const good = err.kind === 'not-recording' ? 0 : Math.max(0, err.line - 1);
    // Re-read the good prefix so the report says how far the file is trustworthy.
    const prefix = good > 0 ? safePrefix(bytes, file, good) : null;
    return {
      file,
      outcome: err.kind === 'not-recording' ? 'not-recording' : 'damaged',
      version: prefix?.version ?? null,
      goodLines: good,
      events: prefix?.events.length ?? 0,
      head: prefix?.head ?? null,
      partialBytes: 0,
      problem: { line: err.line, message: err.message.slice(`${file}:${err.line}: `.length) },
      lastT: prefix?.events.at(-1)?.t ?? 0,
      unredactedKeys: err.kind === 'not-recording' ? [] : findUnredactedKeys(bytes),
    };
  }
  const last = d.events.at(-1);
  const base: VerifyReport = {
    file,
    outcome: d.version === 1 ? 'unchained' : d.ended && d.partialLine === false ? 'clean' : 'cut-off',
    version: d.version,
    goodLines: d.lines,
    events: d.events.length,
    head: d.head,
    partialBytes: bytes.length - d.bytes,
    status: last?.type === 'session.ended' ? last.status : undefined,
    lastT: last?.t ?? 0,
    unredactedKeys: findUnredactedKeys(bytes),
  };
  if (options.expectHead !== undefined && d.version === 2) {
    const want = options.expectHead.replace(/^sha256:/, '').toLowerCase();
    if (want !== d.head) {
      return {
        ...base,
        outcome: 'damaged',
        problem: {
          line: d.lines,
          message: `the chain ends at sha256:${d.head} but sha256:${want} was expected: the file was cut short, extended, or its last line changed`,
        },
      };
    }
  }
  return base;
}

function safePrefix(bytes: Uint8Array, file: string, lines: number): DecodedRecording | null {
  let end = 0;
  for (let i = 0; i < lines; i++) {
    const nl = bytes.indexOf(0x0a, end);
    if (nl < 0) return null;
    end = nl + 1;
  }
  try {
    return decodeRecording(bytes.subarray(0, end), file);
  } catch {
    return null;
  }
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(s % 60).padStart(2, '0')}s`;
}

/** The report as lines for a person. */
export function formatVerifyReport(r: VerifyReport): string {
  const leaks = r.unredactedKeys.map((n) => `${r.file}:${n}: WARNING: an unredacted private key is recorded on this line; protect or destroy this file, and report it\n`).join('');
  return leaks + describeOutcome(r);
}

function describeOutcome(r: VerifyReport): string {
  const head = r.head ? `; chain head sha256:${r.head}` : '';
  switch (r.outcome) {
    case 'clean':
      return `${r.file}: intact, clean end: ${r.goodLines} lines, ${r.events} events, session ${r.status ?? 'ended'} after ${duration(r.lastT)}${head}\n`;
    case 'cut-off': {
      const partial = r.partialBytes > 0 ? `; line ${r.goodLines + 1} was being written (${r.partialBytes} bytes) and is ignored` : '';
      return (
        `${r.file}: CUT OFF: intact up to line ${r.goodLines} (its last complete line), but the session never recorded its end` +
        ` (lockstep was killed or the machine stopped ${duration(r.lastT)} into the session)${partial}${head}\n`
      );
    }
    case 'damaged':
      return `${r.file}:${r.problem?.line}: ${r.problem?.message}\n${r.file}: DAMAGED: ${r.goodLines > 0 ? `only lines 1-${r.goodLines} can be trusted` : 'no line can be trusted'}\n`;
    case 'unchained':
      return `${r.file}: format v1 has no hash chain: line order and shape are fine (${r.goodLines} lines, ${r.status ? `session ${r.status}` : 'cut off: no session end'}), but edits cannot be detected\n`;
    case 'not-recording':
      return `${r.file}:${r.problem?.line}: ${r.problem?.message}\n`;
  }
}
