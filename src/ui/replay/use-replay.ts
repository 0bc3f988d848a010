// Hooks for replay mode: the store to render (following the player's replacements after a
// backward seek) and the replay UI state.
import { useEffect, useMemo, useState } from 'react';
import { useStore } from 'zustand';
import type { SessionStore } from '../../state/index.js';
import type { ReplayPlayer } from './player.js';
import { createReplayUi, type ReplayUi, type ReplayUiState } from './replay-ui.js';

export type SessionSubscription = (listener: (store: SessionStore) => void) => () => void;

/** `initial`, until `subscribe` announces a replacement. */
export function useFollowedSession(initial: SessionStore, subscribe: SessionSubscription | undefined, current?: () => SessionStore): SessionStore {
  const [swapped, setSwapped] = useState<{ from: SessionStore; to: SessionStore } | null>(null);
  useEffect(() => {
    if (!subscribe) return;
    const off = subscribe((to) => setSwapped({ from: initial, to }));
    // A replacement announced before we subscribed.
    const now = current?.();
    if (now && now !== initial) setSwapped({ from: initial, to: now });
    return off;
  }, [initial, subscribe, current]);
  // A new `initial` from the parent wins over an older replacement.
  return swapped && swapped.from === initial ? swapped.to : initial;
}

/** The replay UI for `player` (null outside replay), following the player while mounted. */
export function useReplayUi(player: ReplayPlayer | undefined): ReplayUi | null {
  const ui = useMemo(() => (player ? createReplayUi(player) : null), [player]);
  useEffect(() => ui?.start(), [ui]);
  return ui;
}

export function useReplayState<T>(ui: ReplayUi, selector: (s: ReplayUiState) => T): T {
  return useStore(ui.store, selector);
}
