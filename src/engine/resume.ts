// Resuming an interrupted session (`lockstep run --resume REC`), as pure functions over a
// recording's header and events and the Plan as it is now. No I/O: the CLI reads the file
// (src/record checks its hash chain and names bad lines) and writes the new recording.
//
// Where to continue is where the engine's cursor was when the recording stops, replayed from
// the step events the engine writes:
//   step.started S            → the cursor is at S (S is running)
//   step.finished S passed    → after S        step.finished S skipped → after S
//   step.finished S failed    → at S           step.finished S rolled-back → at S (a rollback
//                                              goes from the latest step down, so the last one wins)
// The step before the cursor is the last completed one. Its gates are re-checked first (when
// it was skipped, the nearest passed step before it: skipped steps changed nothing). The
// re-check is a step of its own, `<step id>.recheck`, with that step's gates and no actions, put
// in front of the steps still to run; step ids never contain a dot, so it cannot clash.
//
// A step cut off while running is run again from its first block, except when every one of its
// actions had finished well on every node and only its gates were cut off: then its gates are
// the re-check and the run continues after it.
//
// A recording that itself resumed another one names the step it continued after
// (header.previous.lastCompletedStep) and lists its re-check step, so resuming it again works
// the same way. Before any of this, the runbooks' content hashes and the steps' node lists must
// be the ones recorded: a changed runbook or inventory is refused (naming file:line), unless
// `force`, which turns each refusal into a warning.
import type { Plan, PlannedStep } from '../runbook/plan-types.js';
import type { LockstepEvent, StepStatus } from '../state/events.js';

/** Appended to a step id for the step that re-checks its gates. */
export const RECHECK_SUFFIX = '.recheck';

/** Line of the first event in a recording (line 1 is the header). */
const FIRST_EVENT_LINE = 2;

/** What resume needs from a recording (a DecodedRecording from src/record fits). */
export interface ResumeSource {
  file: string;
  header: {
    runbooks?: readonly { name: string; file: string; sha256: string }[];
    previous?: { lastCompletedStep?: string };
  };
  /** In file order: events[i] is on line i + 2. */
  events: readonly LockstepEvent[];
}

export interface ResumeOptions {
  /** Resume even though runbooks or the steps' nodes changed (each difference becomes a warning). */
  force?: boolean;
}

/** The recording does not fit the plan (or cannot be resumed): message names file:line. */
export class ResumeError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super(`${file}:${line}: ${message}`);
    this.name = 'ResumeError';
  }
}

export interface ResumePoint {
  /** The last step completed (passed or skipped) before the cursor; `line` is where that is recorded. */
  lastCompleted?: { id: string; status: 'passed' | 'skipped'; line: number };
  /** The step whose gates run again before anything else. */
  recheck?: { step: PlannedStep; why: 'last-completed' | 'gates-cut-off' };
  /** Why nothing is re-checked, when nothing is. */
  noRecheck?: string;
  /** Index in plan.steps of the first step still to run (plan.steps.length: none left). */
  nextIndex: number;
  /** A step that was running when the recording stops. */
  cutOff?: { id: string; line: number; actionsDone: boolean; finished: { block: string; node: string; exitCode: number | null }[] };
  /** The last step that failed at the cursor (it runs again). */
  failedAt?: { id: string; line: number; reason?: string };
  /** session.ended's status, if the session closed its recording. */
  ended?: { status: string; line: number };
  /** Differences accepted because of `force`. */
  warnings: string[];
}

const shortHash = (h: string) => `${h.slice(0, 12)}…`;
const recheckTarget = (id: string) => (id.endsWith(RECHECK_SUFFIX) ? id.slice(0, -RECHECK_SUFFIX.length) : undefined);
const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Runbooks recorded vs runbooks now: one sentence per difference. */
function runbookDifferences(recorded: readonly { name: string; file: string; sha256: string }[], plan: Plan): string[] {
  const out: string[] = [];
  for (const r of recorded) {
    const now = plan.runbooks.find((p) => p.name === r.name);
    if (!now) out.push(`runbook "${r.name}" (${r.file}) was part of the recorded session but is not part of this run`);
    else if (now.sha256 !== r.sha256) out.push(`runbook "${r.name}" (${now.file}) changed since it was recorded (sha256 ${shortHash(r.sha256)} then, ${shortHash(now.sha256)} now)`);
  }
  for (const p of plan.runbooks) if (!recorded.some((r) => r.name === p.name)) out.push(`runbook "${p.name}" (${p.file}) is new: the recorded session did not run it`);
  return out;
}

/** Works out where a resumed run starts; throws ResumeError when the recording does not fit the plan. */
export function findResumePoint(src: ResumeSource, plan: Plan, options: ResumeOptions = {}): ResumePoint {
  const { file, events } = src;
  const warnings: string[] = [];
  const refuse = (line: number, problems: string[]) => {
    if (problems.length === 0) return;
    if (options.force) {
      warnings.push(...problems);
      return;
    }
    throw new ResumeError(file, line, `${problems.join('; ')}. Resuming would run steps that are not the ones recorded; resume with --force to do it anyway, or start a new run`);
  };
  const lineOf = (i: number) => i + FIRST_EVENT_LINE;

  // 1. The runbooks and steps must be the ones recorded.
  const startedAt = events.findIndex((e) => e.type === 'session.started');
  const started = startedAt >= 0 ? (events[startedAt] as Extract<LockstepEvent, { type: 'session.started' }>) : undefined;
  const recordedRunbooks = src.header.runbooks ?? started?.runbooks;
  if (!recordedRunbooks) refuse(1, ['the recording does not say which runbooks it ran (no runbooks in its header)']);
  else refuse(src.header.runbooks ? 1 : lineOf(startedAt), runbookDifferences(recordedRunbooks, plan));
  let recheckListed: string | undefined;
  if (started) {
    const problems: string[] = [];
    for (const s of started.steps) {
      const target = recheckTarget(s.id);
      if (target !== undefined) {
        recheckListed ??= target;
        continue;
      }
      const now = plan.steps.find((p) => p.id === s.id);
      if (!now) problems.push(`step ${s.id} is not in the runbooks now`);
      else if (!same(now.nodes, s.nodes)) problems.push(`step ${s.id} ran on ${s.nodes.join(', ') || 'no node'} and would now run on ${now.nodes.join(', ') || 'no node'} (the inventory changed)`);
    }
    refuse(lineOf(startedAt), problems);
  }

  // 2. Replay the cursor.
  const index = (id: string) => plan.steps.findIndex((s) => s.id === id);
  const status = new Map<number, StepStatus>();
  const doneLine = new Map<number, number>();
  let cursor = 0;
  // A resumed recording starts after the step its own resume continued from.
  const continuedAfter = src.header.previous?.lastCompletedStep;
  const base = continuedAfter !== undefined ? index(continuedAfter) : recheckListed !== undefined ? index(recheckListed) : -1;
  if (continuedAfter !== undefined && base < 0) refuse(1, [`this recording resumed an earlier one after step ${continuedAfter}, which is not in the runbooks now`]);
  if (base >= 0) {
    cursor = base + 1;
    status.set(base, 'passed');
    doneLine.set(base, 1);
    // Its re-check step went back over skipped steps to a passed one.
    const r = recheckListed !== undefined ? index(recheckListed) : -1;
    if (r >= 0 && r < base) {
      status.set(r, 'passed');
      doneLine.set(r, 1);
      for (let k = r + 1; k <= base; k++) status.set(k, 'skipped');
    }
  }
  let running: { i: number; line: number; finished: { block: string; node: string; exitCode: number | null; ok: boolean }[] } | undefined;
  let failedAt: ResumePoint['failedAt'];
  let ended: ResumePoint['ended'];
  events.forEach((e, n) => {
    switch (e.type) {
      case 'step.started': {
        if (recheckTarget(e.step) !== undefined) return;
        const i = index(e.step);
        if (i < 0) return refuse(lineOf(n), [`step ${e.step} is not in the runbooks now`]);
        cursor = i;
        status.set(i, 'running');
        running = { i, line: lineOf(n), finished: [] };
        return;
      }
      case 'block.finished':
        if (running && plan.steps[running.i]?.id === e.step) running.finished.push({ block: e.block, node: e.node, exitCode: e.exitCode, ok: e.exitCode === 0 && !e.timedOut && !e.interrupted });
        return;
      case 'step.finished': {
        if (recheckTarget(e.step) !== undefined) return;
        const i = index(e.step);
        if (i < 0) return refuse(lineOf(n), [`step ${e.step} is not in the runbooks now`]);
        status.set(i, e.status);
        if (running?.i === i) running = undefined;
        if (e.status === 'passed' || e.status === 'skipped') {
          cursor = i + 1;
          doneLine.set(i, lineOf(n));
          failedAt = undefined;
        } else {
          cursor = i;
          failedAt = e.status === 'failed' ? { id: e.step, line: lineOf(n), reason: e.reason } : undefined;
        }
        return;
      }
      case 'session.ended':
        ended = { status: e.status, line: lineOf(n) };
        return;
      default:
        return;
    }
  });

  const point: ResumePoint = { nextIndex: Math.min(cursor, plan.steps.length), warnings: [...new Set(warnings)], ended, failedAt: failedAt?.id === plan.steps[cursor]?.id ? failedAt : undefined };

  // 3. A step cut off while running: if only its gates were, they are the re-check.
  if (running) {
    const step = plan.steps[running.i] as PlannedStep;
    const actionsDone = step.actions.every((a) => a.nodes.every((node) => running?.finished.some((f) => f.block === a.id && f.node === node && f.ok)));
    point.cutOff = { id: step.id, line: running.line, actionsDone, finished: running.finished.map(({ block, node, exitCode }) => ({ block, node, exitCode })) };
    if (actionsDone && step.gates.length > 0) {
      point.recheck = { step, why: 'gates-cut-off' };
      point.nextIndex = running.i + 1;
      const before = running.i - 1;
      const st = status.get(before);
      if (st === 'passed' || st === 'skipped') point.lastCompleted = { id: (plan.steps[before] as PlannedStep).id, status: st, line: doneLine.get(before) ?? 1 };
      return point;
    }
    if (actionsDone) {
      // Cut off between its last action and its step.finished, with no gates: it is done.
      status.set(running.i, 'passed');
      doneLine.set(running.i, running.line);
      point.nextIndex = running.i + 1;
    }
  }

  // 4. The last completed step and the gates to re-check.
  const last = point.nextIndex - 1;
  const st = status.get(last);
  if (last < 0 || (st !== 'passed' && st !== 'skipped')) {
    point.noRecheck = last < 0 ? 'no step was completed before it' : `the step before it (${plan.steps[last]?.id}) was not completed in this recording`;
    return point;
  }
  point.lastCompleted = { id: (plan.steps[last] as PlannedStep).id, status: st, line: doneLine.get(last) ?? 1 };
  let k = last;
  while (k >= 0 && status.get(k) === 'skipped') k--;
  const passed = k >= 0 && status.get(k) === 'passed' ? (plan.steps[k] as PlannedStep) : undefined;
  if (!passed) point.noRecheck = `${point.lastCompleted.id} was skipped and no step before it passed in this recording`;
  else if (passed.gates.length === 0) point.noRecheck = `${passed.id} has no gates`;
  else point.recheck = { step: passed, why: 'last-completed' };
  return point;
}

/** The step that re-checks `step`'s gates: no actions, no rollback, only the gates' nodes. */
export function recheckStep(step: PlannedStep, plan: Plan, explanation: string): PlannedStep {
  const used = new Set(step.gates.flatMap((g) => g.nodes));
  return {
    ...step,
    id: `${step.id}${RECHECK_SUFFIX}`,
    title: `Re-check: ${step.title}`,
    explanation,
    nodes: plan.nodes.map((n) => n.name).filter((n) => used.has(n)),
    actions: [],
    rollbacks: [],
  };
}

/**
 * The plan the resumed run executes: the re-check (if any), then the steps still to run.
 * Steps completed earlier are left out, so the session ends `completed` when the rest passes;
 * the engine gets them separately (`earlier`) so they can still be rolled back from the file
 * backups kept on the nodes.
 */
export function resumedPlan(plan: Plan, point: ResumePoint, file: string): Plan {
  const steps = plan.steps.slice(point.nextIndex);
  if (point.recheck) {
    const why = point.recheck.why === 'gates-cut-off' ? 'its gates were cut off' : 'it is the last step completed';
    steps.unshift(recheckStep(point.recheck.step, plan, `Resuming ${file}: ${point.recheck.step.id} ${why}; its gates run again before anything else.`));
  }
  return { ...plan, steps };
}

/** Plain lines for the operator: what was done, what is re-checked, where the run continues. */
export function describeResume(point: ResumePoint, plan: Plan, file: string): string[] {
  const out: string[] = [];
  const total = plan.steps.length;
  for (const w of point.warnings) out.push(`warning (--force): ${w}`);
  if (point.ended) out.push(`the session ended ${point.ended.status} (${file}:${point.ended.line})`);
  else out.push(`the session was cut off (no session end recorded in ${file})`);
  if (point.lastCompleted) out.push(`last completed step: ${point.lastCompleted.id} (${point.lastCompleted.status}, ${file}:${point.lastCompleted.line})`);
  if (point.cutOff) {
    const c = point.cutOff;
    const where = `${file}:${c.line}`;
    if (c.actionsDone && point.recheck?.why === 'gates-cut-off') out.push(`${c.id} was cut off in its gates (${where}); every action had finished on every node, so only its gates run again`);
    else if (c.actionsDone) out.push(`${c.id} was cut off after every action had finished on every node (${where}); it has no gates, so it counts as done`);
    else {
      const blocks = [...new Set(c.finished.map((f) => f.block))];
      out.push(`${c.id} was cut off while running (${where}); it runs again from its first block${blocks.length ? ` (blocks that had finished somewhere: ${blocks.join(', ')})` : ''}`);
    }
  }
  if (point.failedAt) out.push(`${point.failedAt.id} failed (${file}:${point.failedAt.line}${point.failedAt.reason ? `: ${point.failedAt.reason}` : ''}); it runs again`);
  if (point.recheck) out.push(`re-checking the gates of ${point.recheck.step.id} first (${point.recheck.step.gates.map((g) => g.id).join(', ')})`);
  else out.push(`nothing to re-check: ${point.noRecheck ?? 'no gates'}`);
  const next = plan.steps[point.nextIndex];
  out.push(next ? `continuing at ${next.id} (step ${point.nextIndex + 1} of ${total})` : 'no steps left to run');
  return out;
}
