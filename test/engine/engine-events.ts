// Test helpers over the engine's event stream: wait for an event (or find it in the history),
// and pick the events of one type.
// (waitFor with `timeoutMs` rejects after that long instead of leaving it to the test's time-out.)
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

/** The events of one type, typed as such. */
export const of = <T extends LockstepEvent['type']>(events: LockstepEvent[], type: T) => events.filter((e): e is Extract<LockstepEvent, { type: T }> => e.type === type);
