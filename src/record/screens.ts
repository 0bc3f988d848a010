// Rebuilding pane screens from recorded events: the same store (reducer + src/terminal
// screens) a live run feeds, fed as fast as xterm parses. Used by headless replay and seeking.
import type { LockstepEvent } from '../state/events.js';
import { createSessionStore, type SessionStore, type SessionStoreOptions } from '../state/index.js';

/**
 * Output queued per pane before waiting for xterm to catch up. Well below the pane's flood
 * guard (which skips output it cannot keep up with), so replay never drops a byte on screen.
 */
const FEED_CHARS_BEFORE_IDLE = 1024 * 1024;

/** Ingests events[from, to) into `store`, pausing for the screens to parse big batches. */
export async function feed(store: SessionStore, events: readonly LockstepEvent[], from: number, to: number): Promise<void> {
  let queued = 0;
  for (let i = from; i < to; i++) {
    const e = events[i]!;
    store.ingest(e);
    if (e.type === 'node.output') {
      queued += e.data.length;
      if (queued >= FEED_CHARS_BEFORE_IDLE) {
        await store.panes.whenIdle();
        queued = 0;
      }
    }
  }
  await store.panes.whenIdle();
}

/** A fresh store holding the session as it was after the first `n` events. */
export async function storeAt(events: readonly LockstepEvent[], n: number, options: SessionStoreOptions = {}): Promise<SessionStore> {
  const store = createSessionStore(options);
  await feed(store, events, 0, Math.min(n, events.length));
  return store;
}

/** Every node's visible screen (plain text) after the first `n` events, in session order. */
export async function screensAt(events: readonly LockstepEvent[], n: number, options: SessionStoreOptions = {}): Promise<Map<string, string>> {
  const store = await storeAt(events, n, options);
  try {
    const order = store.state.getState().nodes.map((x) => x.name);
    const names = [...order, ...store.panes.nodes().filter((x) => !order.includes(x))];
    return new Map(names.map((name) => [name, store.panes.has(name) ? store.panes.get(name).text() : '']));
  } finally {
    store.dispose();
  }
}
