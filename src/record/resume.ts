// Resuming an interrupted session: what the new recording's header links to, and where the
// new run starts. The engine re-checks the last completed step's gates before going on.
import { auditRecording, resumePoint } from './audit.js';
import type { PreviousRecording } from './header.js';
import { readRecording, RecordingError } from './reader.js';

export interface ResumePlan {
  /** For the new recording's header (`previous`). */
  previous: PreviousRecording;
  /** The last step completed (passed or skipped, with all before it done), if any. */
  lastCompleted?: string;
  /** The step to start at (undefined: every step was done). */
  next?: string;
  /** The old session ended cleanly (resuming it is unusual but allowed). */
  endedCleanly: boolean;
}

/** Reads (and checks: throws RecordingError naming the bad line) the recording to resume. */
export function planResume(file: string): ResumePlan {
  const r = readRecording(file);
  if (r.version !== 2 || r.head === null) throw new RecordingError(file, 1, 'format v1 has no hash chain: only v2 recordings can be resumed', 'not-recording');
  const report = auditRecording({ file, version: r.version, lines: r.lines, head: r.head, ended: r.ended, header: r.header, events: r.events });
  const point = resumePoint(report);
  return {
    previous: { file, head: r.head, lines: r.lines, lastCompletedStep: point.lastCompleted },
    lastCompleted: point.lastCompleted,
    next: point.next,
    endedCleanly: r.ended,
  };
}
