// The file changes a step will make, shown before the operator is asked to run it: each
// node's current file is read through its session (a side channel, never the pane) and
// diffed with what the step would write, as `file.diff` events marked `preview`. The engine
// awaits this before it says it waits for approval, so a view that sees `engine.waiting`
// already knows whether the step overwrites files. Nothing is written here.
import type { PlannedStep } from '../runbook/plan-types.js';
import type { EventBody } from '../state/events.js';
import { fileDiff } from '../steps/file-diff.js';
import type { NodeSession } from '../transport/types.js';

export interface PreviewOptions {
  session(node: string): NodeSession | undefined;
  emit(event: EventBody): void;
  /** Stop waiting for reads (the operator quit). */
  signal?: AbortSignal;
  /** A node that does not answer within this time gets no preview (the write reports it). Default 10 s. */
  timeoutMs?: number;
}

/**
 * Emits a preview `file.diff` for every file block and node of `step`; resolves when all have
 * answered or given up, with `mayChange`: some file would change, or could not be read (so
 * nobody can say it would not).
 */
export async function previewFiles(step: PlannedStep, opts: PreviewOptions): Promise<{ mayChange: boolean }> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  let mayChange = false;
  for (const block of step.actions) {
    if (block.kind !== 'file') continue;
    await Promise.all(
      block.nodes.map(async (node) => {
        const r = block.perNode[node];
        const session = opts.session(node);
        if (r?.kind !== 'file') return;
        if (!session || opts.signal?.aborted) {
          mayChange = true;
          return;
        }
        let before: Buffer | null | undefined;
        try {
          before = await within(session.readFile(r.path), timeoutMs, opts.signal);
        } catch {
          mayChange = true;
          return; // unreadable: the write says why when the step runs
        }
        if (before === undefined) {
          mayChange = true;
          return;
        }
        const { diff, changed } = fileDiff(r.path, before, Buffer.from(r.content, 'utf8'));
        if (changed) mayChange = true;
        opts.emit({ type: 'file.diff', step: step.id, block: block.id, node, path: r.path, existed: before !== null, diff, changed, preview: true });
      }),
    );
  }
  return { mayChange };
}

/** `p`, or undefined after `ms` or when `signal` aborts. */
function within<T>(p: Promise<T>, ms: number, signal?: AbortSignal): Promise<T | undefined> {
  return new Promise<T | undefined>((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      done();
      resolve(undefined);
    };
    const timer = setTimeout(onAbort, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        done();
        resolve(v);
      },
      (err: unknown) => {
        done();
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
