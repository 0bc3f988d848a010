// Test helper: resolves when the engine emits an event matching `pred` (or already did); with
// `timeoutMs`, rejects after that long instead of leaving the test to its own time-out.
import type { Engine } from '../../src/engine/index.js';
import type { LockstepEvent } from '../../src/state/events.js';

export function waitFor(engine: Engine, pred: (e: LockstepEvent) => boolean, timeoutMs?: number): Promise<LockstepEvent> {
  const seen = engine.history().find(pred);
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve, reject) => {
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
      off();
      reject(new Error(`no matching engine event within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = engine.subscribe((e) => {
      if (pred(e)) {
        clearTimeout(timer);
        off();
        resolve(e);
      }
    });
  });
}
