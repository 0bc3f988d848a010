// What an earlier session left to roll back, read from its recording(s): the steps it ran
// (passed, failed, or cut off while running) and not rolled back since, each with the node
// backups its file blocks recorded (`file.backup`). Pure: the CLI reads the files.
//
// A session that resumed (or rolled back) another names it in its header (`previous`); the CLI
// passes the whole chain oldest first, so steps done before a resume are found too, and steps
// a later session rolled back are not rolled back twice.
import type { LockstepEvent } from '../state/events.js';
import type { StoredBackup } from '../steps/index.js';

/** Line of the first event in a recording (line 1 is the header). */
const FIRST_EVENT_LINE = 2;

export interface RollbackRecording {
  file: string;
  /** In file order: events[i] is on line i + 2. */
  events: readonly LockstepEvent[];
}

export interface EarlierStep {
  step: string;
  /** How it stands at the end of the chain: passed, failed, or running (cut off). */
  status: 'passed' | 'failed' | 'running';
  /** `file:line` of its last step.started. */
  startedAt: string;
  backups: StoredBackup[];
}

/** Steps ran and not rolled back, in the order they first ran. */
export function earlierSteps(chain: readonly RollbackRecording[]): EarlierStep[] {
  const steps = new Map<string, EarlierStep>();
  for (const rec of chain) {
    rec.events.forEach((e, n) => {
      const at = `${rec.file}:${n + FIRST_EVENT_LINE}`;
      switch (e.type) {
        case 'step.started': {
          const s = steps.get(e.step);
          // A retried step keeps the backups of its first run: they hold the original state.
          if (s) Object.assign(s, { status: 'running', startedAt: at });
          else steps.set(e.step, { step: e.step, status: 'running', startedAt: at, backups: [] });
          return;
        }
        case 'file.backup': {
          const s = steps.get(e.step) ?? { step: e.step, status: 'running' as const, startedAt: at, backups: [] };
          steps.set(e.step, s);
          if (!s.backups.some((b) => b.node === e.node && b.path === e.path)) {
            s.backups.push({ node: e.node, path: e.path, backup: e.backup, existed: e.existed, sha256: e.sha256, mode: e.mode, owner: e.owner, source: at });
          }
          return;
        }
        case 'step.finished': {
          const s = steps.get(e.step);
          if (!s) return;
          if (e.status === 'passed' || e.status === 'failed') s.status = e.status;
          // Rolled back: nothing left to undo. Skipped after running? Keep what it wrote.
          else if (e.status === 'rolled-back') steps.delete(e.step);
          return;
        }
        default:
          return;
      }
    });
  }
  // Re-check steps (`<id>.recheck`, from --resume) change nothing.
  return [...steps.values()].filter((s) => !s.step.endsWith('.recheck'));
}

/**
 * `run --resume`: the resumed plan, preceded by the steps the earlier session(s) ran and that do
 * not run again, so that rolling back from the resumed session reaches them too (through their
 * node backups). `earlier` is what the engine gets (`EngineOptions.earlier`); `startAt` is
 * where the run starts (the re-check, or the first step still to run).
 */
export function withEarlierSteps(
  full: { steps: readonly { id: string }[] },
  resumed: { steps: readonly { id: string }[] },
  earlier: readonly EarlierStep[],
): { prefix: string[]; startAt?: string; earlier: { step: string; backups: StoredBackup[] }[] } {
  const again = new Set(resumed.steps.map((s) => s.id));
  const ran = new Map(earlier.map((e) => [e.step, e]));
  const prefix = full.steps.filter((s) => ran.has(s.id) && !again.has(s.id)).map((s) => s.id);
  return {
    prefix,
    startAt: prefix.length > 0 ? resumed.steps[0]?.id : undefined,
    earlier: earlier.filter((e) => full.steps.some((s) => s.id === e.step)).map((e) => ({ step: e.step, backups: e.backups })),
  };
}
