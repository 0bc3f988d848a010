// When the panes' screens reach React: one published "frame" for all panes at once, so a frame
// is one React commit and one Ink frame however many panes changed (Ink's legacy root renders
// every state update synchronously: per-pane updates meant one Ink frame per pane, the later
// ones held back by Ink's throttle).
//
// Leading edge: the first change after a quiet spell (a typed key's echo) is published at once,
// after one event-loop turn so the other panes' echoes arriving in the same turn share the frame.
// Sustained output is spaced: frames at least FRAME_GAP apart (more when frames are costly, so
// rendering never takes more than about half the CPU), and a flooding pane refreshes only every
// FLOOD_REFRESH_MS. A pane whose screen did not change keeps the same snapshot object, so its
// memoized view does not re-render.
//
// Fast path: an Ink frame re-draws the whole terminal (about 8 ms of CPU for 200x50 on a busy
// 2-core machine, most of it Ink's per-cell output), too slow for a keystroke's echo (and the
// echo of a typed word arrives a character or a few at a time). On a real terminal, any change
// of a pane that is not flooding is first written straight to the terminal, just the changed
// rows (cursor saved, positioned at the row, restored: Ink's cursor bookkeeping is untouched),
// one event-loop turn after it was parsed. The React frame for a change the fast path drew waits
// until output pauses (PAINTED_QUIET_MS, at most PAINTED_MAX_MS): Ink's frame blocks the event
// loop for several ms, and the other panes' echoes (which reach us a little later) must not wait
// behind it. Ink then draws the same rows.
// A pane view supplies the rows (it knows its place on the screen and what it shows); it
// declines when more than its rows would change (title flags, wide characters), and the Ink
// frame alone shows the change.
import type { PaneSet, ScreenSnapshot } from '../terminal/index.js';

/** Shortest spacing of frames under sustained output. */
export const FRAME_GAP_MS = 4;
/** Longest spacing of frames (about 60 a second) when frames are costly. */
export const MAX_FRAME_GAP_MS = 16;
/** Refresh spacing of a pane while it floods… */
export const FLOOD_REFRESH_MS = 100;
/**
 * …or this many times what the last frame cost, if more (at most MAX_FLOOD_REFRESH_MS): on a
 * busy machine a whole-screen Ink frame costs 20-30 ms, and a flood's frames must not take the
 * CPU the flood needs (kept under about 7 %); a quiet pane's echo is not affected.
 */
export const FLOOD_COST_FACTOR = 15;
export const MAX_FLOOD_REFRESH_MS = 400;
/** A change the fast path drew reaches React once output paused this long… */
export const PAINTED_QUIET_MS = 25;
/** …or this long after the first such change. */
export const PAINTED_MAX_MS = 150;
/** More than this many characters parsed since a pane's last refresh counts as a flood. */
const FLOOD_CHARS = 16 * 1024;

/** Escape sequences that draw a pane's changed rows for `snapshot`, or null to leave it to Ink. */
export type DirectPainter = (snapshot: ScreenSnapshot) => string | null;

interface PaneState {
  off: () => void;
  painter: DirectPainter | undefined;
  snapshot: ScreenSnapshot | undefined;
  lastRefresh: number;
  parsedAtRefresh: number;
}

export class PaneFrames {
  private readonly panes = new Map<string, PaneState>();
  private readonly dirty = new Set<string>();
  /** Dirty panes whose change the fast path already drew on the terminal. */
  private readonly painted = new Set<string>();
  private lastChange = 0;
  private firstPainted = Infinity;
  private readonly listeners = new Set<() => void>();
  private version = 0;
  private lastFrame = -Infinity;
  /** What the last frame cost (publishing: React render, Ink layout and output). */
  private cost = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private fastImmediate: NodeJS.Immediate | undefined;
  private readonly offAdd: () => void;
  private disposed = false;

  constructor(
    private readonly set: PaneSet,
    private readonly now: () => number = () => performance.now(),
    /** Writes to the terminal for the fast path (none: Ink frames only). */
    private readonly direct?: (data: string) => void,
  ) {
    this.offAdd = set.onAdd((node) => this.watch(node));
    for (const node of set.nodes()) this.watch(node);
  }

  /** Changes with every published frame (for useSyncExternalStore). */
  getVersion = (): number => this.version;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** The node's screen as of the last frame (taken now if the pane was never shown). */
  snapshot(node: string): ScreenSnapshot {
    const p = this.watch(node);
    if (!p.snapshot) this.refresh(node, p);
    return p.snapshot!;
  }

  private watch(node: string): PaneState {
    let p = this.panes.get(node);
    if (!p) {
      const pane = this.set.get(node);
      const state: PaneState = { off: () => {}, painter: undefined, snapshot: undefined, lastRefresh: -Infinity, parsedAtRefresh: pane.parsed };
      state.off = pane.onChange(() => this.changed(node));
      this.panes.set(node, state);
      p = state;
    }
    return p;
  }

  /** Registers the view's fast-path painter (undefined: unregisters). */
  setPainter(node: string, painter: DirectPainter | undefined): void {
    const p = this.panes.get(node);
    if (p) p.painter = painter;
  }

  private refresh(node: string, p: PaneState): void {
    const pane = this.set.get(node);
    p.snapshot = pane.snapshot();
    p.lastRefresh = this.now();
    p.parsedAtRefresh = pane.parsed;
  }

  private changed(node: string): void {
    if (this.disposed) return;
    this.dirty.add(node);
    this.painted.delete(node);
    this.lastChange = this.now();
    const p = this.panes.get(node);
    // The fast path may draw it: it decides, then arms the frame.
    if (this.direct && p?.painter && this.dueOf(node) <= 0) {
      this.fastImmediate ??= setImmediate(this.fast);
      return;
    }
    this.arm();
  }

  /** The fast path: changed rows of quiet (not flooding) panes, written before the frame. */
  private fast = (): void => {
    this.fastImmediate = undefined;
    if (this.disposed || !this.direct) return;
    let out = '';
    for (const node of this.dirty) {
      const p = this.panes.get(node);
      if (!p?.painter || this.painted.has(node) || this.dueOf(node) > 0) continue;
      const rows = p.painter(this.set.get(node).snapshot());
      if (rows === null) continue;
      out += rows;
      this.painted.add(node);
      this.firstPainted = Math.min(this.firstPainted, this.now());
    }
    // DECSC/DECRC keep the cursor (and attributes) where Ink left them.
    if (out) this.direct(`\x1b7${out}\x1b8`);
    this.rearm();
  };

  /** Re-plans the frame (a change may now be drawn already, or not). */
  private rearm(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
    this.arm();
  }

  /** When the pane may refresh next: at once, or after a flood's spacing. */
  private dueOf(node: string): number {
    const p = this.panes.get(node);
    if (!p) return 0;
    const flooding = this.set.get(node).parsed - p.parsedAtRefresh > FLOOD_CHARS;
    return flooding ? p.lastRefresh + this.floodSpacing() : 0;
  }

  private floodSpacing(): number {
    return Math.min(MAX_FLOOD_REFRESH_MS, Math.max(FLOOD_REFRESH_MS, FLOOD_COST_FACTOR * this.cost));
  }

  private arm(): void {
    if (this.timer || this.immediate || this.dirty.size === 0) return;
    const now = this.now();
    let due = Infinity;
    for (const node of this.dirty) due = Math.min(due, this.dueOf(node));
    const gap = Math.min(MAX_FRAME_GAP_MS, Math.max(FRAME_GAP_MS, 2 * this.cost));
    let at = Math.max(due, this.lastFrame + gap);
    // Everything pending is on the terminal already: the frame can wait for a pause.
    let drawn = true;
    for (const node of this.dirty) if (!this.painted.has(node)) drawn = false;
    if (drawn) at = Math.max(at, Math.min(this.lastChange + PAINTED_QUIET_MS, this.firstPainted + PAINTED_MAX_MS));
    // Leading edge: one event-loop turn, so output arriving in the same turn joins the frame.
    if (at <= now) this.immediate = setImmediate(this.run);
    else this.timer = setTimeout(this.run, at - now);
  }

  private run = (): void => {
    this.timer = undefined;
    this.immediate = undefined;
    if (this.disposed) return;
    const start = this.now();
    let any = false;
    for (const node of [...this.dirty]) {
      const p = this.panes.get(node);
      // Flooding panes due within half a flood spacing join this frame: one Ink frame for all
      // of them rather than one per pane, each costing a whole-screen render.
      if (!p || this.dueOf(node) > start + this.floodSpacing() / 2) continue;
      this.dirty.delete(node);
      this.painted.delete(node);
      const before = p.snapshot;
      this.refresh(node, p);
      if (p.snapshot === before) continue;
      any = true;
    }
    if (this.painted.size === 0) this.firstPainted = Infinity;
    if (any) {
      this.version++;
      for (const listener of this.listeners) listener();
      this.lastFrame = start;
      this.cost = this.now() - start;
    }
    this.arm();
  };

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    if (this.fastImmediate) clearImmediate(this.fastImmediate);
    this.offAdd();
    for (const p of this.panes.values()) p.off();
    this.panes.clear();
    this.dirty.clear();
    this.listeners.clear();
  }
}
