// Opening the recording of a session that `run`, `rollback` and `start` drive: the header says
// who, where, what and (for a resumed or rollback session) which recording it continues.
import { hostname } from 'node:os';
import type { Inventory } from '../inventory/index.js';
import { Recorder, summarizeInventory, type PreviousRecording } from '../record/index.js';
import type { Plan } from '../runbook/index.js';
import { UserError } from './errors.js';
import { VERSION } from './version.js';

export function openSessionRecorder(
  recordPath: string,
  session: { plan: Plan; inventory: Inventory; operator: string; size: { cols: number; rows: number }; previous?: PreviousRecording },
): Recorder {
  const { plan, inventory, operator, size, previous } = session;
  try {
    return new Recorder(recordPath, {
      secrets: plan.secrets,
      header: {
        lockstep: VERSION,
        operator,
        host: hostname(),
        runbooks: plan.runbooks.map((r) => ({ name: r.name, file: r.file, sha256: r.sha256 })),
        inventory: summarizeInventory(inventory.nodes),
        terminal: size,
        previous,
      },
    });
  } catch (err) {
    throw new UserError(`cannot write the recording ${recordPath}: ${(err as Error).message}; choose another place with --record`);
  }
}
