// The TUI's public face. The CLI calls `startTui` when stdout is a TTY:
//
//   const tui = startTui({ source: engine, dispatch: (i) => engine.dispatch(i), mode: 'learn' });
//   await tui.waitUntilExit();   // the operator confirmed quit; a {kind:'quit'} intent was sent
//
// The TUI never starts processes, opens sockets or reads files: it folds `source`'s events into
// its store, renders, and turns keys into intents (`input` for typing into panes, `resize` when
// the pane layout changes size, plus next/skip/retry/rollback/...).
//
// Replay renders the player's store and follows its replacements (a backward seek builds a new
// one), with the replay bar and keys:
//
//   const replay = openReplay(events, { speed, idleLimitMs });
//   startTui({ replay, dispatch: () => {} });
import './production-env.js';
import './ci-env-hide.js';
export type { StartTuiOptions, TuiEventSource, TuiHandle, TuiMode, BorderChoice } from './start-options.js';
export { startTui } from './start-tui.js';
import './ci-env-restore.js';
export type { ReplayPlayer, ReplayPlayerStatus } from './replay/player.js';
