// Top line: the session, the mode, and where keys go right now (the broadcast indicator).
import React from 'react';
import { Box, Text } from 'ink';
import { useTui } from '../context.js';
import { useSession } from '../hooks/use-session.js';
import type { UiState } from '../ui-state.js';
import { LEAVE_TYPING_LABEL } from '../keys.js';
import { selectPaneNodes } from '../selectors.js';

export function KeyTarget({ ui, targets, total }: { ui: UiState; targets: readonly string[]; total: number }): React.ReactElement {
  const { charset } = useTui();
  if (ui.mode === 'scroll') return <Text color="black" backgroundColor="yellow">{' SCROLL (q leaves) '}</Text>;
  if (ui.mode !== 'typing') return <Text dimColor>{' keys: commands '}</Text>;
  const leave = ` (${LEAVE_TYPING_LABEL} stops)`;
  if (targets.length > 1 || ui.target !== 'focused') {
    const who = targets.length === total ? `ALL ${total} PANES` : targets.length === 0 ? 'NO PANE SELECTED' : targets.join(', ');
    return <Text color="white" backgroundColor="red" bold>{` BROADCAST ${charset.arrow} ${who}${leave} `}</Text>;
  }
  return <Text color="black" backgroundColor="yellow" bold>{` KEYS ${charset.arrow} ${targets[0] ?? '?'}${leave} `}</Text>;
}

export function Header({ ui, targets, width }: { ui: UiState; targets: readonly string[]; width: number }): React.ReactElement {
  const { mode, readOnly, charset } = useTui();
  const runbooks = useSession((s) => s.meta?.runbooks.map((r) => r.name).join(', ') ?? '');
  const total = useSession((s) => selectPaneNodes(s).length);
  const ended = useSession((s) => s.ended);
  const paused = useSession((s) => s.paused);
  const waiting = useSession((s) => s.waiting?.reason ?? null);
  return (
    <Box width={width} height={1}>
      <Text bold wrap="truncate-end">
        {' lockstep '}
        <Text dimColor>{runbooks}</Text>
        {` ${mode === 'learn' ? 'learning' : 'production'}${readOnly ? ' replay' : ''}`}
        {ended ? <Text color={ended === 'completed' ? 'green' : 'red'}>{` session ${ended}`}</Text> : null}
        {paused ? <Text color="yellow">{` ${charset.marks.waiting} paused`}</Text> : null}
        {!paused && waiting ? <Text color="yellow">{` ${charset.marks.waiting} waiting: ${waiting}`}</Text> : null}
      </Text>
      <Box flexGrow={1} />
      <KeyTarget ui={ui} targets={targets} total={total} />
    </Box>
  );
}
