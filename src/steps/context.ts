// What a kind of step work needs from the engine while it runs: the node sessions, a way
// to report events, and the operator's interrupt. Nothing here knows about the UI.
import type { EventBody } from '../state/events.js';
import type { NodeSession } from '../transport/types.js';
import type { BackupConfig } from './file-backup.js';

export interface StepContext {
  /** The step being worked on (`<runbook>/<step-id>`). */
  readonly step: string;
  emit(event: EventBody): void;
  /** The node's session, or undefined when it is not connected (refused, lost, closed). */
  session(node: string): NodeSession | undefined;
  /** Resolves with the reason once the node's connection is gone (immediately if it already is). */
  whenGone(node: string): Promise<string>;
  /** Aborted when the operator interrupts (Ctrl-C to every pane) or quits. */
  readonly signal: AbortSignal;
  /** Where file blocks keep durable backups on the nodes; absent: in memory only. */
  readonly backups?: BackupConfig;
  /** Restore node backups even when missing or altered (`--force`). Default false. */
  readonly forceRestore?: boolean;
  /** Values of secret variables, redacted from what steps put in reasons. Default none. */
  readonly secrets?: readonly string[];
}

/** How one node fared on one block. */
export interface NodeOutcome {
  node: string;
  ok: boolean;
  /** Plain-words reason when not ok. */
  reason?: string;
}

/** Sleeps, waking early (with false) when `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
