// The session store: one zustand store holding the reducer's state, plus the pane screens.
// Live runs and replay feed it the same way (`ingest` / `connect`), so what the UI shows is
// the same by construction. Output bytes bypass the immutable state and go straight to the
// screens (batched there), so an output flood never churns React.
import { createStore, type StoreApi } from 'zustand/vanilla';
import { PaneSet } from '../terminal/index.js';
import type { LockstepEvent } from './events.js';
import { reduce } from './reducer.js';
import { initialSessionState, type SessionState } from './session-state.js';

export interface EventSourceLike {
  subscribe(listener: (event: LockstepEvent) => void): () => void;
}

export interface SessionStoreOptions {
  /** Pane size before the session announces one. Default 80x24. */
  cols?: number;
  rows?: number;
  /** Scrollback lines per pane. Default 10 000. */
  scrollback?: number;
}

export interface SessionStore {
  readonly state: StoreApi<SessionState>;
  readonly panes: PaneSet;
  ingest(event: LockstepEvent): void;
  /** Folds every event from `source` from now on; returns the unsubscribe function. */
  connect(source: EventSourceLike): () => void;
  dispose(): void;
}

export function createSessionStore(options: SessionStoreOptions = {}): SessionStore {
  const state = createStore<SessionState>(() => initialSessionState());
  const panes = new PaneSet({ cols: options.cols ?? 80, rows: options.rows ?? 24, scrollback: options.scrollback });
  const unsubscribes: (() => void)[] = [];

  const ingest = (event: LockstepEvent): void => {
    if (event.type === 'node.output') {
      panes.write(event.node, event.data);
      return;
    }
    if (event.type === 'session.started') {
      panes.resize(event.cols, event.rows);
      for (const n of event.nodes) panes.get(n.name);
    } else if (event.type === 'node.resized') {
      panes.resize(event.cols, event.rows, event.nodes);
    }
    const before = state.getState();
    const after = reduce(before, event);
    if (after !== before) state.setState(after, true);
  };

  return {
    state,
    panes,
    ingest,
    connect(source) {
      const off = source.subscribe(ingest);
      unsubscribes.push(off);
      return off;
    },
    dispose() {
      for (const off of unsubscribes.splice(0)) off();
      panes.dispose();
    },
  };
}
