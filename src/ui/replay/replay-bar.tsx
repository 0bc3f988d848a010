// The replay row above the footer: REPLAY, playing or paused, speed, time / duration, and the
// progress bar with its marks (│ step, g gate, x failure, o decision).
import React from 'react';
import { Box, Text } from 'ink';
import { useTui } from '../context.js';
import { formatClock, formatSpeed, progressCells, progressGlyphs, type CellKind } from './progress.js';
import type { ReplayUi } from './replay-ui.js';
import { useReplayState } from './use-replay.js';

export const REPLAY_BAR_ROWS = 1;

const COLOURS: Partial<Record<CellKind, string>> = { head: 'cyan', step: 'white', gate: 'green', failure: 'red', decision: 'yellow' };

export function ReplayBar({ replay, width }: { replay: ReplayUi; width: number }): React.ReactElement {
  const { charset } = useTui();
  const status = useReplayState(replay, (s) => s.status);
  const marks = replay.player.index.marks;
  // Tenths of a second when the whole recording is shorter than a minute.
  const clock = (ms: number): string => formatClock(ms, status.duration < 60_000);
  const state = status.seeking ? 'seeking' : status.playing ? `${charset.marks.running} playing` : status.ended ? `${charset.marks.ok} ended` : `${charset.marks.waiting} paused`;
  const left = ` REPLAY `;
  const info = ` ${state} ${formatSpeed(status.speed)} ${clock(status.t)}/${clock(status.duration)} `;
  const room = Math.max(1, width - left.length - info.length - 3);
  const cells = progressCells(room, status.t, status.duration, marks, progressGlyphs(charset.unicode));
  // Runs of one colour, so a wide bar is a handful of <Text>s.
  const runs: { text: string; colour?: string; dim: boolean }[] = [];
  for (const c of cells) {
    const colour = COLOURS[c.kind] ?? (c.played ? 'cyan' : undefined);
    const dim = !c.played && c.kind === 'rest';
    const last = runs.at(-1);
    if (last && last.colour === colour && last.dim === dim) last.text += c.char;
    else runs.push({ text: c.char, colour, dim });
  }
  return (
    <Box width={width} height={1}>
      <Text wrap="truncate-end">
        <Text color="black" backgroundColor="magenta" bold>{left}</Text>
        <Text bold color={status.playing ? 'green' : 'yellow'}>{info}</Text>
        {'['}
        {runs.map((r, i) => (
          <Text key={i} color={r.colour} dimColor={r.dim}>{r.text}</Text>
        ))}
        {']'}
      </Text>
    </Box>
  );
}
