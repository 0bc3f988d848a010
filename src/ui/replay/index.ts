// Replay mode of the TUI: the replay bar, keys and footer over the same App a live run uses.
export type { ReplayPlayer, ReplayPlayerStatus, ReplayPlayerMark, ReplayPlayerStep, ReplayPlayerIndex, ReplayJump, ReplayMarkKind } from './player.js';
export { createReplayUi, type ReplayUi, type ReplayUiState } from './replay-ui.js';
export { progressCells, progressGlyphs, formatClock, formatSpeed, cellOf } from './progress.js';
