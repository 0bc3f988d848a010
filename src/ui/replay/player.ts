// What the replay TUI needs from a replay controller (src/record's `openReplay` satisfies it):
// the store to render and its replacements, the index for the progress bar and jumps, and the
// transport controls. Kept free of ink/react so start-options.ts can name it.
import type { SessionStore } from '../../state/index.js';

export type ReplayMarkKind = 'step' | 'gate' | 'failure' | 'decision';

export interface ReplayPlayerStatus {
  /** Events played so far. */
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

export interface ReplayPlayerMark {
  kind: ReplayMarkKind;
  /** Index of the event in the recording. */
  index: number;
  t: number;
  label: string;
}

export interface ReplayPlayerStep {
  id: string;
  title: string;
  /** 1-based, in plan order. */
  number: number;
  /** Event indices of each start (several when retried). */
  readonly starts: readonly number[];
  /** Event indices just after each finish. */
  readonly ends: readonly number[];
}

export interface ReplayPlayerIndex {
  readonly length: number;
  readonly duration: number;
  readonly steps: readonly ReplayPlayerStep[];
  readonly marks: readonly ReplayPlayerMark[];
  /** Recorded time of each event (running maximum): tMax[i] is the time once event i has played. */
  readonly tMax: ArrayLike<number>;
}

export type ReplayJump = { next: ReplayMarkKind } | { previous: 'step' };

export interface ReplayPlayer {
  readonly index: ReplayPlayerIndex;
  /** The store to render now; a backward seek replaces it (announced by `onStore`). */
  readonly store: SessionStore;
  onStore(listener: (store: SessionStore) => void): () => void;
  status(): ReplayPlayerStatus;
  onStatus(listener: (status: ReplayPlayerStatus) => void): () => void;
  play(): void;
  pause(): void;
  toggle(): void;
  setSpeed(speed: number): void;
  /** Recorded time, ms; resolves when the screens show it. */
  seek(t: number): Promise<void>;
  /** Just after the first `n` events. */
  seekToIndex(n: number): Promise<void>;
  /** Next gate / failure / decision / step, or the previous step; false when there is none. */
  jumpTo(target: ReplayJump): Promise<boolean>;
}
