// The v2 header: who recorded what, where and when, on line 1 of every recording, so a file
// tells its own story even when it was cut off before the first event.
import { RECORDING_FORMAT } from './format.js';

/** A link from a resumed session's recording to the one it continues. */
export interface PreviousRecording {
  /** Path of the earlier recording, as given when resuming. */
  file: string;
  /** Its chain head (sha256 of its last complete line), pinning exactly what was continued. */
  head: string;
  /** Its number of complete lines when it was continued. */
  lines: number;
  /** The last step it completed (`runbook/step`), if any. */
  lastCompletedStep?: string;
}

export interface InventorySummary {
  nodes: { name: string; address?: string; groups: string[]; transport?: string }[];
  /** group → node names */
  groups: Record<string, string[]>;
}

/** Everything optional: a recorder that knows little still writes a valid header. */
export interface HeaderInfo {
  lockstep?: string;
  operator?: string;
  host?: string;
  runbooks?: { name: string; file: string; sha256: string }[];
  inventory?: InventorySummary;
  terminal?: { cols: number; rows: number };
  previous?: PreviousRecording;
  /** Variables given on the command line (`--var`), so rollback and resume render the same blocks. */
  vars?: Record<string, string>;
  /** Names of secret variables given on the command line: their values are never kept. */
  secretVars?: string[];
}

export interface RecordingHeaderV2 extends HeaderInfo {
  format: typeof RECORDING_FORMAT;
  version: 2;
  createdAt: string;
  /** How lines are chained: every event line's `prev` is sha256 (hex) of the previous line's bytes. */
  chain: 'sha256';
}

/** The inventory summary from nodes (plain data, so the recorder needs no inventory types). */
export function summarizeInventory(nodes: readonly { name: string; address?: string; host?: string; groups: readonly string[]; transport?: string }[]): InventorySummary {
  const groups: Record<string, string[]> = {};
  for (const n of nodes) for (const g of n.groups) (groups[g] ??= []).push(n.name);
  return {
    nodes: nodes.map((n) => ({ name: n.name, address: n.address ?? n.host, groups: [...n.groups], transport: n.transport })),
    groups,
  };
}
