// Where everything goes for a given terminal size: pure arithmetic, tested on its own.
//
//  ┌ header: session, mode, where keys go ─────────────────────────────────┐
//  │ steps + explanation │ pane grid (2-6 nodes), one tab (7+), or zoom     │
//  └ footer: keys ─────────────────────────────────────────────────────────┘

export interface PaneLayout {
  /** Sidebar width in columns (0 = hidden on narrow terminals). */
  sidebar: number;
  /** Area for panes. */
  area: { cols: number; rows: number };
  /** How panes are shown: a grid, a single pane chosen by tabs (many nodes), or a zoom. */
  kind: 'grid' | 'tabs' | 'zoom';
  gridCols: number;
  gridRows: number;
  /** Outer size of one pane cell (border included). */
  cell: { cols: number; rows: number };
  /** Inner screen size: what the node's PTY is resized to. */
  screen: { cols: number; rows: number };
  /** Node names shown, in order. */
  visible: string[];
}

export const HEADER_ROWS = 1;
export const FOOTER_ROWS = 1;
/** Pane chrome: two border rows + a title row; two border columns. */
const PANE_EXTRA_ROWS = 3;
const PANE_EXTRA_COLS = 2;
export const MAX_GRID = 6;

export function sidebarWidth(cols: number): number {
  if (cols < 70) return 0;
  return Math.max(26, Math.min(44, Math.floor(cols * 0.28)));
}

/** Chooses the grid shape that gives the most usable, well-proportioned panes. */
function gridShape(n: number, cols: number, rows: number): { c: number; r: number } {
  let best = { c: 1, r: n, score: -Infinity };
  for (let c = 1; c <= n; c++) {
    const r = Math.ceil(n / c);
    const w = Math.floor(cols / c) - PANE_EXTRA_COLS;
    const h = Math.floor(rows / r) - PANE_EXTRA_ROWS;
    if (w < 10 || h < 2) continue;
    // Terminal cells are about twice as tall as wide: w/h ≈ 3 looks like a normal terminal.
    const aspect = w / h;
    const wasted = c * r - n;
    const score = Math.min(w, h * 3) - Math.abs(Math.log(aspect / 3)) * 4 - wasted * 6;
    if (score > best.score) best = { c, r, score };
  }
  return best.score === -Infinity ? { c: 1, r: n } : best;
}

export function computeLayout(opts: {
  cols: number;
  rows: number;
  nodes: readonly string[];
  focus: number;
  zoom: boolean;
  /** Hide the sidebar (e.g. zoomed on a narrow screen). */
  showSidebar?: boolean;
}): PaneLayout {
  const sidebar = opts.showSidebar === false ? 0 : sidebarWidth(opts.cols);
  const area = { cols: Math.max(12, opts.cols - sidebar), rows: Math.max(PANE_EXTRA_ROWS + 1, opts.rows - HEADER_ROWS - FOOTER_ROWS) };
  const n = opts.nodes.length;
  const focused = opts.nodes[Math.min(Math.max(0, opts.focus), Math.max(0, n - 1))];
  if (n === 0) {
    return { sidebar, area, kind: 'grid', gridCols: 1, gridRows: 1, cell: area, screen: inner(area), visible: [] };
  }
  if (opts.zoom || n > MAX_GRID) {
    // Tabs take one row for the node names.
    const kind = opts.zoom ? 'zoom' : 'tabs';
    const cell = { cols: area.cols, rows: kind === 'tabs' ? area.rows - 1 : area.rows };
    return { sidebar, area, kind, gridCols: 1, gridRows: 1, cell, screen: inner(cell), visible: focused ? [focused] : [] };
  }
  const { c, r } = gridShape(n, area.cols, area.rows);
  const cell = { cols: Math.floor(area.cols / c), rows: Math.floor(area.rows / r) };
  return { sidebar, area, kind: 'grid', gridCols: c, gridRows: r, cell, screen: inner(cell), visible: [...opts.nodes] };
}

function inner(cell: { cols: number; rows: number }): { cols: number; rows: number } {
  return { cols: Math.max(2, cell.cols - PANE_EXTRA_COLS), rows: Math.max(1, cell.rows - PANE_EXTRA_ROWS) };
}
