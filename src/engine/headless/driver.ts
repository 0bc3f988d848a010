// The headless driver: prints the engine's events and, when the engine waits, asks the
// operator on stdin (or, with --yes, never asks). Exit codes: 0 completed, 1 a step or gate
// failed, 3 aborted by the operator, 130 interrupted (Ctrl-C).
import { createInterface, type Interface } from 'node:readline';
import type { Engine, SessionEnd } from '../engine.js';
import type { LockstepEvent, OperatorIntent } from '../../state/events.js';
import { HeadlessFormatter } from './format.js';

export interface HeadlessOptions {
  secrets: readonly string[];
  out: NodeJS.WritableStream;
  /** Where answers come from when the engine waits; none with --yes. */
  input?: NodeJS.ReadableStream;
  color?: boolean;
}

export function exitCodeFor(end: SessionEnd): number {
  switch (end) {
    case 'completed':
      return 0;
    case 'failed':
      return 1;
    case 'aborted':
      return 3;
    case 'interrupted':
      return 130;
  }
}

/** Maps an answer typed at a headless prompt to an intent; null when not understood. */
export function answerToIntent(answer: string, reason: string, step: string | undefined): OperatorIntent | null {
  const a = answer.trim().toLowerCase();
  if (a === 'q' || a === 'quit') return { kind: 'quit' };
  if (reason === 'paused') return a === '' || a === 'c' || a === 'y' ? { kind: 'resume' } : null;
  if (reason === 'done') {
    const m = /^b(?:ack)?\s+(\S+)$/.exec(answer.trim());
    if (m?.[1]) return { kind: 'rollback', toStep: m[1] };
    return a === '' ? { kind: 'quit' } : null;
  }
  if (!step) return null;
  if (a === 's' || a === 'skip') return { kind: 'skip', step };
  if (a === 'b' || a === 'rollback') return { kind: 'rollback', toStep: step };
  const m = /^b(?:ack)?\s+(\S+)$/.exec(answer.trim());
  if (m?.[1]) return { kind: 'rollback', toStep: m[1] };
  if (reason === 'failed') return a === 'r' || a === 'retry' ? { kind: 'retry', step } : null;
  if (a === '' || a === 'y' || a === 'yes') return { kind: 'approve', step };
  if (a === 'g') return { kind: 'run-to-gate' };
  return null;
}

const QUESTIONS: Record<string, string> = {
  approval: 'Run it? [Y]es / [g] run to next gate / [s]kip / [b]ack N: roll back to step N / [q]uit: ',
  gate: 'Gate passed. Continue? [Y]es / [g] run to next gate / [s]kip / [q]uit: ',
  failed: 'Step failed. [r]etry / [s]kip / [b] roll it back / [b N] roll back to step N / [q]uit: ',
  paused: 'Paused. [c]ontinue / [q]uit: ',
  done: 'All steps done. [Enter] finish / [b N] roll back to step N: ',
};

/** Prints events to `out` and answers the engine's waits from `input`; resolves with the exit code. */
export async function runHeadless(engine: Engine, options: HeadlessOptions): Promise<number> {
  const formatter = new HeadlessFormatter({ secrets: options.secrets, color: options.color });
  const print = (lines: string[]) => {
    if (lines.length) options.out.write(`${lines.join('\n')}\n`);
  };
  let rl: Interface | undefined;
  let closed = false;
  if (options.input) {
    rl = createInterface({ input: options.input, terminal: false });
    rl.on('close', () => {
      closed = true;
    });
  }
  const lines: string[] = [];
  const lineWaiters: ((l: string | null) => void)[] = [];
  rl?.on('line', (l) => {
    const w = lineWaiters.shift();
    if (w) w(l);
    else lines.push(l);
  });
  rl?.on('close', () => {
    for (const w of lineWaiters.splice(0)) w(null);
  });
  const nextLine = () => (lines.length ? Promise.resolve(lines.shift() ?? '') : closed ? Promise.resolve(null) : new Promise<string | null>((r) => lineWaiters.push(r)));

  const ask = async (e: Extract<LockstepEvent, { type: 'engine.waiting' }>) => {
    for (;;) {
      options.out.write(QUESTIONS[e.reason] ?? '? ');
      const line = await nextLine();
      if (line === null) {
        print(['', 'lockstep: no more input to answer with; quitting (use --yes to run without asking)']);
        engine.dispatch({ kind: 'quit' });
        return;
      }
      const intent = answerToIntent(line, e.reason, e.step);
      if (intent) {
        engine.dispatch(intent);
        return;
      }
      options.out.write('  not understood\n');
    }
  };

  const off = engine.subscribe((e) => {
    print(formatter.format(e));
    if (e.type === 'engine.waiting') {
      if (!rl) {
        // Nobody to ask: only reached without --yes when there is no input at all.
        engine.dispatch({ kind: 'quit' });
        return;
      }
      void ask(e);
    }
  });
  for (const e of engine.history()) print(formatter.format(e));
  try {
    return exitCodeFor(await engine.run());
  } finally {
    off();
    rl?.close();
  }
}
