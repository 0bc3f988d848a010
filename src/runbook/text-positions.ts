// Offsets ↔ 1-based line:column, for text slices whose start position in the file is known.
import type { ProseSegment, SourcePos } from './types.js';

/** The position of `offset` within `text`, given where `text` starts in the file. */
export function advance(start: SourcePos, text: string, offset: number): SourcePos {
  let line = start.line;
  let column = start.column;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      column = 1;
    } else {
      column++;
    }
  }
  return { file: start.file, line, column };
}

/**
 * Position of `offset` in a block body: the body's lines are the file's lines, each shifted
 * by the fence's indentation (the parser strips it, e.g. for fences inside list items).
 */
export function bodyPosition(bodyStart: SourcePos, body: string, offset: number): SourcePos {
  const p = advance({ ...bodyStart, column: 1 }, body, offset);
  return { ...p, column: p.column + bodyStart.column - 1 };
}

/** Position of `offset` in a prose string described by a segment map. */
export function prosePosition(file: string, text: string, map: ProseSegment[], offset: number): SourcePos {
  let seg: ProseSegment | undefined;
  for (const s of map) {
    if (s.offset <= offset) seg = s;
    else break;
  }
  if (!seg) return { file, line: 1, column: 1 };
  return advance({ file, line: seg.line, column: seg.column }, text.slice(seg.offset), offset - seg.offset);
}
