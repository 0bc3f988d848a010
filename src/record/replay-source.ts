// Replay, engine side: a recording played back into the same session store (reducer + pane
// screens) a live run uses, under a small controller: play, pause, speed, seek, jump.
//
//   const replay = openReplay(recording.events, { speed: 1, idleLimitMs: 2000 }); // indexed once
//   replay.play(); replay.pause(); replay.toggle(); replay.setSpeed(4);     // x0.5 … x16
//   await replay.seek(90_000);                         // recorded ms; resolves when screens show it
//   await replay.jumpTo({ step: 3 });                  // or { step: 3, at: 'end' }, { step: 'etcd/start' }
//   await replay.jumpTo({ next: 'gate' | 'failure' | 'decision' | 'step' }); // false: none left
//   await replay.jumpTo({ previous: 'step' });
//   replay.status();  replay.onStatus(s => …);  replay.index.marks  // progress bar: t / duration, marks
//
// `replay.store` is the store to render (reducer state + pane screens, scrollback included).
// Seeking forward plays the gap into it at full speed; seeking backward builds a new store (a
// screen cannot be rewound) and announces it through `onStore`. Plain `subscribe` listeners
// (a view with its own store) see every event played forward but cannot follow a backward
// seek: the TUI should render `replay.store` and switch on `onStore`.
import { performance } from 'node:perf_hooks';
import type { LockstepEvent } from '../state/events.js';
import { createSessionStore, type SessionStore, type SessionStoreOptions } from '../state/index.js';
import { buildReplayIndex, findStepSpan, indexAtTime, nextMark, type MarkKind, type ReplayIndex } from './replay-index.js';
import { feed } from './screens.js';
import { clampSpeed } from './timeline.js';

export type JumpTarget =
  | { step: number | string; at?: 'start' | 'end' }
  | { next: Exclude<MarkKind, 'step'> | 'step' }
  | { previous: 'step' };

export interface ReplayStatus {
  /** Events played so far (the position); `index.length` at the end. */
  position: number;
  /** Recorded time of the position, ms since the session started. */
  t: number;
  duration: number;
  playing: boolean;
  speed: number;
  /** Busy rebuilding screens for a seek. */
  seeking: boolean;
  ended: boolean;
}

export interface ReplayOptions extends SessionStoreOptions {
  /** Longest pause played, in recorded ms (idle-time cap). Default 2000; 0 = no cap. */
  idleLimitMs?: number;
  /** Initial speed, x0.5 … x16. Default 1. */
  speed?: number;
  /** Clock for playback; default performance.now. */
  now?: () => number;
}

export interface ReplayController {
  readonly events: readonly LockstepEvent[];
  readonly index: ReplayIndex;
  /** The store the UI renders: the same kind a live run fills. Replaced by a backward seek. */
  readonly store: SessionStore;
  /** Called with the new store after a backward seek replaced it (the old one is disposed). */
  onStore(listener: (store: SessionStore) => void): () => void;
  subscribe(listener: (event: LockstepEvent) => void): () => void;
  onStatus(listener: (status: ReplayStatus) => void): () => void;
  status(): ReplayStatus;
  play(): void;
  pause(): void;
  toggle(): void;
  setSpeed(speed: number): void;
  /** Moves to recorded time `t` (ms); resolves when the screens show it. */
  seek(t: number): Promise<void>;
  /** Moves to just after the first `n` events. */
  seekToIndex(n: number): Promise<void>;
  /** Step N (1-based) or id, at its start (default) or end; next gate / failure / decision / step. False when there is none. */
  jumpTo(target: JumpTarget): Promise<boolean>;
  dispose(): void;
}

export function openReplay(events: readonly LockstepEvent[], options: ReplayOptions = {}): ReplayController {
  const index = buildReplayIndex(events);
  const now = options.now ?? (() => performance.now());
  const idleLimit = options.idleLimitMs ?? 2000;
  let store = createSessionStore(options);
  const listeners = new Set<(e: LockstepEvent) => void>();
  const statusListeners = new Set<(s: ReplayStatus) => void>();
  let position = 0;
  let playing = false;
  let seeking = false;
  let speed = clampSpeed(options.speed ?? 1);
  let timer: NodeJS.Timeout | undefined;
  // Playback anchor: at wall time `wall`, the playback clock (see playT) stood at `rec`.
  let anchor = { wall: 0, rec: 0 };
  let disposed = false;
  let seekChain: Promise<void> = Promise.resolve();

  const recordedNow = (): number => index.tMax[position - 1] ?? 0;
  const status = (): ReplayStatus => ({ position, t: recordedNow(), duration: index.duration, playing, speed, seeking, ended: position >= events.length });
  const tell = () => {
    const s = status();
    for (const l of statusListeners) l(s);
  };
  const emit = (e: LockstepEvent) => {
    store.ingest(e);
    for (const l of listeners) l(e);
  };

  // Wall-clock pacing over playback time: recorded time with every pause longer than the
  // idle limit cut to the limit (precomputed per event), advancing `speed` times the wall clock.
  const playT = new Float64Array(events.length);
  for (let i = 0, prevT = 0, p = 0; i < events.length; i++) {
    const t = index.tMax[i]!;
    p += idleLimit > 0 ? Math.min(t - prevT, idleLimit) : t - prevT;
    prevT = t;
    playT[i] = p;
  }
  const playNow = (): number => playT[position - 1] ?? 0;
  const tick = () => {
    timer = undefined;
    if (!playing || disposed) return;
    const target = anchor.rec + (now() - anchor.wall) * speed;
    let emitted = false;
    while (position < events.length && playT[position]! <= target) {
      emit(events[position]!);
      position++;
      emitted = true;
    }
    if (position >= events.length) {
      playing = false;
      tell();
      return;
    }
    if (emitted) tell();
    timer = setTimeout(tick, Math.max(1, Math.min(50, (playT[position]! - target) / speed)));
  };

  const stopTimer = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
  };

  const seekToIndex = (n: number): Promise<void> => {
    const run = async () => {
      n = Math.max(0, Math.min(events.length, Math.floor(n)));
      const wasPlaying = playing;
      playing = false;
      stopTimer();
      seeking = true;
      tell();
      if (n >= position) {
        // Forward: play the gap at full speed into the same store (subscribers see it too).
        for (let i = position; i < n; i++) for (const l of listeners) l(events[i]!);
        await feed(store, events, position, n);
      } else {
        // Backward: a fresh store at the target: screens re-fed, state from the nearest checkpoint.
        const fresh = createSessionStore(options);
        await feed(fresh, events, 0, n);
        swapStore(fresh);
      }
      position = n;
      seeking = false;
      anchor = { wall: now(), rec: playNow() };
      playing = wasPlaying && position < events.length;
      if (playing) tick();
      tell();
    };
    seekChain = seekChain.then(run, run);
    return seekChain;
  };

  // Screens cannot be rewound, so a backward seek builds a new store and hands it over.
  const swapStore = (fresh: SessionStore) => {
    const old = store;
    store = fresh;
    for (const l of storeListeners) l(fresh);
    old.dispose();
  };
  const storeListeners = new Set<(s: SessionStore) => void>();

  const controller: ReplayController = {
    events,
    index,
    get store() {
      return store;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onStatus(listener) {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
    onStore(listener) {
      storeListeners.add(listener);
      return () => storeListeners.delete(listener);
    },
    status,
    play() {
      if (playing || seeking || position >= events.length) return;
      playing = true;
      anchor = { wall: now(), rec: playNow() };
      tell();
      tick();
    },
    pause() {
      if (!playing) return;
      playing = false;
      stopTimer();
      tell();
    },
    toggle() {
      if (playing) controller.pause();
      else controller.play();
    },
    setSpeed(x) {
      // Re-anchor so the position does not jump when the rate changes.
      if (playing) anchor = { wall: now(), rec: anchor.rec + (now() - anchor.wall) * speed };
      speed = clampSpeed(x);
      tell();
    },
    seek: (t) => seekToIndex(indexAtTime(index, t)),
    seekToIndex,
    async jumpTo(target) {
      let to: number | undefined;
      if ('step' in target) {
        const span = findStepSpan(index, target.step);
        to = target.at === 'end' ? span?.ends.at(-1) : span?.starts[0];
      } else if ('next' in target) {
        // Steps are shown just before their step.started (position = its index); gates, failures
        // and decisions just after their event (position = index + 1): skip the one we are at.
        to = nextMark(index, target.next, target.next === 'step' ? position : position - 1)?.index;
        if (to !== undefined && target.next !== 'step') to += 1;
      } else {
        const before = index.marks.filter((m) => m.kind === 'step' && m.index < position).at(-1);
        to = before?.index ?? 0;
      }
      if (to === undefined) return false;
      await seekToIndex(to);
      return true;
    },
    dispose() {
      disposed = true;
      playing = false;
      stopTimer();
      listeners.clear();
      statusListeners.clear();
      store.dispose();
    },
  };
  return controller;
}
