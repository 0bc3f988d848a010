// One node's screen: an @xterm/headless terminal fed with the pane's bytes.
//
// Why it is shaped like this:
// - Output arrives in many small chunks; each xterm `write` has a fixed cost, so chunks are
//   coalesced and handed to xterm at most once per macrotask (`setImmediate`).
// - xterm parses asynchronously and its buffer reflects a write only after the write's
//   callback; listeners are told about changes from that callback, never before.
// - Rendering is not done here: `snapshot()` is called by the UI at its own (throttled) pace.
import xtermHeadless from '@xterm/headless';
import type { IBufferCell, IBufferLine, Terminal as XTerminal } from '@xterm/headless';
import type { CellStyle, Colour, ScreenSnapshot, StyledLine, StyledRun } from './snapshot-types.js';

const { Terminal } = xtermHeadless;

export interface PaneTerminalOptions {
  cols: number;
  rows: number;
  /** Lines kept above the screen. Default 10 000. */
  scrollback?: number;
}

const NAMED: readonly string[] = [
  'black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white',
  'blackBright', 'redBright', 'greenBright', 'yellowBright', 'blueBright', 'magentaBright', 'cyanBright', 'whiteBright',
];

/** Coalesced writes larger than this are split so a flood cannot hold the event loop for long. */
const MAX_WRITE_CHARS = 256 * 1024;
/**
 * Output waiting to be parsed beyond this is a flood the screen cannot keep up with: the oldest
 * part is skipped (the recording still has every byte) so memory stays bounded and the UI live.
 */
const MAX_PENDING_CHARS = 8 * 1024 * 1024;
const KEEP_AFTER_SKIP_CHARS = 1024 * 1024;

export class PaneTerminal {
  private readonly term: XTerminal;
  private pending: string[] = [];
  private pendingChars = 0;
  private flushScheduled = false;
  private inFlight = 0;
  private cursorHidden = false;
  private scrollOffsetValue = 0;
  private seqValue = 0;
  private disposed = false;
  private readonly listeners = new Set<() => void>();
  private readonly idleWaiters: (() => void)[] = [];
  private readonly cell: IBufferCell;
  private parsedChars = 0;
  private skippedChars = 0;

  constructor(options: PaneTerminalOptions) {
    this.term = new Terminal({
      cols: Math.max(2, options.cols),
      rows: Math.max(1, options.rows),
      scrollback: options.scrollback ?? 10_000,
      allowProposedApi: true,
    });
    this.cell = this.term.buffer.active.getNullCell();
    // DECTCEM (show/hide cursor) is not exposed by the headless API: watch for it, and return
    // false so xterm still handles the sequence itself.
    const watchCursor = (hidden: boolean) => (params: (number | number[])[]) => {
      if (params.includes(25)) this.cursorHidden = hidden;
      return false;
    };
    this.term.parser.registerCsiHandler({ prefix: '?', final: 'h' }, watchCursor(false));
    this.term.parser.registerCsiHandler({ prefix: '?', final: 'l' }, watchCursor(true));
    // RIS (ESC c) resets cursor visibility too.
    this.term.parser.registerEscHandler({ final: 'c' }, () => {
      this.cursorHidden = false;
      return false;
    });
  }

  get cols(): number {
    return this.term.cols;
  }

  get rows(): number {
    return this.term.rows;
  }

  /** Bumped after every parsed write, resize or scroll. */
  get seq(): number {
    return this.seqValue;
  }

  /** Characters parsed so far; renderers use the rate to tell typing echo from a flood. */
  get parsed(): number {
    return this.parsedChars;
  }

  /** Characters skipped because output arrived faster than it could be parsed. */
  get skipped(): number {
    return this.skippedChars;
  }

  /** Queues pane output. Cheap: the bytes are parsed later, off the caller's path. */
  write(data: string): void {
    if (this.disposed || data.length === 0) return;
    this.pending.push(data);
    this.pendingChars += data.length;
    if (this.pendingChars > MAX_PENDING_CHARS) this.skipOldest();
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (!this.flushScheduled && this.inFlight === 0) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private skipOldest(): void {
    let skipped = 0;
    while (this.pendingChars > KEEP_AFTER_SKIP_CHARS && this.pending.length > 1) {
      const dropped = this.pending.shift()!;
      this.pendingChars -= dropped.length;
      skipped += dropped.length;
    }
    this.skippedChars += skipped;
    // Say so on the screen, in plain text after a reset of colours, like a terminal would show a gap.
    const note = `\x1b[0m\r\n[lockstep: ${skipped} characters of output skipped on screen; the recording has them]\r\n`;
    this.pending.unshift(note);
    this.pendingChars += note.length;
  }

  /** Hands xterm one batch at a time: what arrives meanwhile is coalesced into the next batch. */
  private flush(): void {
    this.flushScheduled = false;
    if (this.disposed || this.pending.length === 0 || this.inFlight > 0) return;
    let joined = this.pending.length === 1 ? this.pending[0]! : this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    if (joined.length > MAX_WRITE_CHARS) {
      this.pending.push(joined.slice(MAX_WRITE_CHARS));
      this.pendingChars = joined.length - MAX_WRITE_CHARS;
      joined = joined.slice(0, MAX_WRITE_CHARS);
    }
    this.inFlight++;
    const length = joined.length;
    this.term.write(joined, () => this.onParsed(length));
  }

  private onParsed(length: number): void {
    this.inFlight--;
    this.parsedChars += length;
    if (this.pending.length > 0) this.scheduleFlush();
    // New output while scrolled back keeps the view where the reader left it only if they asked;
    // like tmux copy-mode, we keep the offset but clamp it to what exists.
    this.scrollOffsetValue = Math.min(this.scrollOffsetValue, this.term.buffer.active.baseY);
    this.changed();
    if (this.inFlight === 0 && this.pending.length === 0 && !this.flushScheduled) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private changed(): void {
    this.seqValue++;
    for (const listener of this.listeners) listener();
  }

  /** Resolves once everything written so far is parsed and visible in `snapshot()`. */
  whenIdle(): Promise<void> {
    if (this.inFlight === 0 && this.pending.length === 0 && !this.flushScheduled) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Called after parsed output, resize or scroll changed what `snapshot()` returns. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  resize(cols: number, rows: number): void {
    cols = Math.max(2, Math.floor(cols));
    rows = Math.max(1, Math.floor(rows));
    if (this.disposed || (cols === this.term.cols && rows === this.term.rows)) return;
    this.term.resize(cols, rows);
    this.changed();
  }

  /** Scrolls the view back (positive) or forward (negative) by `lines`; clamps to the scrollback. */
  scrollBy(lines: number): void {
    const max = this.term.buffer.active.baseY;
    const next = Math.max(0, Math.min(max, this.scrollOffsetValue + lines));
    if (next === this.scrollOffsetValue) return;
    this.scrollOffsetValue = next;
    this.changed();
  }

  /** Back to the live screen. */
  scrollToBottom(): void {
    this.scrollBy(-this.scrollOffsetValue);
  }

  get scrollOffset(): number {
    return this.scrollOffsetValue;
  }

  /** The visible screen (or the scrolled-back view) as styled lines and the cursor. */
  snapshot(): ScreenSnapshot {
    const buffer = this.term.buffer.active;
    const cols = this.term.cols;
    const rows = this.term.rows;
    const offset = Math.min(this.scrollOffsetValue, buffer.baseY);
    const top = buffer.baseY - offset;
    const lines: StyledLine[] = [];
    for (let y = 0; y < rows; y++) {
      const line = buffer.getLine(top + y);
      lines.push(line ? this.styledLine(line, cols) : { runs: [] });
    }
    const altScreen = buffer.type === 'alternate';
    return {
      cols,
      rows,
      lines,
      cursor: { x: buffer.cursorX, y: buffer.cursorY, visible: !this.cursorHidden && offset === 0 },
      altScreen,
      scrollOffset: offset,
      scrollbackLines: buffer.baseY,
      skipped: this.skippedChars,
      seq: this.seqValue,
    };
  }

  /** Plain text of the visible screen, trailing blanks trimmed (tests, divergence, logs). */
  text(): string {
    return this.snapshot()
      .lines.map((l) => l.runs.map((r) => r.text).join('').trimEnd())
      .join('\n');
  }

  private styledLine(line: IBufferLine, cols: number): StyledLine {
    const runs: StyledRun[] = [];
    let current: StyledRun | undefined;
    let currentKey = '';
    const cell = this.cell;
    // Trailing default-styled blanks are dropped: the UI pads lines itself.
    let end = cols;
    while (end > 0) {
      const c = line.getCell(end - 1, cell);
      if (!c || (c.getChars() !== '' && c.getChars() !== ' ') || !c.isAttributeDefault()) break;
      end--;
    }
    for (let x = 0; x < end; x++) {
      const c = line.getCell(x, cell);
      if (!c) break;
      const width = c.getWidth();
      if (width === 0) continue; // the right half of a wide character
      const chars = c.getChars() || ' ';
      const style = styleOf(c);
      const key = styleKey(style);
      if (current && key === currentKey) {
        current.text += chars;
      } else {
        current = { text: chars, ...style };
        currentKey = key;
        runs.push(current);
      }
    }
    return { runs };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.pending = [];
    this.listeners.clear();
    for (const resolve of this.idleWaiters.splice(0)) resolve();
    this.term.dispose();
  }
}

function colourOf(isDefault: boolean, isRGB: boolean, value: number): Colour | undefined {
  if (isDefault) return undefined;
  if (isRGB) return `#${value.toString(16).padStart(6, '0')}`;
  return value < 16 ? NAMED[value] : `ansi256(${value})`;
}

function styleOf(c: IBufferCell): CellStyle {
  const style: CellStyle = {};
  if (c.isAttributeDefault()) return style;
  const fg = colourOf(c.isFgDefault(), c.isFgRGB(), c.getFgColor());
  const bg = colourOf(c.isBgDefault(), c.isBgRGB(), c.getBgColor());
  if (fg) style.fg = fg;
  if (bg) style.bg = bg;
  if (c.isBold()) style.bold = true;
  if (c.isDim()) style.dim = true;
  if (c.isItalic()) style.italic = true;
  if (c.isUnderline()) style.underline = true;
  if (c.isInverse()) style.inverse = true;
  return style;
}

function styleKey(s: CellStyle): string {
  return `${s.fg ?? ''}|${s.bg ?? ''}|${s.bold ? 1 : 0}${s.dim ? 1 : 0}${s.italic ? 1 : 0}${s.underline ? 1 : 0}${s.inverse ? 1 : 0}`;
}
