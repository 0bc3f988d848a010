// Bottom line: the keys that matter now, or the question being asked.
import React from 'react';
import { Box, Text } from 'ink';
import { BINDINGS, LEAVE_TYPING_LABEL, keyLabel } from '../keys.js';
import type { UiState } from '../ui-state.js';
import { useTui } from '../context.js';
import { ReplayFooter } from '../replay/replay-footer.js';
import type { ReplayUi } from '../replay/replay-ui.js';

export function Footer({ ui, width, replay }: { ui: UiState; width: number; replay?: ReplayUi | null }): React.ReactElement {
  const { readOnly } = useTui();
  if (ui.confirm) {
    return (
      <Box width={width} height={1}>
        <Text color="black" backgroundColor="yellow" bold wrap="truncate-end">{` ${ui.confirm.message} [y/n] `}</Text>
      </Box>
    );
  }
  if (replay && ui.mode === 'command') return <ReplayFooter replay={replay} width={width} overlay={ui.overlay !== null} />;
  let content: React.ReactNode;
  if (ui.mode === 'typing') content = <Text>{`Keys go to the pane(s) marked KEYS. ${LEAVE_TYPING_LABEL}: back to commands.`}</Text>;
  else if (ui.mode === 'scroll') content = <Text>{'Up/Down/PgUp/PgDn scroll, g top, q back to live'}</Text>;
  else if (ui.overlay) content = <Text>{'Up/Down scroll, Esc or q closes'}</Text>;
  else if (ui.hint) content = <Text color="yellow">{ui.hint}</Text>;
  else
    content = BINDINGS.filter((b) => b.footer && !(readOnly && b.engine)).map((b) => (
      <Text key={b.command}>
        <Text bold color="cyan">{keyLabel(b.keys[0]!)}</Text>
        {` ${b.footer}  `}
      </Text>
    ));
  return (
    <Box width={width} height={1}>
      <Text wrap="truncate-end">{content}</Text>
    </Box>
  );
}
