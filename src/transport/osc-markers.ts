// Finds lockstep's own OSC 133 marks in a pane's output stream and splits them from the text
// around them. Pure and streaming: a mark cut in two by a chunk boundary is held back until
// the rest arrives. Other escape sequences (colours, titles, other tools' OSC 133 marks) are
// left in the text untouched.

/** A mark printed by the pane's shell hooks (see shell-protocol.ts). */
export type PaneMark =
  /** The prompt is drawn and readline is waiting for input. */
  | { kind: 'ready' }
  /** Block `seq` starts printing output. */
  | { kind: 'start'; seq: number; id: string }
  /** Block `seq` finished with `status`. */
  | { kind: 'end'; seq: number; status: number };

export type ScanPiece = { kind: 'text'; text: string } | { kind: 'mark'; mark: PaneMark };

const INTRO = '\x1b]133;';
/** A mark longer than this cannot be ours; it is passed on as text instead of buffered forever. */
const MAX_MARK = 512;

/** Parses the payload between `ESC ] 133;` and the terminator; null when it is not ours. */
export function parseMarkPayload(payload: string): PaneMark | null {
  const parts = payload.split(';');
  const kind = parts[0];
  if (kind === 'B' && parts[1] === 'lockstep') return { kind: 'ready' };
  const tag = parts.find((p) => p.startsWith('lockstep='));
  if (!tag) return null;
  const seq = Number(tag.slice('lockstep='.length));
  if (!Number.isInteger(seq)) return null;
  if (kind === 'C') {
    const id = parts.find((p) => p.startsWith('id='))?.slice(3) ?? '';
    return { kind: 'start', seq, id };
  }
  if (kind === 'D') {
    const status = Number(parts[1]);
    if (!Number.isInteger(status)) return null;
    return { kind: 'end', seq, status };
  }
  return null;
}

/** Length of the longest suffix of `s` that is a proper prefix of `INTRO`. */
function partialIntroAtEnd(s: string): number {
  const max = Math.min(INTRO.length - 1, s.length);
  for (let n = max; n > 0; n--) {
    if (INTRO.startsWith(s.slice(s.length - n))) return n;
  }
  return 0;
}

export class MarkScanner {
  private held = '';

  /** Feeds one chunk; returns the text and marks it completes, in order. */
  push(chunk: string): ScanPiece[] {
    let s = this.held + chunk;
    this.held = '';
    const out: ScanPiece[] = [];
    const text = (t: string) => {
      if (t.length === 0) return;
      const last = out[out.length - 1];
      if (last?.kind === 'text') last.text += t;
      else out.push({ kind: 'text', text: t });
    };
    for (;;) {
      const at = s.indexOf(INTRO);
      if (at < 0) {
        const keep = partialIntroAtEnd(s);
        text(s.slice(0, s.length - keep));
        this.held = s.slice(s.length - keep);
        return out;
      }
      text(s.slice(0, at));
      const body = s.slice(at + INTRO.length);
      const bel = body.indexOf('\x07');
      const st = body.indexOf('\x1b\\');
      let end = -1;
      let termLen = 0;
      if (bel >= 0 && (st < 0 || bel < st)) {
        end = bel;
        termLen = 1;
      } else if (st >= 0) {
        end = st;
        termLen = 2;
      }
      if (end < 0) {
        if (body.length > MAX_MARK) {
          // Not a mark of ours: let the intro through as text and keep scanning after it.
          text(INTRO);
          s = body;
          continue;
        }
        this.held = s.slice(at);
        return out;
      }
      const mark = end <= MAX_MARK ? parseMarkPayload(body.slice(0, end)) : null;
      if (mark) out.push({ kind: 'mark', mark });
      else text(s.slice(at, at + INTRO.length + end + termLen));
      s = body.slice(end + termLen);
    }
  }

  /** Text held back waiting for the rest of a possible mark (for a stream that ended). */
  flush(): string {
    const h = this.held;
    this.held = '';
    return h;
  }
}

/** Turns the pane's line endings (the PTY adds a CR before every LF) into plain LF. */
export function normalizeNewlines(text: string): string {
  return text.replace(/\r+\n/g, '\n');
}
