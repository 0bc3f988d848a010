// The panes, as the layout says: a grid, one pane behind tabs, or one zoomed pane.
import React, { useEffect, useMemo, useSyncExternalStore } from 'react';
import { Box, Text, useStdout } from 'ink';
import { useTui } from '../context.js';
import type { PaneLayout } from '../layout.js';
import { PaneFrames } from '../pane-frames.js';
import { PaneView } from './pane-view.js';

export interface PaneGridProps {
  layout: PaneLayout;
  nodes: readonly string[];
  focus: number;
  targets: readonly string[];
  selected: readonly string[];
  scrolling: boolean;
}

/** Re-renders when a frame is published (or its props change); each pane only when its own screen or props did. */
export const PaneGrid = React.memo(function PaneGrid({ layout, nodes, focus, targets, selected, scrolling }: PaneGridProps): React.ReactElement {
  const { session } = useTui();
  const { stdout } = useStdout();
  // The fast path writes to a real terminal only (tests read whole frames from a fake one).
  const frames = useMemo(
    () => new PaneFrames(session.panes, undefined, stdout.isTTY ? (data) => void stdout.write(data) : undefined),
    [session.panes, stdout],
  );
  useEffect(() => () => frames.dispose(), [frames]);
  useSyncExternalStore(frames.subscribe, frames.getVersion);
  const focused = nodes[focus];
  const pane = (node: string, width: number, height: number): React.ReactElement => (
    <PaneView
      key={node}
      node={node}
      snap={frames.snapshot(node)}
      frames={frames}
      index={nodes.indexOf(node)}
      width={width}
      height={height}
      focused={node === focused}
      target={targets.includes(node)}
      selected={selected.includes(node)}
      scrolling={scrolling && node === focused}
    />
  );
  if (layout.kind !== 'grid') {
    return (
      <Box flexDirection="column" width={layout.area.cols} height={layout.area.rows}>
        {layout.kind === 'tabs' && (
          <Text wrap="truncate-end">
            {nodes.map((n, i) => (
              <Text key={n} inverse={n === focused} color={targets.includes(n) ? 'red' : undefined}>{` ${i + 1}:${n} `}</Text>
            ))}
          </Text>
        )}
        {layout.visible.map((n) => pane(n, layout.cell.cols, layout.cell.rows))}
      </Box>
    );
  }
  const rows: string[][] = [];
  for (let r = 0; r < layout.gridRows; r++) rows.push(layout.visible.slice(r * layout.gridCols, (r + 1) * layout.gridCols));
  return (
    <Box flexDirection="column" width={layout.area.cols} height={layout.area.rows}>
      {rows.map((row, r) => (
        <Box key={r} flexDirection="row" height={layout.cell.rows}>
          {row.map((n) => pane(n, layout.cell.cols, layout.cell.rows))}
        </Box>
      ))}
    </Box>
  );
});
