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
  session: {
    plan: Plan;
    inventory: Inventory;
    operator: string;
    size: { cols: number; rows: number };
    previous?: PreviousRecording;
    /** `--var` values, and the names the runbooks declare secret (kept by name only). */
    vars?: { given: Record<string, string>; secretNames: ReadonlySet<string> };
  },
): Recorder {
  const { plan, inventory, operator, size, previous } = session;
  const kept: Record<string, string> = {};
  const secretVars: string[] = [];
  for (const [name, value] of Object.entries(session.vars?.given ?? {})) {
    if (session.vars?.secretNames.has(name) || plan.secrets.includes(value)) secretVars.push(name);
    else kept[name] = value;
  }
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
        ...(Object.keys(kept).length ? { vars: kept } : {}),
        ...(secretVars.length ? { secretVars } : {}),
      },
    });
  } catch (err) {
    throw new UserError(`cannot write the recording ${recordPath}: ${(err as Error).message}; choose another place with --record`);
  }
}
