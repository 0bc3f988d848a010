// One timer for every pane's refresh: callbacks that fall due within a few milliseconds of each
// other run in the same macrotask, so React batches them into one render (one Ink frame)
// instead of one frame per pane.

/** Callbacks due within this many ms of the earliest run together. */
const SLACK_MS = 8;

export class FrameScheduler {
  private readonly due = new Map<() => void, number>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Runs `fn` in about `delayMs` (sooner if it was already due sooner); once per scheduling. */
  schedule(fn: () => void, delayMs: number): void {
    const at = this.now() + Math.max(0, delayMs);
    const existing = this.due.get(fn);
    if (existing === undefined || at < existing) this.due.set(fn, at);
    this.arm();
  }

  cancel(fn: () => void): void {
    this.due.delete(fn);
  }

  private arm(): void {
    let next = Infinity;
    for (const at of this.due.values()) next = Math.min(next, at);
    if (next === Infinity || next >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = next;
    this.timer = setTimeout(() => this.run(), Math.max(0, next - this.now()));
  }

  private run(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const limit = this.now() + SLACK_MS;
    const ready: (() => void)[] = [];
    for (const [fn, at] of this.due) if (at <= limit) ready.push(fn);
    for (const fn of ready) this.due.delete(fn);
    for (const fn of ready) fn();
    this.arm();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.due.clear();
  }
}
