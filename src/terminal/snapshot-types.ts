// What a pane looks like at one moment, as plain data: lines of styled runs and the cursor.
// The UI maps these to <Text> elements without knowing anything about xterm.

/** A colour as Ink/chalk understands it: a named ANSI colour, `ansi256(n)` or `#rrggbb`. */
export type Colour = string;

export interface CellStyle {
  fg?: Colour;
  bg?: Colour;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
  inverse?: boolean;
}

/** Consecutive cells with the same style. */
export interface StyledRun extends CellStyle {
  text: string;
}

export interface StyledLine {
  runs: StyledRun[];
}

export interface ScreenSnapshot {
  cols: number;
  rows: number;
  /** Exactly `rows` lines, each at most `cols` cells wide. */
  lines: StyledLine[];
  /** Cursor position within `lines`; `visible` is false when the program hid it, or when scrolled back. */
  cursor: { x: number; y: number; visible: boolean };
  /** A full-screen program (less, vi, top) switched to the alternate screen. */
  altScreen: boolean;
  /** Lines scrolled back from the bottom (0 = live view). */
  scrollOffset: number;
  /** Lines of scrollback above the live screen. */
  scrollbackLines: number;
  /** Characters of a flood skipped on screen (the recording keeps them). */
  skipped: number;
  /** Increases every time parsed output changed the screen; lets renderers skip unchanged panes. */
  seq: number;
}
