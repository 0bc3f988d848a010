// The replay TUI's own state (player status, the "jump to step" prompt, a short message) and
// what each replay key does. Keys are handled synchronously against this store, so several keys
// in one chunk (tmux send-keys) each see the previous one's effect. No ink/react here.
import { createStore, type StoreApi } from 'zustand/vanilla';
import { REPLAY_PROMPT_KEYS, REPLAY_SEEK_MS, REPLAY_SPEEDS, keyLabel, replayCommandFor, type Binding, type KeyName, type ReplayCommandName } from '../keys.js';
import type { ReplayMarkKind, ReplayPlayer, ReplayPlayerStatus } from './player.js';

export interface ReplayUiState {
  status: ReplayPlayerStatus;
  /** The step number being typed, or null when the prompt is closed. */
  prompt: string | null;
  message: { text: string; warn: boolean } | null;
}

export interface ReplayUi {
  readonly player: ReplayPlayer;
  readonly store: StoreApi<ReplayUiState>;
  /** True when the prompt is open (it takes every key). */
  prompting(): boolean;
  /** Handles a key if it is a replay key (or the prompt is open); true when it did. */
  key(key: KeyName): boolean;
  /** Says why a live-only command does nothing here. */
  refuse(binding: Binding, key: KeyName): void;
  /** Starts following the player; returns the stop function. */
  start(): () => void;
}

export interface ReplayUiOptions {
  /** How long a message stays in the footer. Default 4000 ms. */
  messageMs?: number;
  /** Fewest ms between status redraws while playing (state changes show at once). Default 100. */
  statusEveryMs?: number;
}

const NEXT_NAMES: Record<ReplayMarkKind, string> = { step: 'step', gate: 'gate', failure: 'failure', decision: 'operator decision' };

export function createReplayUi(player: ReplayPlayer, options: ReplayUiOptions = {}): ReplayUi {
  const messageMs = options.messageMs ?? 4000;
  const statusEvery = options.statusEveryMs ?? 100;
  const store = createStore<ReplayUiState>(() => ({ status: player.status(), prompt: null, message: null }));
  let messageTimer: NodeJS.Timeout | undefined;
  // Where repeated ←/→ presses during one seek count from (the status lags until it is done).
  let pendingT: number | null = null;

  const say = (text: string, warn = false): void => {
    if (messageTimer) clearTimeout(messageTimer);
    store.setState({ message: { text, warn } });
    messageTimer = setTimeout(() => store.setState({ message: null }), messageMs);
    messageTimer.unref?.();
  };
  const after = (p: Promise<unknown>): void => {
    p.catch((err: unknown) => say(`replay: ${(err as Error).message}`, true));
  };

  const seekBy = (ms: number): void => {
    const s = player.status();
    const from = s.seeking && pendingT !== null ? pendingT : s.t;
    // Forward always reaches at least the next event: a long idle stretch is not a wall.
    const next = ms > 0 ? (player.index.tMax[s.position] ?? s.duration) : 0;
    const to = Math.max(0, Math.min(s.duration, Math.max(from + ms, s.seeking ? 0 : next)));
    pendingT = to;
    after(player.seek(to).then(() => {
      if (pendingT === to) pendingT = null;
    }));
  };

  const jumpNext = (kind: ReplayMarkKind): void => {
    after(
      player.jumpTo({ next: kind }).then((found) => {
        if (!found) return say(`No ${NEXT_NAMES[kind]} after this point.`, true);
        // Steps are shown just before their start event; gates, failures, decisions just after theirs.
        const at = player.status().position - (kind === 'step' ? 0 : 1);
        say(player.index.marks.find((m) => m.kind === kind && m.index === at)?.label ?? `next ${NEXT_NAMES[kind]}`);
      }),
    );
  };

  const jumpToStep = (text: string): void => {
    const n = Number(text);
    const steps = player.index.steps;
    const span = steps.find((s) => s.number === n);
    if (!Number.isInteger(n) || !span) return say(steps.length ? `No step ${text}: this recording has steps 1-${steps.length}.` : 'This recording has no steps.', true);
    const lastStart = span.starts.at(-1);
    if (lastStart === undefined) return say(`Step ${n} (${span.title}) never started in this recording.`, true);
    // The end of its last run; a step still running when the recording ends: up to the next step.
    const end = span.ends.at(-1);
    const finished = end !== undefined && end > lastStart;
    const nextStart = player.index.marks.find((m) => m.kind === 'step' && m.index > lastStart)?.index;
    const to = finished ? end : (nextStart ?? player.index.length);
    after(player.seekToIndex(to).then(() => say(`Step ${n}: ${span.title} (${finished ? 'its end' : 'it never finished'})`)));
  };

  const setSpeed = (by: 1 | -1): void => {
    const cur = player.status().speed;
    const next = by > 0 ? REPLAY_SPEEDS.find((x) => x > cur + 1e-9) : [...REPLAY_SPEEDS].reverse().find((x) => x < cur - 1e-9);
    if (next === undefined) return say(`Speed x${cur} is already the ${by > 0 ? 'fastest' : 'slowest'}.`);
    player.setSpeed(next);
  };

  const run = (command: ReplayCommandName, key: KeyName): void => {
    switch (command) {
      case 'replay-play': {
        const s = player.status();
        if (s.ended && !s.playing) after(player.seekToIndex(0).then(() => player.play()));
        else player.toggle();
        return;
      }
      case 'replay-faster':
        return setSpeed(1);
      case 'replay-slower':
        return setSpeed(-1);
      case 'replay-back':
        return seekBy(-REPLAY_SEEK_MS);
      case 'replay-forward':
        return seekBy(REPLAY_SEEK_MS);
      case 'replay-step':
        store.setState({ prompt: /^\d$/.test(key) ? key : '' });
        return;
      case 'replay-next-step':
        return jumpNext('step');
      case 'replay-prev-step':
        after(player.jumpTo({ previous: 'step' }).then(() => {
          const pos = player.status().position;
          const span = player.index.steps.find((s) => s.starts.includes(pos));
          say(span ? `Step ${span.number}: ${span.title} (its start)` : 'The start of the recording.');
        }));
        return;
      case 'replay-next-gate':
        return jumpNext('gate');
      case 'replay-next-failure':
        return jumpNext('failure');
      case 'replay-next-decision':
        return jumpNext('decision');
      case 'replay-start':
        after(player.seekToIndex(0));
        return;
      case 'replay-end':
        after(player.seekToIndex(player.index.length));
        return;
    }
  };

  const ui: ReplayUi = {
    player,
    store,
    prompting: () => store.getState().prompt !== null,
    key(key) {
      const prompt = store.getState().prompt;
      if (prompt !== null) {
        if ((REPLAY_PROMPT_KEYS.confirm as readonly string[]).includes(key)) {
          store.setState({ prompt: null });
          if (prompt) jumpToStep(prompt);
        } else if ((REPLAY_PROMPT_KEYS.cancel as readonly string[]).includes(key)) store.setState({ prompt: null });
        else if ((REPLAY_PROMPT_KEYS.erase as readonly string[]).includes(key)) store.setState({ prompt: prompt.slice(0, -1) });
        else if (/^\d$/.test(key) && prompt.length < 4) store.setState({ prompt: prompt + key });
        return true;
      }
      const command = replayCommandFor(key);
      if (!command) return false;
      run(command, key);
      return true;
    },
    refuse(binding, key) {
      say(`${keyLabel(key)} (${binding.command}) is live only: a replay shows the recording and cannot change it.`, true);
    },
    start() {
      let last = 0;
      let timer: NodeJS.Timeout | undefined;
      const push = (): void => {
        timer = undefined;
        last = Date.now();
        store.setState({ status: player.status() });
      };
      const off = player.onStatus((s) => {
        const shown = store.getState().status;
        const changed = s.playing !== shown.playing || s.speed !== shown.speed || s.seeking !== shown.seeking || s.ended !== shown.ended || !s.playing;
        if (changed || Date.now() - last >= statusEvery) {
          if (timer) clearTimeout(timer);
          push();
        } else timer ??= setTimeout(push, statusEvery - (Date.now() - last));
      });
      push();
      return () => {
        off();
        if (timer) clearTimeout(timer);
        if (messageTimer) clearTimeout(messageTimer);
      };
    },
  };
  return ui;
}
