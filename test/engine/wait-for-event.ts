// Test helper: resolves when the engine emits an event matching `pred` (or already did).
import type { Engine } from '../../src/engine/index.js';
import type { LockstepEvent } from '../../src/state/events.js';

export function waitFor(engine: Engine, pred: (e: LockstepEvent) => boolean): Promise<LockstepEvent> {
  const seen = engine.history().find(pred);
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve) => {
    const off = engine.subscribe((e) => {
      if (pred(e)) {
        off();
        resolve(e);
      }
    });
  });
}
