// One node's screen: an @xterm/headless terminal fed with the pane's bytes.
//
// Why it is shaped like this:
// - Output arrives in many small chunks; each xterm `write` has a fixed cost, so chunks are
//   coalesced and handed to xterm at most once per macrotask (`setImmediate`), and during a
//   flood at most every FLOOD_BATCH_MS: most of a flood's batch then cannot survive the batch
//   (it scrolls out of the scrollback before the batch ends) and is never parsed (unseenPrefix).
// - xterm parses asynchronously and its buffer reflects a write only after the write's
//   callback; listeners are told about changes from that callback, never before.
// - Rendering is not done here: `snapshot()` is called by the UI at its own (throttled) pace.
// - Scrollback beyond XTERM_SCROLLBACK lines is not kept by xterm (12 bytes per cell plus three
//   objects per line) but here, one compact entry per line (see compact-scrollback.ts). Lines
//   are copied out after every xterm write, and each write is cut so that it cannot push more
//   lines through xterm's own (short) scrollback than it holds: no line is lost on the way.
import xtermHeadless from '@xterm/headless';
import type { IBufferCell, IBufferLine, IMarker, Terminal as XTerminal } from '@xterm/headless';
import { CompactScrollback, styledLineOf, type CompactLine } from './compact-scrollback.js';
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

/**
 * Coalesced writes larger than this are split (xterm itself parses a batch in 12 ms slices, so a
 * big batch does not hold the event loop; bigger batches mean fewer lines copied, see flush).
 */
const MAX_WRITE_CHARS = 1024 * 1024;
/**
 * A batch up to this size, arriving while nothing is being parsed (a typed key's echo, a prompt),
 * is parsed at once instead of on xterm's next timer tick: the screen shows it a hop sooner.
 */
const SYNC_PARSE_CHARS = 16 * 1024;
/**
 * Output waiting to be parsed beyond this is a flood the screen cannot keep up with: the oldest
 * part is skipped (the recording still has every byte) so memory stays bounded and the UI live.
 */
const MAX_PENDING_CHARS = 8 * 1024 * 1024;
const KEEP_AFTER_SKIP_CHARS = 1024 * 1024;
/**
 * A flush of at least this many characters starts (or extends) a flood: for FLOOD_HOLD_MS after
 * it, output is gathered for FLOOD_BATCH_MS before it is handed to xterm, instead of once per
 * macrotask. Bigger batches mean fewer xterm writes and, above all, more of a batch's lines
 * known to scroll out of the scrollback before the batch ends (see doomedPieces): those are
 * never copied. A typed key's echo (small, after a quiet spell) is still parsed at once.
 */
const FLOOD_FLUSH_CHARS = 32 * 1024;
const FLOOD_HOLD_MS = 250;
const FLOOD_BATCH_MS = 150;
/** A flood's batch is handed over early once output paused this long (its end shows promptly). */
const FLOOD_QUIET_MS = 8;
/**
 * Lines xterm keeps above the screen itself when the pane's scrollback is longer: the rest is
 * kept compactly. A short xterm scrollback also parses faster (less to trim and collect).
 */
export const XTERM_SCROLLBACK = 2000;
/** Upper bound of new lines one xterm write may add (half of xterm's own scrollback). */
const MAX_WRITE_LINES = XTERM_SCROLLBACK / 2;

interface RowCacheEntry {
  /** A copy of xterm's cell array for a screen row; null for a scrollback (compact) row. */
  data: Uint32Array | null;
  entry: CompactLine | undefined;
  line: StyledLine;
}

/** A blank row (shared: snapshots are read-only). */
const EMPTY_LINE: StyledLine = { runs: [] };

export class PaneTerminal {
  private readonly term: XTerminal;
  private pending: string[] = [];
  private pendingChars = 0;
  private flushScheduled = false;
  /** Until when (performance.now()) output counts as a flood and is batched by time. */
  private floodUntil = -Infinity;
  private batchStart = 0;
  private lastWrite = 0;
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
  /** The scrollback, when it is longer than xterm's own: every line above the screen. */
  private readonly compact: CompactScrollback | undefined;
  /** Lines at the top of xterm's normal buffer already copied into `compact`. */
  private capturedInXterm = 0;
  /** On xterm's last scrollback line when captured: how far it moved tells how many lines were trimmed. */
  private trimMarker: IMarker | undefined;
  private trimMarkerLine = 0;
  private lostLines = 0;
  /** Lines of floods never parsed (see unseenPrefix). */
  private unseenLines = 0;
  /** xterm's own scrollback option (when there is no compact scrollback). */
  private readonly scrollbackOption: number;
  /** xterm re-wrapped its scrollback (resized under the alternate screen): copy it again. */
  private recapture = false;
  /** The last snapshot, returned again while nothing changed. */
  private lastSnapshot: ScreenSnapshot | undefined;
  /** Per view row: what its styled line was built from (xterm's cells or a compact entry). */
  private readonly rowCache: (RowCacheEntry | undefined)[] = [];

  constructor(options: PaneTerminalOptions) {
    const scrollback = Math.max(0, options.scrollback ?? 10_000);
    this.compact = scrollback > XTERM_SCROLLBACK ? new CompactScrollback(scrollback) : undefined;
    this.scrollbackOption = this.compact ? XTERM_SCROLLBACK : scrollback;
    this.term = new Terminal({
      cols: Math.max(2, options.cols),
      rows: Math.max(1, options.rows),
      scrollback: this.scrollbackOption,
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
    // RIS (ESC c) resets cursor visibility too, and (as in xterm) clears the scrollback.
    this.term.parser.registerEscHandler({ final: 'c' }, () => {
      this.cursorHidden = false;
      this.clearCompact();
      return false;
    });
    // ED 3 (`clear` in newer ncurses) erases the scrollback: ours too.
    this.term.parser.registerCsiHandler({ final: 'J' }, (params) => {
      if (params[0] === 3) this.clearCompact();
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
    this.lastWrite = performance.now();
    if (this.pendingChars > MAX_PENDING_CHARS) this.skipOldest();
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (!this.flushScheduled && this.inFlight === 0) {
      this.flushScheduled = true;
      const now = performance.now();
      if (now < this.floodUntil && this.pendingChars < MAX_WRITE_CHARS) {
        this.batchStart = now;
        setTimeout(this.checkBatch, FLOOD_QUIET_MS);
      } else setImmediate(() => this.flush());
    }
  }

  /** During a flood: hands the batch over when it is big or old enough, or output paused. */
  private readonly checkBatch = (): void => {
    const now = performance.now();
    if (this.disposed) return;
    if (now - this.lastWrite < FLOOD_QUIET_MS && now - this.batchStart < FLOOD_BATCH_MS && this.pendingChars < MAX_WRITE_CHARS) {
      setTimeout(this.checkBatch, FLOOD_QUIET_MS);
      return;
    }
    this.flush();
  };

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
    const split = (): void => {
      this.pending.push(joined.slice(MAX_WRITE_CHARS));
      this.pendingChars = joined.length - MAX_WRITE_CHARS;
      joined = joined.slice(0, MAX_WRITE_CHARS);
    };
    // The unseen part is cut from all that is pending, before the split: when parsing fell
    // behind, megabytes wait, and splitting first would parse (and copy the surviving
    // scrollback of) every megabyte. Output that is not plain throughout may still be plain in
    // its first megabyte.
    let cut = this.unseenPrefix(joined);
    if (cut === 0 && joined.length > MAX_WRITE_CHARS) {
      split();
      cut = this.unseenPrefix(joined);
    }
    const batchLength = joined.length;
    let direct = false;
    if (cut > 0) {
      this.unseenLines += countLineFeeds(joined.slice(0, cut));
      joined = joined.slice(cut);
      const rest = this.scrollbackAsText(joined);
      if (rest !== null) {
        joined = rest;
        direct = true;
      }
    }
    let later = 0;
    if (joined.length > MAX_WRITE_CHARS) {
      later = joined.length - MAX_WRITE_CHARS;
      split();
    }
    this.inFlight++;
    // The characters of the output this write accounts for (the cut and the text lines included).
    const length = batchLength - later;
    if (length >= FLOOD_FLUSH_CHARS) this.floodUntil = performance.now() + FLOOD_HOLD_MS;
    const pieces = this.compact ? splitByLines(joined, this.term.cols, MAX_WRITE_LINES) : [joined];
    const doomed = this.doomedPieces(joined, pieces);
    // What scrollbackAsText put in the scrollback must meet its screen in the same turn.
    if (direct || (pieces.length === 1 && length <= SYNC_PARSE_CHARS)) this.parseNextWriteAtOnce();
    for (let i = 0; i < pieces.length - 1; i++) {
      const cheap = i < doomed;
      this.term.write(pieces[i]!, () => this.capture(cheap));
    }
    this.term.write(pieces[pieces.length - 1]!, () => this.onParsed(length));
  }

  /**
   * A flood's tail after the unseen cut (it starts on a fresh line and holds more lines than
   * the screen and the scrollback), when it is printable ASCII in CR LF lines and the terminal
   * prints such text plainly (default colours and charset, autowrap on, insert mode off): all
   * but its last screenful go into the compact scrollback as text, cut at the width like
   * autowrap cuts them, without xterm parsing them and without copying them back out of its
   * cells (the two biggest costs of a flood). xterm gets an erased screen, the cursor home and
   * the last lines; the screen, the scrollback and the cursor come out as if it had parsed
   * everything (test/terminal/unseen-prefix.test.ts compares them line by line). Returns what
   * xterm must still parse, or null when the tail does not qualify.
   */
  private scrollbackAsText(tail: string): string | null {
    const compact = this.compact;
    if (!compact || this.recapture || this.capturedInXterm !== this.term.buffer.normal.baseY || !this.printsPlainly()) return null;
    if (NOT_ASCII_LINES.test(tail)) return null;
    const rows = this.term.rows;
    const cols = this.term.cols;
    // xterm gets the last rows + 1 complete lines (and the unfinished one after them): they
    // fill its screen from the top, and what scrolls off follows the text lines in order.
    let at = tail.length;
    for (let n = 0; n < rows + 2; n++) {
      at = at > 0 ? tail.lastIndexOf('\r\n', at - 1) : -1;
      if (at < 0) return null;
    }
    const lines = tail.slice(0, at).split('\r\n');
    // Only the newest `capacity` rows can stay: find the first line that contributes one.
    let first = lines.length;
    for (let need = compact.capacity; first > 0 && need > 0; ) need -= Math.max(1, Math.ceil(lines[--first]!.length / cols));
    let skip = -compact.capacity;
    for (let i = first; i < lines.length; i++) skip += Math.max(1, Math.ceil(lines[i]!.length / cols));
    for (let i = first; i < lines.length; i++) {
      const line = lines[i]!;
      for (let x = 0; x < Math.max(1, line.length); x += cols) {
        if (skip-- > 0) continue;
        compact.push(trimBlanks(line.slice(x, x + cols)));
      }
    }
    this.unseenLines += lines.length;
    return `\x1b[2J\x1b[H${tail.slice(at + 2)}`;
  }

  /** Printable text lands in cells exactly as typed: default attributes and charset, autowrap on, no insert mode. */
  private printsPlainly(): boolean {
    const core = (this.term as unknown as {
      _core?: {
        _inputHandler?: { _curAttrData?: { fg?: unknown; bg?: unknown } };
        _charsetService?: { charset?: unknown; glevel?: unknown };
        coreService?: { decPrivateModes?: { wraparound?: unknown }; modes?: { insertMode?: unknown } };
      };
    })._core;
    const attr = core?._inputHandler?._curAttrData;
    const charset = core?._charsetService;
    const modes = core?.coreService;
    return attr?.fg === 0 && attr.bg === 0 && charset?.charset === undefined && charset?.glevel === 0 &&
      modes?.decPrivateModes?.wraparound === true && modes.modes?.insertMode === false;
  }

  /**
   * How many leading pieces of a batch add scrollback lines that later pieces of the same batch
   * will certainly push out of the (compact) scrollback: those lines are counted but not copied
   * (a blank stands in until they are overwritten, before the batch ends). Only plain output
   * qualifies (no escape sequence, so no cursor moves, scroll regions or clears; the buffer
   * scrolls on every line feed once the cursor is on the bottom row), which is what a log flood
   * is: `seq`, `yes`, a build log without colours. Copying lines was most of ingest's own cost.
   */
  private doomedPieces(joined: string, pieces: string[]): number {
    const compact = this.compact;
    if (!compact || pieces.length < 2 || this.term.buffer.active.type !== 'normal') return 0;
    if (joined.indexOf('\x1b') >= 0 || joined.indexOf('\x9b') >= 0 || !this.fullScrollRegion()) return 0;
    // Line feeds after each piece, from the end.
    const need = compact.capacity + this.term.rows;
    let after = 0;
    for (let i = pieces.length - 1; i > 0; i--) {
      after += countLineFeeds(pieces[i]!);
      if (after >= need) return i; // pieces 0..i-1 are doomed
    }
    return 0;
  }

  /**
   * Where a batch can start being parsed without changing what the pane ends up holding. When a
   * batch is plain output (no escape sequence or control character other than CR, LF, tab and
   * backspace: no mode, charset, attribute or cursor-addressing change) and its tail, starting
   * on a fresh line (right after CR LF), alone has more line feeds than the screen and the
   * scrollback hold, everything before that tail would scroll out of the scrollback before the
   * batch ends: the screen, the scrollback and the cursor come out the same whether xterm
   * parses that prefix or not. A log flood (`seq`, `yes`, a build log) is that: most of its
   * bytes are never parsed, which is what lets a pane keep up with one. Returns 0 when there
   * is nothing to skip.
   */
  private unseenPrefix(joined: string): number {
    const buffer = this.term.buffer.active;
    if (buffer.type !== 'normal') return 0;
    const need = (this.compact ? this.compact.capacity : this.scrollbackOption) + this.term.rows;
    // Cheap rejections first: too short to hold `need` lines, or not plain output.
    if (joined.length < 2 * need || !this.fullScrollRegion()) return 0;
    let at = joined.length;
    for (let n = 0; n < need; n++) {
      at = joined.lastIndexOf('\n', at - 1);
      if (at <= 0) return 0;
    }
    // `at` is the need-th line feed from the end: cut after an earlier CR LF.
    for (let tries = 0; tries < 4; tries++) {
      at = joined.lastIndexOf('\n', at - 1);
      if (at <= 0) return 0;
      if (joined.charCodeAt(at - 1) === 13) break;
      if (tries === 3) return 0;
    }
    if (!this.parserAtRest() || NOT_PLAIN.test(joined)) return 0;
    return at + 1;
  }

  /**
   * xterm's parser is between sequences and holds no half of a surrogate pair: the last batch
   * did not end inside an escape sequence (which the start of this one would complete).
   */
  private parserAtRest(): boolean {
    const ih = (this.term as unknown as { _core?: { _inputHandler?: { _parser?: { currentState?: unknown }; _stringDecoder?: { _interim?: unknown } } } })._core?._inputHandler;
    return ih?._parser?.currentState === 0 && ih._stringDecoder?._interim === 0;
  }

  /** No scroll region set (DECSTBM): every line feed on the bottom row scrolls into the scrollback. */
  private fullScrollRegion(): boolean {
    const buffer = (this.term as unknown as { _core?: { buffer?: { scrollTop?: unknown; scrollBottom?: unknown } } })._core?.buffer;
    return buffer?.scrollTop === 0 && buffer.scrollBottom === this.term.rows - 1;
  }

  /** xterm parses a write right away (instead of on a timer) when it follows user input. */
  private parseNextWriteAtOnce(): void {
    const wb = (this.term as unknown as { _core?: { _writeBuffer?: { handleUserInput?: () => void } } })._core?._writeBuffer;
    if (typeof wb?.handleUserInput === 'function') wb.handleUserInput();
  }

  /** Lines of output floods that were never parsed because they could not have stayed (for tests). */
  get unseen(): number {
    return this.unseenLines;
  }

  /** Lines lost between xterm and the compact scrollback (should stay 0; for tests). */
  get lost(): number {
    return this.lostLines;
  }

  private clearCompact(): void {
    if (!this.compact) return;
    this.compact.clear();
    this.capturedInXterm = 0;
    this.trimMarker?.dispose();
    this.trimMarker = undefined;
  }

  /** Copies the lines that entered xterm's scrollback since the last call into `compact`. */
  private capture(cheap = false): void {
    const compact = this.compact;
    if (!compact || this.disposed) return;
    // The normal buffer cannot scroll while the alternate screen is shown.
    if (this.term.buffer.active.type !== 'normal') return;
    const normal = this.term.buffer.normal;
    if (this.recapture) {
      this.recapture = false;
      compact.dropNewest(this.capturedInXterm);
      this.capturedInXterm = 0;
      this.trimMarker?.dispose();
      this.trimMarker = undefined;
    }
    let from = this.capturedInXterm;
    if (this.trimMarker) {
      // A disposed marker means its line was trimmed before we saw it: lines were lost.
      from -= this.trimMarker.isDisposed ? Number.POSITIVE_INFINITY : this.trimMarkerLine - this.trimMarker.line;
      this.trimMarker.dispose();
      this.trimMarker = undefined;
    }
    if (from < 0) {
      this.lostLines += Number.isFinite(from) ? -from : 1;
      from = 0;
    }
    const baseY = normal.baseY;
    for (let y = Math.min(from, baseY); y < baseY; y++) {
      if (cheap) {
        compact.push('');
        continue;
      }
      const line = normal.getLine(y);
      compact.push(line ? this.compactLine(line) : '');
    }
    this.capturedInXterm = baseY;
    if (baseY > 0) {
      // registerMarker is relative to the cursor line (baseY + cursorY): this is line baseY - 1.
      this.trimMarker = this.term.registerMarker(-(normal.cursorY + 1));
      this.trimMarkerLine = this.trimMarker?.line ?? 0;
    }
  }

  /** A buffer line as a compact line: a plain string unless some cell has colours or attributes. */
  private compactLine(line: IBufferLine): CompactLine {
    const plain = plainText(line, this.cell);
    return plain ?? this.styledLine(line, this.term.cols).runs;
  }

  private onParsed(length: number): void {
    this.capture();
    this.inFlight--;
    this.parsedChars += length;
    if (this.pending.length > 0) this.scheduleFlush();
    // New output while scrolled back keeps the view where the reader left it only if they asked;
    // like tmux copy-mode, we keep the offset but clamp it to what exists.
    this.scrollOffsetValue = Math.min(this.scrollOffsetValue, this.scrollbackLength());
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
    if (this.compact && this.term.buffer.active.type === 'normal') {
      // xterm re-wraps its own lines: take them back and copy them again at the new width. (Any
      // time between two xterm parse tasks is fine: the buffer is consistent then.)
      this.capture();
      this.compact.dropNewest(this.capturedInXterm);
      this.capturedInXterm = 0;
      this.trimMarker?.dispose();
      this.trimMarker = undefined;
      this.term.resize(cols, rows);
      this.capture();
    } else {
      // Under a full-screen program: xterm re-wraps the normal buffer now; take it again once shown.
      this.term.resize(cols, rows);
      this.recapture = this.compact !== undefined;
    }
    this.scrollOffsetValue = Math.min(this.scrollOffsetValue, this.scrollbackLength());
    this.changed();
  }

  /** Scrolls the view back (positive) or forward (negative) by `lines`; clamps to the scrollback. */
  scrollBy(lines: number): void {
    const max = this.scrollbackLength();
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

  /** Lines above the live screen that can be scrolled back to. */
  private scrollbackLength(): number {
    const buffer = this.term.buffer.active;
    if (this.compact && buffer.type === 'normal') return this.compact.length;
    return buffer.baseY;
  }

  /** The visible screen (or the scrolled-back view) as styled lines and the cursor. */
  snapshot(): ScreenSnapshot {
    const buffer = this.term.buffer.active;
    const cols = this.term.cols;
    const rows = this.term.rows;
    const scrollback = this.scrollbackLength();
    const offset = Math.min(this.scrollOffsetValue, scrollback);
    const last = this.lastSnapshot;
    // Nothing changed since the last call: the same object (renderers compare by identity).
    if (last && last.seq === this.seqValue && last.scrollOffset === offset && last.skipped === this.skippedChars && last.cols === cols && last.rows === rows) return last;
    const lines: StyledLine[] = [];
    // Rows of the view: scrollback lines (from `compact` when there is one), then screen lines.
    const above = this.compact && buffer.type === 'normal' ? this.compact : undefined;
    const cache = this.rowCache;
    cache.length = rows;
    for (let y = 0; y < rows; y++) {
      const v = scrollback - offset + y;
      if (above && v < scrollback) {
        const entry = above.get(v);
        const row = cache[y];
        // The same compact entry (a string compares by value) gives the same styled line.
        if (row && row.data === null && row.entry === entry) lines.push(row.line);
        else {
          const line = styledLineOf(entry);
          cache[y] = { data: null, entry, line };
          lines.push(line);
        }
        continue;
      }
      const line = buffer.getLine(above ? buffer.baseY + (v - scrollback) : v);
      lines.push(line ? this.cachedStyledLine(y, line, cols) : EMPTY_LINE);
    }
    const altScreen = buffer.type === 'alternate';
    const snap: ScreenSnapshot = {
      cols,
      rows,
      lines,
      cursor: { x: buffer.cursorX, y: buffer.cursorY, visible: !this.cursorHidden && offset === 0 },
      altScreen,
      scrollOffset: offset,
      scrollbackLines: scrollback,
      skipped: this.skippedChars,
      seq: this.seqValue,
    };
    this.lastSnapshot = snap;
    return snap;
  }

  /**
   * Row `y`'s styled line, re-built only when its cells changed: xterm's cell array of the line
   * (3 numbers per cell) is compared with a copy kept from the last build, which is far cheaper
   * than reading every cell through the API. Lines with combined characters are always re-built
   * (their text lives outside the array).
   */
  private cachedStyledLine(y: number, line: IBufferLine, cols: number): StyledLine {
    const raw = (line as { _line?: { _data?: unknown } })._line?._data;
    if (!(raw instanceof Uint32Array)) return this.styledLine(line, cols);
    const n = Math.min(raw.length, cols * 3);
    const row = this.rowCache[y];
    if (row?.data && row.data.length === n) {
      const data = row.data;
      let same = true;
      for (let i = 0; i < n; i++) {
        if (data[i] !== raw[i]) {
          same = false;
          break;
        }
      }
      if (same) return row.line;
    }
    const styled = this.styledLine(line, cols);
    let combined = false;
    for (let i = 0; i < n; i += 3) {
      if ((raw[i]! & 0x200000) !== 0) {
        combined = true;
        break;
      }
    }
    if (combined) {
      this.rowCache[y] = undefined;
      return styled;
    }
    const data = row?.data && row.data.length === n ? row.data : new Uint32Array(n);
    data.set(raw.subarray(0, n));
    this.rowCache[y] = { data, entry: undefined, line: styled };
    return styled;
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
    this.compact?.clear();
    this.trimMarker = undefined;
    this.lastSnapshot = undefined;
    this.rowCache.length = 0;
    this.listeners.clear();
    for (const resolve of this.idleWaiters.splice(0)) resolve();
    this.term.dispose();
  }
}

/**
 * Cuts `data` into pieces that each add at most `maxLines` lines to a terminal `cols` wide
 * (line feeds, plus wrapping of long lines; escape sequences count as printable, so the
 * estimate errs on the safe side). Cheap: one indexOf scan.
 */
export function splitByLines(data: string, cols: number, maxLines: number): string[] {
  const pieces: string[] = [];
  const longest = Math.max(1, cols * Math.floor(maxLines / 2)); // a piece of one long line
  let start = 0;
  let lines = 0;
  let pos = 0;
  while (pos < data.length) {
    const nl = data.indexOf('\n', pos);
    const end = nl < 0 ? data.length : nl + 1;
    const segment = 1 + Math.floor((end - pos) / cols);
    if (lines + segment > maxLines && pos > start) {
      pieces.push(data.slice(start, pos));
      start = pos;
      lines = 0;
    }
    if (segment > maxLines) {
      // One line longer than a piece may hold: cut it by characters.
      for (let at = pos; at < end; at += longest) {
        if (at > start) pieces.push(data.slice(start, at));
        start = at;
      }
      lines = 1 + Math.floor((end - start) / cols);
    } else {
      lines += segment;
    }
    pos = end;
  }
  if (start < data.length || pieces.length === 0) pieces.push(data.slice(start));
  return pieces;
}

/** Anything but printable text, CR, LF, tab and backspace (C1 controls included). */
const NOT_PLAIN = /[\x00-\x07\x0b\x0c\x0e-\x1f\x7f-\x9f]/;

/** Anything but printable ASCII and CR LF line ends (a lone CR or LF, a tab, a backspace). */
const NOT_ASCII_LINES = /[^\x20-\x7e\r\n]|\r(?!\n)|(?<!\r)\n/;

/** A row of text as the scrollback keeps it: without trailing blanks. */
function trimBlanks(row: string): string {
  let end = row.length;
  while (end > 0 && row.charCodeAt(end - 1) === 32) end--;
  return end === row.length ? row : row.slice(0, end);
}

function countLineFeeds(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

/** Reused by plainText: the bytes of one line. */
let latin1 = Buffer.alloc(512);
/**
 * The line's text (trailing blanks trimmed) when no cell has a colour or an attribute, else
 * undefined. Reads xterm's cell array directly when it can ([content, fg, bg] per cell, fg and
 * bg all zero when default): several times faster than the public per-cell API, and the string
 * comes out flat (xterm's translateToString builds it by `+=`: a rope of one node per cell).
 */
export function plainText(line: IBufferLine, cell: IBufferCell): string | undefined {
  const raw = (line as { _line?: { _data?: unknown; length?: unknown } })._line;
  fast: if (raw && raw._data instanceof Uint32Array && typeof raw.length === 'number') {
    const cells = raw._data;
    let end = Math.min(raw.length, Math.floor(cells.length / 3));
    // Trailing blanks (erased cells hold code 0) with default attributes.
    while (end > 0) {
      const j = (end - 1) * 3;
      const code = cells[j]! & 0x1fffff;
      if ((code !== 0 && code !== 32) || cells[j + 1] !== 0 || cells[j + 2] !== 0) break;
      end--;
    }
    if (latin1.length < end) latin1 = Buffer.alloc(end * 2);
    for (let i = 0; i < end; i++) {
      const j = i * 3;
      if ((cells[j + 1]! | cells[j + 2]!) !== 0) return undefined;
      const content = cells[j]!;
      const code = content & 0x1fffff;
      // Beyond Latin-1, combined or wide characters: the public API knows them.
      if (code > 0xff || (content & 0x200000) !== 0 || content >>> 22 !== 1) {
        if (code === 0 && content >>> 22 <= 1) {
          latin1[i] = 32;
          continue;
        }
        break fast;
      }
      latin1[i] = code === 0 ? 32 : code;
    }
    return latin1.toString('latin1', 0, end);
  } else {
    for (let x = 0; x < line.length; x++) if (!line.getCell(x, cell)?.isAttributeDefault()) return undefined;
  }
  if (raw && raw._data instanceof Uint32Array) {
    const cells = raw._data;
    for (let i = 2; i < cells.length; i += 3) if ((cells[i - 1]! | cells[i]!) !== 0) return undefined;
  }
  const text = line.translateToString(true);
  text.charCodeAt(0); // flattens the rope
  return text;
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
