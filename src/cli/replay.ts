// `lockstep replay REC`: the recorded session again, fed through the same reducer and pane
// screens as a live run. With a TTY: the replay TUI (play/pause, speed, seek, jumps; read-only). Headless: `--to-step N --screens`
// prints every node's screen at the end of step N; `--log` prints it as `run --no-tui` did.
import type { Command } from 'commander';
import { HeadlessFormatter } from '../engine/headless/index.js';
import type { LockstepEvent } from '../state/events.js';
import { selectSteps } from '../state/selectors.js';
import { findStepSpan } from '../record/replay-index.js';
import { openReplay } from '../record/replay-source.js';
import { storeAt } from '../record/screens.js';
import { buildReplayIndex } from '../record/replay-index.js';
import { MAX_SPEED, MIN_SPEED } from '../record/timeline.js';
import { UserError } from './errors.js';
import { loadRecordingForUse } from './verify.js';

interface ReplayOptions {
  toStep?: string;
  screens?: boolean;
  log?: boolean;
  speed: string;
  idleLimit: string;
  tui: boolean;
}

export function register(program: Command): void {
  program
    .command('replay')
    .description('replay a recording: the TUI with a terminal, or headless screens / log for scripts')
    .argument('<recording>', 'a lockstep recording (.jsonl)')
    .option('--to-step <n>', 'stop at the end of step N (1-based, or a step id)')
    .option('--screens', "print every node's screen (at the end of --to-step, else at the end) and exit")
    .option('--log', 'print the session as headless `run --no-tui` output and exit')
    .option('--speed <x>', `playback speed, ${MIN_SPEED} to ${MAX_SPEED}`, '1')
    .option('--idle-limit <seconds>', 'play pauses longer than this as this long (0: never)', '2')
    .option('--no-tui', 'never start the terminal UI (same as --screens)')
    .action(async (file: string, opts: ReplayOptions) => {
      const d = loadRecordingForUse(file);
      const speed = Number(opts.speed);
      if (!(speed >= MIN_SPEED && speed <= MAX_SPEED)) throw new UserError(`--speed ${opts.speed}: expected a number from ${MIN_SPEED} to ${MAX_SPEED}`);
      const idle = Number(opts.idleLimit);
      if (!(idle >= 0)) throw new UserError(`--idle-limit ${opts.idleLimit}: expected seconds (0 or more)`);
      if (opts.log) return printLog(d.events);
      const tty = Boolean(process.stdout.isTTY && process.stdin.isTTY);
      if (opts.screens || opts.toStep !== undefined || !opts.tui || !tty) return printScreens(file, d.events, opts.toStep);
      await replayInTui(d.events, speed, idle * 1000);
    });
}

function printLog(events: readonly LockstepEvent[]): void {
  const f = new HeadlessFormatter({ secrets: [], color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR });
  for (const e of events) for (const line of f.format(e)) process.stdout.write(`${line}\n`);
}

/** The event count at the end of step `which`, or a clear error. */
export function endOfStep(file: string, events: readonly LockstepEvent[], which: string): { end: number; label: string } {
  const index = buildReplayIndex(events);
  const n = /^\d+$/.test(which) ? Number(which) : which;
  const span = findStepSpan(index, n);
  const list = index.steps.map((s) => `${s.number} ${s.id}`).join(', ');
  if (!span) throw new UserError(`--to-step ${which}: no such step in ${file}; steps are: ${list || 'none'}`);
  const end = span.ends.at(-1);
  if (end === undefined) throw new UserError(`--to-step ${which}: step ${span.number} (${span.id}) never finished in ${file}${span.starts.length ? ' (it was still running when the recording ends)' : ' (it never started)'}; choose an earlier step`);
  return { end, label: `the end of step ${span.number}: ${span.title}` };
}

async function printScreens(file: string, events: readonly LockstepEvent[], toStep: string | undefined): Promise<void> {
  const at = toStep === undefined ? { end: events.length, label: 'the end of the recording' } : endOfStep(file, events, toStep);
  const store = await storeAt(events, at.end, { scrollback: 200 });
  try {
    const state = store.state.getState();
    const out: string[] = [`${file}: at ${at.label}`, ''];
    selectSteps(state).forEach((s, i) => out.push(`  ${String(i + 1).padStart(2)}. ${s.status.padEnd(11)} ${s.title} (${s.id})`));
    const names = state.nodes.map((n) => n.name).filter((n) => store.panes.has(n));
    for (const name of names) {
      const pane = store.panes.get(name);
      const bar = `── ${name} (${pane.cols}x${pane.rows}) `;
      // Blank rows below the last line written are left out: scripts compare what was printed.
      out.push('', `${bar}${'─'.repeat(Math.max(0, pane.cols - bar.length))}`, pane.text().replace(/\n+$/, ''));
    }
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    store.dispose();
  }
}

async function replayInTui(events: readonly LockstepEvent[], speed: number, idleLimitMs: number): Promise<void> {
  // Recorded panes keep their recorded size (a screen re-wrapped to another size would not be
  // what the operator saw); the TUI clips them to its layout.
  const replay = openReplay(events, { speed, idleLimitMs, scrollback: 10_000 });
  const ui = await import('../ui/index.js');
  // The TUI renders the controller's store and follows the new one a backward seek builds;
  // its replay keys drive the controller. No intent ever reaches an engine.
  const tui = ui.startTui({ replay, dispatch: () => undefined });
  replay.play();
  try {
    await tui.waitUntilExit();
  } finally {
    replay.dispose();
  }
}
