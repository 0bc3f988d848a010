// The runbook's steps with their status and a mark per node (and per node gate).
import React from 'react';
import { Box, Text } from 'ink';
import { selectFocusStep, type NodeMark, type StepView } from '../../state/index.js';
import { shownGate } from '../selectors.js';
import { useTui } from '../context.js';
import { useSession } from '../hooks/use-session.js';
import type { Charset } from '../charset.js';

const STATUS_COLOUR: Record<StepView['status'], string | undefined> = {
  pending: undefined, running: 'yellow', passed: 'green', failed: 'red', skipped: 'gray', 'rolled-back': 'magenta',
};

export function statusGlyph(status: StepView['status'], c: Charset): string {
  switch (status) {
    case 'pending': return c.marks.pending;
    case 'running': return c.marks.running;
    case 'passed': return c.marks.ok;
    case 'failed': return c.marks.failed;
    case 'skipped': return c.marks.skipped;
    case 'rolled-back': return c.marks.rolledBack;
  }
}

function markGlyph(m: NodeMark, c: Charset): { ch: string; colour?: string } {
  switch (m) {
    case 'pending': return { ch: c.marks.pending, colour: 'gray' };
    case 'running': return { ch: c.marks.running, colour: 'yellow' };
    case 'ok': return { ch: c.marks.ok, colour: 'green' };
    case 'failed': return { ch: c.marks.failed, colour: 'red' };
    case 'skipped': return { ch: c.marks.skipped, colour: 'gray' };
    case 'rolled-back': return { ch: c.marks.rolledBack, colour: 'magenta' };
  }
}

/** One character per node: the block result, overridden by the gate state when there is one. */
function NodeMarks({ step }: { step: StepView }): React.ReactElement {
  const { charset } = useTui();
  return (
    <Text>
      {step.nodes.map((n) => {
        const gate = shownGate(step, n);
        if (gate.state === 'failed') return <Text key={n} color="red">{charset.marks.gateFailed}</Text>;
        if (gate.state === 'pending') return <Text key={n} color="yellow">{charset.marks.gatePending}</Text>;
        if (gate.state === 'passing') return <Text key={n} color="green">{charset.marks.gatePassing}</Text>;
        const g = markGlyph(step.marks[n] ?? 'pending', charset);
        return <Text key={n} color={g.colour}>{g.ch}</Text>;
      })}
    </Text>
  );
}

export function StepList({ width, maxRows }: { width: number; maxRows: number }): React.ReactElement {
  const { charset } = useTui();
  const steps = useSession((s) => s.steps);
  // The arrow marks the step the operator is looking at (the one the engine waits on, or runs).
  const current = useSession((s) => selectFocusStep(s)?.id ?? null);
  const i = Math.max(0, steps.findIndex((s) => s.id === current));
  // Keep that step in view when the list is longer than the space.
  const start = Math.max(0, Math.min(i - Math.floor(maxRows / 3), steps.length - maxRows));
  const shown = steps.slice(start, start + maxRows);
  return (
    <Box flexDirection="column" width={width}>
      {shown.map((s) => (
        <Box key={s.id} width={width}>
          <Text color={STATUS_COLOUR[s.status]} bold={s.id === current} wrap="truncate-end">
            {s.id === current ? charset.arrow.slice(-1) : ' '}
            {statusGlyph(s.status, charset)} {s.title}
          </Text>
          <Box flexGrow={1} />
          <Box flexShrink={0} marginLeft={1}>
            <NodeMarks step={s} />
          </Box>
        </Box>
      ))}
    </Box>
  );
}
