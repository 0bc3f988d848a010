import React from 'react';
import { render } from 'ink';
import { createSessionStore } from '../state/index.js';
import { App } from './app.js';
import { chooseCharset } from './charset.js';
import type { StartTuiOptions, TuiHandle } from './start-options.js';

/** Renders the session in the terminal until the operator quits. */
export function startTui(options: StartTuiOptions): TuiHandle {
  const stdout = options.stdout ?? process.stdout;
  // A store given by the caller (replay) is rendered as is and stays the caller's to dispose.
  const given = options.session ?? options.replay?.store;
  const session = given ?? createSessionStore({ cols: stdout.columns || 80, rows: stdout.rows || 24, scrollback: options.scrollback ?? 10_000 });
  if (!given) for (const e of options.history ?? []) session.ingest(e);
  const disconnect = !given && options.source ? session.connect(options.source) : undefined;
  // Full-screen like less or vi: the alternate screen keeps the operator's scrollback intact.
  const altScreen = stdout.isTTY === true;
  if (altScreen) stdout.write('\x1b[?1049h\x1b[H');
  const charset = chooseCharset(options.borders ?? 'auto', options.env ?? process.env);
  const instance = render(
    <App
      session={session}
      dispatch={options.dispatch}
      charset={charset}
      mode={options.mode ?? 'production'}
      readOnly={(options.readOnly ?? false) || options.replay !== undefined}
      onSession={options.onSession}
      replay={options.replay}
    />,
    {
      stdout,
      stdin: options.stdin ?? process.stdin,
      // Ctrl-C belongs to the panes (typing) or interrupts the running block, never kills us.
      exitOnCtrlC: false,
      patchConsole: false,
      // Pane output is paced by PaneFrames (leading edge, then spaced); Ink's own throttle
      // (leading and trailing) only keeps two commits within a few ms from being two frames.
      maxFps: 1000,
      incrementalRendering: false,
    },
  );
  let done = false;
  const finished = instance.waitUntilExit().finally(() => {
    done = true;
    disconnect?.();
    if (!given) session.dispose();
    if (altScreen) stdout.write('\x1b[?1049l');
  });
  return {
    waitUntilExit: () => finished.then(() => undefined),
    unmount() {
      if (!done) instance.unmount();
    },
  };
}
