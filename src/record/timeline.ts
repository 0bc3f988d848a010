// Pure transforms over a timed event sequence, like asciinema's: playback speed and idle-time
// capping. Both keep order and never move an event before its predecessor.

export interface Timed {
  t: number;
}

export const MIN_SPEED = 0.5;
export const MAX_SPEED = 16;

export function clampSpeed(speed: number): number {
  if (!Number.isFinite(speed) || speed <= 0) return 1;
  return Math.min(MAX_SPEED, Math.max(MIN_SPEED, speed));
}

/** Caps every gap between consecutive events at `limitMs` (a long wait plays as a short one). */
export function capIdle<T extends Timed>(events: readonly T[], limitMs: number): T[] {
  if (!(limitMs > 0)) return [...events];
  const out: T[] = [];
  let prevIn = 0;
  let prevOut = 0;
  for (const e of events) {
    const gap = Math.max(0, e.t - prevIn);
    prevOut += Math.min(gap, limitMs);
    prevIn = Math.max(prevIn, e.t);
    out.push(e.t === prevOut ? e : { ...e, t: prevOut });
  }
  return out;
}

/** Plays `speed` times faster (x0.5 … x16). */
export function atSpeed<T extends Timed>(events: readonly T[], speed: number): T[] {
  const k = clampSpeed(speed);
  return events.map((e) => (k === 1 ? e : { ...e, t: e.t / k }));
}

/** Recorded time → playback time for one event stream, after capping idle time: a monotone map. */
export function playbackClock(events: readonly Timed[], limitMs: number): (t: number) => number {
  const capped = capIdle(events, limitMs);
  const ins = events.map((e) => e.t);
  const outs = capped.map((e) => e.t);
  return (t) => {
    // The last event at or before t, plus the (capped) time since it.
    let lo = 0;
    let hi = ins.length - 1;
    if (hi < 0 || t < (ins[0] ?? 0)) return Math.min(t, limitMs > 0 ? limitMs : t);
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((ins[mid] ?? 0) <= t) lo = mid;
      else hi = mid - 1;
    }
    const since = t - (ins[lo] ?? 0);
    return (outs[lo] ?? 0) + (limitMs > 0 ? Math.min(since, limitMs) : since);
  };
}
