// Full-area views over the panes: help, file diffs before they are written, divergence.
import React from 'react';
import { Box, Text } from 'ink';
import { selectFocusStep } from '../../state/index.js';
import { BINDINGS, LEAVE_TYPING_LABEL, keyLabel } from '../keys.js';
import { useTui } from '../context.js';
import { useSession } from '../hooks/use-session.js';
import { replayHelpLines } from '../replay/replay-footer.js';

interface Line {
  text: string;
  colour?: string;
  bold?: boolean;
}

function diffLines(diff: string): Line[] {
  return diff
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => ({
      text: l,
      colour: l.startsWith('+++') || l.startsWith('---') ? undefined : l.startsWith('+') ? 'green' : l.startsWith('-') ? 'red' : l.startsWith('@@') ? 'cyan' : undefined,
      bold: l.startsWith('+++') || l.startsWith('---'),
    }));
}

function Framed({ title, lines, width, height, offset }: { title: string; lines: Line[]; width: number; height: number; offset: number }): React.ReactElement {
  const { charset } = useTui();
  const room = Math.max(1, height - 3);
  const start = Math.min(offset, Math.max(0, lines.length - room));
  const shown = lines.slice(start, start + room);
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle={charset.border} borderColor="cyan" overflow="hidden">
      <Text bold inverse wrap="truncate-end">{` ${title} `}{lines.length > room ? ` (${start + 1}-${start + shown.length} of ${lines.length})` : ''}</Text>
      {shown.map((l, i) => (
        <Text key={i} color={l.colour} bold={l.bold} wrap="truncate-end">{l.text || ' '}</Text>
      ))}
    </Box>
  );
}

export function HelpOverlay({ replay = false, ...props }: { width: number; height: number; offset: number; replay?: boolean }): React.ReactElement {
  const { charset } = useTui();
  if (replay) return <Framed title="Keys (replay)" lines={replayHelpLines(charset.unicode)} {...props} />;
  const lines: Line[] = BINDINGS.map((b) => ({ text: `${b.keys.map(keyLabel).join(' ').padEnd(16)} ${b.help}` }));
  lines.push({ text: `${LEAVE_TYPING_LABEL.padEnd(16)} stop typing into panes, back to commands` }, { text: '' }, { text: 'Esc or q closes this help.', bold: true });
  return <Framed title="Keys" lines={lines} {...props} />;
}

export function DiffOverlay(props: { width: number; height: number; offset: number }): React.ReactElement {
  const step = useSession(selectFocusStep);
  const diffs = useSession((s) => s.diffs.filter((d) => d.step === step?.id));
  const lines: Line[] = [];
  for (const d of diffs) {
    const state = d.state === 'proposed' ? (d.changed ? 'NOT WRITTEN YET' : 'unchanged') : d.state;
    // The state first: on a narrow screen it is what must not be cut off.
    lines.push({ text: `[${state}] ${d.node}: ${d.path} (${d.existed ? 'changed file' : 'new file'})`, bold: true, colour: 'yellow' });
    if (d.changed) lines.push(...diffLines(d.diff));
    lines.push({ text: '' });
  }
  if (diffs.length === 0) lines.push({ text: 'This step has no file changes (yet).' });
  else if (diffs.some((d) => d.state === 'proposed' && d.changed)) lines.push({ text: 'a or n writes these files; s skips the step.', bold: true });
  return <Framed title={`File changes: ${step?.title ?? ''}`} lines={lines} {...props} />;
}

export function DivergenceOverlay(props: { width: number; height: number; offset: number }): React.ReactElement {
  const step = useSession(selectFocusStep);
  const all = useSession((s) => s.divergences);
  const list = all.filter((d) => d.step === step?.id);
  const divergences = list.length > 0 ? list : all.slice(-1);
  const lines: Line[] = [];
  for (const d of divergences) {
    lines.push({ text: `${d.block}: ${d.tie ? 'no majority; reference' : 'majority'} ${d.majority.join(', ')}`, bold: true });
    for (const o of d.outliers) {
      lines.push({ text: `${o.node} differs:`, colour: 'yellow', bold: true });
      lines.push(...diffLines(o.diff));
    }
    lines.push({ text: '' });
  }
  if (divergences.length === 0) lines.push({ text: 'All nodes printed the same output.' });
  return <Framed title="Divergence between nodes" lines={lines} {...props} />;
}
