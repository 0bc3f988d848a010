// A pane's screen as styled lines. Parsing happens in src/terminal; React only sees finished
// snapshots, and not too often: a typed key's echo is shown at once (next frame), but while a
// pane floods, its refreshes are spaced out so the step list and keys stay live.
import { useEffect, useState } from 'react';
import type { ScreenSnapshot } from '../../terminal/index.js';
import { useTui } from '../context.js';

/** Refresh spacing for ordinary output (about 60 a second). */
export const PANE_REFRESH_MS = 16;
/** Refresh spacing while a pane floods. */
export const PANE_FLOOD_REFRESH_MS = 100;
/** More than this many characters since the last refresh counts as a flood. */
const FLOOD_CHARS = 16 * 1024;

export function usePaneSnapshot(node: string): ScreenSnapshot {
  const { session, frames } = useTui();
  const pane = session.panes.get(node);
  const [snapshot, setSnapshot] = useState(() => pane.snapshot());
  useEffect(() => {
    let scheduled = false;
    let last = 0;
    let parsedAtLast = pane.parsed;
    const refresh = (): void => {
      scheduled = false;
      last = performance.now();
      parsedAtLast = pane.parsed;
      setSnapshot(pane.snapshot());
    };
    const off = pane.onChange(() => {
      if (scheduled) return;
      scheduled = true;
      const spacing = pane.parsed - parsedAtLast > FLOOD_CHARS ? PANE_FLOOD_REFRESH_MS : PANE_REFRESH_MS;
      frames.schedule(refresh, spacing - (performance.now() - last));
    });
    refresh();
    return () => {
      off();
      frames.cancel(refresh);
    };
  }, [pane, frames]);
  return snapshot;
}
