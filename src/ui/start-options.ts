// The contract between the CLI and the TUI. Kept free of ink/react so the CLI can import the
// types without pulling in the renderer.
import type { LockstepEvent, OperatorIntent } from '../state/events.js';
import type { SessionStore } from '../state/index.js';
import type { ReplayPlayer } from './replay/player.js';

/** Anything that emits session events: the engine live, or a replayed recording. */
export interface TuiEventSource {
  /** Calls `listener` for every event from now on; returns an unsubscribe function. */
  subscribe(listener: (event: LockstepEvent) => void): () => void;
}

export type TuiMode = 'learn' | 'production';
export type BorderChoice = 'auto' | 'unicode' | 'ascii';

export interface StartTuiOptions {
  /** The events to render. Optional when `session` or `replay` gives the store to render. */
  source?: TuiEventSource;
  /** Render this store (folded elsewhere) instead of a new one fed by `source`. The TUI does not
   * dispose it. Default: `replay.store` in replay, else a new store. */
  session?: SessionStore;
  /** Announces a store that replaces the rendered one (a replay after a backward seek); returns
   * an unsubscribe function. Default: `replay.onStore`. */
  onSession?: (listener: (store: SessionStore) => void) => () => void;
  /** Replay mode: the replay bar (REPLAY, play/pause, speed, time, progress with marks) and the
   * replay keys drive this player; implies `readOnly`. Default: none (live). */
  replay?: ReplayPlayer;
  /** Events emitted before `source` was subscribed (e.g. session.started); folded first. Default []. */
  history?: readonly LockstepEvent[];
  /** Where operator intents go: the engine's dispatch. Replay passes a no-op. */
  dispatch: (intent: OperatorIntent) => void;
  /** `learn`: full explanations and what each step will change; `production`: confirm overwrites
   * and rollbacks. Default `production`. */
  mode?: TuiMode;
  /** Box-drawing characters: `auto` picks Unicode or ASCII from TERM and the locale. Default `auto`. */
  borders?: BorderChoice;
  /** Lines of scrollback kept per pane. Default 10 000. */
  scrollback?: number;
  /** Replay: keys never reach the engine except quit. Default false. */
  readOnly?: boolean;
  /** Streams; default process.stdin / process.stdout. */
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
  /** Environment consulted for TERM and locale. Default process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface TuiHandle {
  /** Resolves when the operator has quit (a `quit` intent was dispatched first) or `unmount` ran. */
  waitUntilExit(): Promise<void>;
  /** Tears the UI down (e.g. when the engine ended the session and the CLI wants to exit). */
  unmount(): void;
}
