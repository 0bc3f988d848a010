// Terminal screens for panes: bytes in, styled snapshots out. No rendering, no I/O.
export { PaneTerminal, type PaneTerminalOptions } from './pane-terminal.js';
export { PaneSet, type PaneSetOptions } from './pane-set.js';
export type { CellStyle, Colour, ScreenSnapshot, StyledLine, StyledRun } from './snapshot-types.js';
export { CompactScrollback, type CompactLine } from './compact-scrollback.js';
export { collectGarbage, FloodReclaimer, type FloodReclaimerOptions } from './reclaim.js';
