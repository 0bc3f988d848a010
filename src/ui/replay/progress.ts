// The replay progress bar as plain cells: pure, so it is tested without rendering.
//
//   [━━━━│━━━g━━●────x──│──o───]   played, position, to come; marks: │ step, g gate, x failure, o decision
import type { ReplayMarkKind, ReplayPlayerMark } from './player.js';

export type CellKind = 'played' | 'head' | 'rest' | ReplayMarkKind;

export interface ProgressCell {
  char: string;
  kind: CellKind;
  /** Under or left of the position. */
  played: boolean;
}

export interface ProgressGlyphs {
  played: string;
  rest: string;
  head: string;
  marks: Record<ReplayMarkKind, string>;
}

export function progressGlyphs(unicode: boolean): ProgressGlyphs {
  return unicode
    ? { played: '━', rest: '─', head: '●', marks: { step: '│', gate: 'g', failure: 'x', decision: 'o' } }
    : { played: '=', rest: '-', head: '@', marks: { step: '|', gate: 'g', failure: 'x', decision: 'o' } };
}

/** Which mark wins when several fall into one cell. */
const PRIORITY: Record<ReplayMarkKind, number> = { failure: 4, step: 3, gate: 2, decision: 1 };

/** The cell a recorded time falls in, for a bar `width` cells wide. */
export function cellOf(t: number, duration: number, width: number): number {
  if (width <= 1 || !(duration > 0)) return 0;
  return Math.max(0, Math.min(width - 1, Math.floor((t / duration) * (width - 1) + 1e-9)));
}

/** `width` cells: the played part, the position, the rest, and the marks over them. */
export function progressCells(width: number, t: number, duration: number, marks: readonly ReplayPlayerMark[], glyphs: ProgressGlyphs): ProgressCell[] {
  const w = Math.max(1, Math.floor(width));
  const head = duration > 0 ? cellOf(t, duration, w) : 0;
  const cells: ProgressCell[] = [];
  for (let i = 0; i < w; i++) cells.push(i < head ? { char: glyphs.played, kind: 'played', played: true } : { char: glyphs.rest, kind: 'rest', played: false });
  const best: (ReplayMarkKind | undefined)[] = new Array<ReplayMarkKind | undefined>(w);
  for (const m of marks) {
    const c = cellOf(m.t, duration, w);
    const cur = best[c];
    if (!cur || PRIORITY[m.kind] > PRIORITY[cur]) best[c] = m.kind;
  }
  best.forEach((kind, i) => {
    if (kind) cells[i] = { char: glyphs.marks[kind], kind, played: i < head };
  });
  cells[head] = { char: glyphs.head, kind: 'head', played: true };
  return cells;
}

/** m:ss, or h:mm:ss from an hour on; m:ss.d with `tenths` (short recordings). */
export function formatClock(ms: number, tenths = false): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0') + (tenths ? `.${Math.floor((Math.max(0, ms) % 1000) / 100)}` : '');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export function formatSpeed(speed: number): string {
  return `x${speed < 1 ? speed.toFixed(1) : String(speed)}`;
}
