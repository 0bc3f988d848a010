// The footer in replay: the step prompt, a message, or the replay keys (then the live keys that
// still work). Help overlay lines for replay live here too.
import React from 'react';
import { Box, Text } from 'ink';
import { LEAVE_TYPING_LABEL, REPLAY_BINDINGS, REPLAY_FOOTER_LIVE, REPLAY_PROMPT_KEYS, keyLabel, liveBindingsInReplay, liveOnlyBindings } from '../keys.js';
import type { ReplayUi } from './replay-ui.js';
import { useReplayState } from './use-replay.js';
import { progressGlyphs } from './progress.js';
import { useTui } from '../context.js';

/** Arrow labels in words where the terminal cannot show Unicode. */
function plain(label: string, unicode: boolean): string {
  return unicode ? label : label.replaceAll('←', 'Left').replaceAll('→', 'Right');
}

export function ReplayFooter({ replay, width, overlay }: { replay: ReplayUi; width: number; overlay: boolean }): React.ReactElement {
  const { charset } = useTui();
  const prompt = useReplayState(replay, (s) => s.prompt);
  const message = useReplayState(replay, (s) => s.message);
  let content: React.ReactNode;
  if (prompt !== null) {
    const steps = replay.player.index.steps.length;
    content = (
      <Text color="black" backgroundColor="yellow" bold>
        {` Jump to step (1-${steps}): ${prompt}_  ${keyLabel(REPLAY_PROMPT_KEYS.confirm[0])} jumps, Esc cancels `}
      </Text>
    );
  } else if (message) content = <Text color={message.warn ? 'yellow' : 'cyan'} bold>{message.text}</Text>;
  else if (overlay) content = <Text>{'Up/Down scroll, Esc or q closes'}</Text>;
  else {
    const live = liveBindingsInReplay().filter((b) => b.footer && REPLAY_FOOTER_LIVE.includes(b.command));
    const items = [
      ...REPLAY_BINDINGS.filter((b) => b.footer).map((b) => ({ key: plain(b.footerKeys ?? keyLabel(b.keys[0]!), charset.unicode), label: b.footer!, id: b.command as string })),
      ...live.map((b) => ({ key: keyLabel(b.keys[0]!), label: b.footer!, id: b.command as string })),
    ];
    content = items.map((it) => (
      <Text key={it.id}>
        <Text bold color="cyan">{it.key}</Text>
        {` ${it.label}  `}
      </Text>
    ));
  }
  return (
    <Box width={width} height={1}>
      <Text wrap="truncate-end">{content}</Text>
    </Box>
  );
}

export interface HelpLine {
  text: string;
  bold?: boolean;
}

/** The help overlay's lines in replay: replay keys, live keys that still work, live-only keys. */
export function replayHelpLines(unicode: boolean): HelpLine[] {
  const g = progressGlyphs(unicode);
  const row = (keys: string[], help: string): HelpLine => ({ text: `${plain(keys.map(keyLabel).join(' '), unicode).padEnd(16)} ${help}` });
  const lines: HelpLine[] = [{ text: 'Replay', bold: true }];
  for (const b of REPLAY_BINDINGS) lines.push(row(b.command === 'replay-step' ? ['1-9', '0', 'j'] : b.keys, b.help));
  lines.push({ text: `Bar: ${g.head} now  ${g.marks.step} step  ${g.marks.gate} gate  ${g.marks.failure} failure  ${g.marks.decision} operator decision` });
  lines.push({ text: '' }, { text: 'Panes', bold: true });
  for (const b of liveBindingsInReplay()) lines.push(row(b.keys, b.command === 'quit' ? 'quit the replay' : b.help));
  lines.push({ text: '' }, { text: 'Live only (disabled in replay: it cannot change the recording)', bold: true });
  for (const b of liveOnlyBindings()) lines.push(row(b.keys, b.help));
  lines.push({ text: `(${LEAVE_TYPING_LABEL} and typing into panes are live only too.)` });
  lines.push({ text: '' }, { text: 'Esc or q closes this help.', bold: true });
  return lines;
}
