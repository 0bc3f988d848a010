// A pane's scrollback, kept compactly: one entry per line, a plain string when the line has no
// colours or attributes (most of a log flood), its styled runs otherwise. xterm keeps every
// buffer line as 12 bytes per cell plus three objects; a 60-character plain line costs ~80
// bytes here instead of ~1.3 KB, which is what makes 10k lines per pane affordable.
import type { StyledLine, StyledRun } from './snapshot-types.js';

/** One line above the screen: plain text, or styled runs. */
export type CompactLine = string | readonly StyledRun[];

/** A ring of at most `capacity` lines: pushing beyond it drops the oldest. */
export class CompactScrollback {
  private readonly lines: CompactLine[] = [];
  private start = 0;
  private count = 0;

  constructor(readonly capacity: number) {}

  get length(): number {
    return this.count;
  }

  push(line: CompactLine): void {
    if (this.capacity <= 0) return;
    if (this.count < this.capacity) {
      // Grow the array only as lines arrive: an idle pane costs nothing.
      this.lines[(this.start + this.count) % this.capacity] = line;
      this.count++;
    } else {
      this.lines[this.start] = line;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  /** Line `i`, 0 the oldest. */
  get(i: number): CompactLine | undefined {
    if (i < 0 || i >= this.count) return undefined;
    return this.lines[(this.start + i) % this.capacity];
  }

  /** Drops the newest `n` lines. */
  dropNewest(n: number): void {
    const k = Math.max(0, Math.min(n, this.count));
    for (let i = 0; i < k; i++) this.lines[(this.start + this.count - 1 - i) % this.capacity] = '';
    this.count -= k;
  }

  clear(): void {
    this.lines.length = 0;
    this.start = 0;
    this.count = 0;
  }
}

/** A compact line as the snapshot's styled line. */
export function styledLineOf(line: CompactLine | undefined): StyledLine {
  if (line === undefined || line === '') return { runs: [] };
  if (typeof line === 'string') return { runs: [{ text: line }] };
  return { runs: line.map((r) => ({ ...r })) };
}
