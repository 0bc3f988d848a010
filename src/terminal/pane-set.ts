// The screens of every node in a session, created on first output so replay and live runs
// behave the same. Sizes follow `node.resized` events and the UI's layout.
import { PaneTerminal } from './pane-terminal.js';
import { FloodReclaimer, type FloodReclaimerOptions } from './reclaim.js';

export interface PaneSetOptions {
  cols: number;
  rows: number;
  scrollback?: number;
  /** When to give a flood's memory back (see reclaim.ts); false: never. */
  reclaim?: FloodReclaimerOptions | false;
}

export class PaneSet {
  private readonly panes = new Map<string, PaneTerminal>();
  private cols: number;
  private rows: number;
  private readonly scrollback: number | undefined;
  private readonly addListeners = new Set<(node: string) => void>();
  private readonly reclaimer: FloodReclaimer | undefined;

  constructor(options: PaneSetOptions) {
    this.cols = options.cols;
    this.rows = options.rows;
    this.scrollback = options.scrollback;
    this.reclaimer = options.reclaim === false ? undefined : new FloodReclaimer(options.reclaim);
  }

  /** The node's pane, created at the current size if new. */
  get(node: string): PaneTerminal {
    let pane = this.panes.get(node);
    if (!pane) {
      pane = new PaneTerminal({ cols: this.cols, rows: this.rows, scrollback: this.scrollback });
      this.panes.set(node, pane);
      for (const listener of this.addListeners) listener(node);
    }
    return pane;
  }

  has(node: string): boolean {
    return this.panes.has(node);
  }

  nodes(): string[] {
    return [...this.panes.keys()];
  }

  onAdd(listener: (node: string) => void): () => void {
    this.addListeners.add(listener);
    return () => this.addListeners.delete(listener);
  }

  write(node: string, data: string): void {
    this.get(node).write(data);
    this.reclaimer?.output(data.length);
  }

  /** Resizes the given panes (all when `nodes` is undefined); new panes start at the last size. */
  resize(cols: number, rows: number, nodes?: readonly string[]): void {
    if (!nodes) {
      this.cols = cols;
      this.rows = rows;
    }
    for (const [name, pane] of this.panes) if (!nodes || nodes.includes(name)) pane.resize(cols, rows);
  }

  async whenIdle(): Promise<void> {
    await Promise.all([...this.panes.values()].map((p) => p.whenIdle()));
  }

  dispose(): void {
    this.reclaimer?.dispose();
    for (const pane of this.panes.values()) pane.dispose();
    this.panes.clear();
  }
}
