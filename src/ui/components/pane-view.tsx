// One node's live screen inside a border, drawn from its terminal snapshot. The cursor is
// drawn in reverse video on the focused pane.
import React, { useEffect, useLayoutEffect, useRef } from 'react';
import { Box, Text, type DOMElement } from 'ink';
import type { ScreenSnapshot, StyledLine, StyledRun } from '../../terminal/index.js';
import { selectFocusStep } from '../../state/index.js';
import { shownGate } from '../selectors.js';
import { useTui } from '../context.js';
import { encodeRun, type ColourDepth } from '../sgr.js';
import { useSession } from '../hooks/use-session.js';
import type { PaneFrames } from '../pane-frames.js';

export interface PaneViewProps {
  node: string;
  /** The pane's screen as of the last frame (the same object while it did not change). */
  snap: ScreenSnapshot;
  index: number;
  width: number;
  height: number;
  focused: boolean;
  /** Keys typed now go to this pane. */
  target: boolean;
  /** Picked for selected-pane broadcast. */
  selected: boolean;
  /** Being scrolled back. */
  scrolling: boolean;
  /** The frame source, for the fast path (a keystroke's echo drawn before Ink's frame). */
  frames?: PaneFrames;
}

/** What the pane's rows show on the terminal now (as of its last render or fast-path paint). */
interface Shown {
  snap: ScreenSnapshot;
  lines: StyledLine[];
  /** Cursor column on row `cursorRow` of `lines`, when drawn. */
  cursorRow: number;
  cursorX: number;
  width: number;
  innerRows: number;
  scrolling: boolean;
  focused: boolean;
  colours: ColourDepth;
}

const NO_LINE: StyledLine = { runs: [] };
/** The fast path re-draws at most this many rows of a pane. */
const MAX_PAINTED_ROWS = 8;

/** The rows of `snap` a pane `innerRows` high shows, and where its cursor is among them. */
function viewOf(snap: ScreenSnapshot, innerRows: number, focused: boolean): { lines: StyledLine[]; top: number; cursorRow: number } {
  // A screen taller than the pane (a recording replayed in a smaller layout) shows the rows up
  // to its cursor, where the action is, rather than only its top.
  const top = snap.scrollOffset === 0 && snap.cursor.y >= innerRows ? Math.min(snap.lines.length - innerRows, snap.cursor.y - innerRows + 1) : 0;
  const cursorRow = focused && snap.cursor.visible ? snap.cursor.y - top : -1;
  return { lines: snap.lines.slice(top, top + innerRows), top, cursorRow };
}

/**
 * The fast path: escape sequences that re-draw the rows of the pane that differ between what
 * it shows and `snap` (absolute positions from Ink's layout), or null when more would change
 * than rows (title flags) or a row is not plain ASCII (cell widths are then Ink's business).
 */
function paintRows(shown: Shown, el: DOMElement | null, snap: ScreenSnapshot): string | null {
  if (!el?.yogaNode) return null;
  const was = shown.snap;
  if (snap.altScreen !== was.altScreen || Math.ceil(snap.skipped / 1024) !== Math.ceil(was.skipped / 1024)) return null;
  if (shown.scrolling && (snap.scrollOffset !== was.scrollOffset || snap.scrollbackLines !== was.scrollbackLines)) return null;
  let x = 0;
  let y = 0;
  for (let n: DOMElement | undefined = el; n; n = n.parentNode) {
    if (!n.yogaNode) continue;
    x += n.yogaNode.getComputedLeft();
    y += n.yogaNode.getComputedTop();
  }
  x = Math.round(x);
  y = Math.round(y);
  const view = viewOf(snap, shown.innerRows, shown.focused);
  const cursorX = snap.cursor.x;
  let out = '';
  let rows = 0;
  for (let i = 0; i < shown.innerRows; i++) {
    const before = shown.lines[i] ?? NO_LINE;
    const after = view.lines[i] ?? NO_LINE;
    const cursorBefore = shown.cursorRow === i ? shown.cursorX : null;
    const cursorAfter = view.cursorRow === i ? cursorX : null;
    if (before === after && cursorBefore === cursorAfter) continue;
    // More than a few rows (output scrolling by): Ink's frame, at its pace.
    if (++rows > MAX_PAINTED_ROWS) return null;
    const runs = clip(cursorAfter === null ? after.runs : withCursor(after.runs, cursorAfter), shown.width);
    let cells = 0;
    for (const r of runs) {
      for (let k = 0; k < r.text.length; k++) {
        const c = r.text.charCodeAt(k);
        if (c < 0x20 || c > 0x7e) return null;
      }
      cells += r.text.length;
    }
    out += `\x1b[${y + i + 1};${x + 1}H\x1b[0m${runs.map((r) => encodeRun(r, shown.colours)).join('')}\x1b[0m${' '.repeat(Math.max(0, shown.width - cells))}`;
  }
  shown.snap = snap;
  shown.lines = view.lines;
  shown.cursorRow = view.cursorRow;
  shown.cursorX = cursorX;
  return out;
}

/** Splits the runs so the cell under the cursor can be drawn inverted. */
function withCursor(runs: StyledRun[], x: number): StyledRun[] {
  const out: StyledRun[] = [];
  let col = 0;
  let placed = false;
  for (const r of runs) {
    const len = [...r.text].length;
    if (!placed && x >= col && x < col + len) {
      const chars = [...r.text];
      if (x > col) out.push({ ...r, text: chars.slice(0, x - col).join('') });
      out.push({ ...r, text: chars[x - col]!, inverse: !r.inverse });
      if (x - col + 1 < len) out.push({ ...r, text: chars.slice(x - col + 1).join('') });
      placed = true;
    } else out.push(r);
    col += len;
  }
  if (!placed) out.push({ text: ' '.repeat(Math.max(0, x - col)) }, { text: ' ', inverse: true });
  return out;
}

/** Cuts runs to `width` cells. Cheaper than letting Ink truncate (it re-parses ANSI per line). */
function clip(runs: StyledRun[], width: number): StyledRun[] {
  let used = 0;
  const out: StyledRun[] = [];
  for (const r of runs) {
    const chars = [...r.text];
    if (used + chars.length <= width) {
      out.push(r);
      used += chars.length;
    } else {
      if (width > used) out.push({ ...r, text: chars.slice(0, width - used).join('') });
      break;
    }
  }
  return out;
}

/** One row; re-rendered only when its line (the same object while the row is unchanged), the cursor on it or the width changed. */
const Line = React.memo(function Line({ line, cursorX, width, colours }: { line: StyledLine; cursorX: number | null; width: number; colours: ColourDepth }): React.ReactElement {
  const runs = clip(cursorX === null ? line.runs : withCursor(line.runs, cursorX), width);
  return <Text>{runs.length === 0 ? ' ' : runs.map((r) => encodeRun(r, colours)).join('')}</Text>;
});

export const PaneView = React.memo(function PaneView(props: PaneViewProps): React.ReactElement {
  const { charset } = useTui();
  const snap = props.snap;
  const status = useSession((s) => s.nodes.find((n) => n.name === props.node)?.status ?? 'connecting');
  const reason = useSession((s) => {
    const n = s.nodes.find((x) => x.name === props.node);
    return n && n.status !== 'connected' && n.status !== 'connecting' ? n.reason : undefined;
  });
  const gate = useSession((s) => {
    const step = selectFocusStep(s);
    if (!step) return { state: 'none' as const, reason: undefined };
    const g = shownGate(step, props.node);
    return { state: g.state, reason: g.failed?.reason };
  });
  // A lost or refused node says why on the pane's first row, above its last screen.
  const innerRows = Math.max(1, props.height - 3 - (reason ? 1 : 0));
  const { lines, cursorRow } = viewOf(snap, innerRows, props.focused);
  const width = Math.max(1, props.width - 2);
  // The fast path's view of what is on the terminal: what this render committed.
  const linesRef = useRef<DOMElement>(null);
  const shown = useRef<Shown | null>(null);
  useLayoutEffect(() => {
    shown.current = { snap, lines, cursorRow, cursorX: snap.cursor.x, width, innerRows, scrolling: props.scrolling, focused: props.focused, colours: charset.colours };
  });
  const { frames, node } = props;
  useEffect(() => {
    if (!frames) return;
    frames.setPainter(node, (next) => (shown.current ? paintRows(shown.current, linesRef.current, next) : null));
    return () => frames.setPainter(node, undefined);
  }, [frames, node]);
  const borderColor = props.target ? 'red' : props.focused ? 'cyan' : props.selected ? 'yellow' : 'gray';
  const gateText =
    gate.state === 'none' ? '' : gate.state === 'passing' ? `gate ${charset.marks.gatePassing}` : gate.state === 'pending' ? `gate ${charset.marks.gatePending}` : `gate ${charset.marks.gateFailed} ${gate.reason ?? ''}`;
  return (
    <Box
      flexDirection="column"
      width={props.width}
      height={props.height}
      borderStyle={props.target ? charset.targetBorder : charset.border}
      borderColor={borderColor}
    >
      <Box>
        <Box flexShrink={0}>
          <Text bold={props.focused} inverse={props.target}>
            {` ${props.index + 1} ${props.node} `}
          </Text>
        </Box>
        <Text color={status === 'connected' ? 'green' : status === 'connecting' ? 'yellow' : 'red'}>{status === 'connected' ? '' : ` ${status}`}</Text>
        {props.target && <Text color="red" bold>{' >> KEYS'}</Text>}
        {props.selected && !props.target && <Text color="yellow">{' [sel]'}</Text>}
        {snap.altScreen && <Text dimColor>{' [full]'}</Text>}
        {snap.skipped > 0 && <Text color="yellow">{` [${Math.ceil(snap.skipped / 1024)} KiB skipped]`}</Text>}
        {props.scrolling && <Text color="yellow">{` [scroll -${snap.scrollOffset}/${snap.scrollbackLines}]`}</Text>}
        <Box flexGrow={1} />
        <Text color={gate.state === 'failed' ? 'red' : gate.state === 'passing' ? 'green' : 'yellow'} wrap="truncate-end">{gateText}</Text>
      </Box>
      {reason && (
        <Text color="red" wrap="truncate-end">
          {status}: {reason}
        </Text>
      )}
      <Box ref={linesRef} flexDirection="column">
        {lines.map((line, y) => (
          <Line key={y} line={line} colours={charset.colours} width={width} cursorX={cursorRow === y ? snap.cursor.x : null} />
        ))}
      </Box>
    </Box>
  );
});
