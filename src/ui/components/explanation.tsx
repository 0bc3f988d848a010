// The focused step: title, prose, what it will change (learning mode), gate failures with
// their reasons, and what the engine waits for.
import React from 'react';
import { Box, Text } from 'ink';
import { selectFocusStep, type WaitReason } from '../../state/index.js';
import { shownGate } from '../selectors.js';
import { useTui } from '../context.js';
import { useSession } from '../hooks/use-session.js';
import { Markdown } from './markdown.js';

function firstParagraph(md: string): string {
  return md.trim().split(/\n\s*\n/)[0] ?? '';
}

export function Explanation({ width }: { width: number }): React.ReactElement | null {
  const { mode, charset } = useTui();
  const step = useSession(selectFocusStep);
  const waiting = useSession((s) => s.waiting);
  const proposed = useSession((s) => s.diffs.filter((d) => d.step === step?.id && d.state === 'proposed' && d.changed));
  if (!step) return null;
  const failures = step.nodes.flatMap((n) => {
    const g = shownGate(step, n);
    return g.state === 'failed' ? [{ node: n, reason: g.failed?.reason ?? 'failed' }] : [];
  });
  const paths = [...new Set(proposed.map((d) => d.path))];
  return (
    <Box flexDirection="column" width={width}>
      <Text bold wrap="truncate-end">{step.title}</Text>
      <Markdown source={mode === 'learn' ? step.explanation : firstParagraph(step.explanation)} />
      {mode === 'learn' && step.status === 'pending' && step.changes.length > 0 && (
        <Box flexDirection="column">
          <Text bold>This step will:</Text>
          {step.changes.map((c) => (
            <Text key={c} wrap="wrap">{charset.bullet} {c}</Text>
          ))}
        </Box>
      )}
      {mode === 'learn' && paths.length > 0 && (
        <Box flexDirection="column">
          <Text bold>Will change:</Text>
          {paths.map((p) => (
            <Text key={p} wrap="wrap">{charset.bullet} {p} on {proposed.filter((d) => d.path === p).length} node(s)</Text>
          ))}
        </Box>
      )}
      {failures.map((f) => (
        <Text key={f.node} color="red" wrap="wrap">
          {charset.marks.gateFailed} {f.node}: {f.reason}
        </Text>
      ))}
      {step.reason && step.status !== 'running' && <Text color="red" wrap="wrap">{step.reason}</Text>}
      {waiting && waiting.step === step.id && <WaitingHint reason={waiting.reason} />}
    </Box>
  );
}

const NOTICE_COLOUR = { info: undefined, warn: 'yellow', error: 'red' } as const;

/** The latest engine notices (connection trouble, warnings), newest last. */
export function Notices({ width, count = 3 }: { width: number; count?: number }): React.ReactElement {
  const notices = useSession((s) => s.notices.slice(-count));
  return (
    <Box flexDirection="column" width={width}>
      {notices.map((n) => (
        <Text key={`${n.t}-${n.message}`} color={NOTICE_COLOUR[n.level]} wrap="truncate-end">
          {n.node ? `${n.node}: ` : ''}
          {n.message}
        </Text>
      ))}
    </Box>
  );
}

function WaitingHint({ reason }: { reason: WaitReason }): React.ReactElement {
  const text: Record<WaitReason, string> = {
    approval: 'Waiting for approval: d shows the diff, n or a approves, s skips.',
    failed: 'Step failed: r retries, s skips, u rolls back, v shows divergence.',
    paused: 'Paused: p resumes.',
    gate: 'Gate passed: n runs the next step.',
    done: 'All steps done: q quits.',
  };
  return <Text color="yellow" wrap="wrap">{text[reason] ?? ''}</Text>;
}
