// The plan: a runbook set rendered against an inventory. Every block is resolved to the
// nodes it runs on and to the exact text each node gets. Pure data: the engine executes it,
// `lockstep plan` prints it, recordings pin it.
import type { BlockKind, SourcePos } from './types.js';

/** What one block becomes on one node, after variable substitution. */
export type RenderedBlock =
  | { kind: 'run' | 'rollback'; script: string }
  | { kind: 'verify'; script: string; retries: number; intervalMs: number; expect?: string }
  | { kind: 'file'; path: string; mode?: number; owner?: string; content: string }
  | { kind: 'san-check'; options: Record<string, unknown>; retries: number; intervalMs: number };

export interface PlannedBlock {
  /** Globally unique: `<runbook>/<step-id>/<block-id>`. */
  id: string;
  kind: BlockKind;
  source: SourcePos;
  /** Node names, in inventory order. */
  nodes: string[];
  /** Node name → the block as that node gets it. */
  perNode: Record<string, RenderedBlock>;
  timeoutMs?: number;
}

export interface PlannedStep {
  /** Globally unique: `<runbook>/<step-id>`. */
  id: string;
  runbook: string;
  title: string;
  source: SourcePos;
  /** Markdown prose shown to the operator. */
  explanation: string;
  /** Every node any block of this step touches, in inventory order. */
  nodes: string[];
  /** run and file blocks, in document order. */
  actions: PlannedBlock[];
  /** verify and san-check blocks: all must pass on all their nodes before the next step. */
  gates: PlannedBlock[];
  /** rollback blocks, run in document order when the step is rolled back (files are restored after). */
  rollbacks: PlannedBlock[];
}

export interface PlannedRunbook {
  name: string;
  title: string;
  file: string;
  sha256: string;
}

export interface Plan {
  /** Runbooks in execution order (requirements first). */
  runbooks: PlannedRunbook[];
  nodes: { name: string; address?: string; groups: string[] }[];
  steps: PlannedStep[];
  /** Values of variables declared secret, for redaction; never printed. */
  secrets: string[];
}
