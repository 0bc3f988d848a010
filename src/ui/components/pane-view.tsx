// One node's live screen inside a border, drawn from its terminal snapshot. The cursor is
// drawn in reverse video on the focused pane.
import React from 'react';
import { Box, Text } from 'ink';
import type { ScreenSnapshot, StyledLine, StyledRun } from '../../terminal/index.js';
import { selectFocusStep } from '../../state/index.js';
import { shownGate } from '../selectors.js';
import { useTui } from '../context.js';
import { encodeRun, type ColourDepth } from '../sgr.js';
import { useSession } from '../hooks/use-session.js';

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
  // A screen taller than the pane (a recording replayed in a smaller layout) shows the rows up
  // to its cursor, where the action is, rather than only its top.
  const top = snap.scrollOffset === 0 && snap.cursor.y >= innerRows ? Math.min(snap.lines.length - innerRows, snap.cursor.y - innerRows + 1) : 0;
  const lines = snap.lines.slice(top, top + innerRows);
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
      {lines.map((line, y) => (
        <Line key={y} line={line} colours={charset.colours} width={Math.max(1, props.width - 2)} cursorX={props.focused && snap.cursor.visible && snap.cursor.y === y + top ? snap.cursor.x : null} />
      ))}
    </Box>
  );
});
