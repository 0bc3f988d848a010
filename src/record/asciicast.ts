// Export one node's pane as asciicast v2 (asciinema's format): a header line, then
// [seconds, "o", text] output events, with [seconds, "m", label] markers at step starts and
// [seconds, "r", "COLSxROWS"] when the pane was resized.
import type { LockstepEvent } from '../state/events.js';
import { capIdle } from './timeline.js';

export interface AsciicastOptions {
  node: string;
  /** Header title; default "lockstep: <node>". */
  title?: string;
  /** Unix time (seconds) of the recording's start. */
  timestamp?: number;
  /** Cap pauses longer than this many seconds (asciinema's idle_time_limit). */
  idleLimitSec?: number;
  /** Step markers: default true. */
  markers?: boolean;
}

type CastEvent = { t: number; code: 'o' | 'm' | 'r'; data: string };

/** Node names the recording has output or a pane for. */
export function recordedNodes(events: readonly LockstepEvent[]): string[] {
  const names = new Set<string>();
  for (const e of events) {
    if (e.type === 'session.started') for (const n of e.nodes) names.add(n.name);
    else if (e.type === 'node.output') names.add(e.node);
  }
  return [...names];
}

export function toAsciicast(events: readonly LockstepEvent[], options: AsciicastOptions): string {
  const node = options.node;
  let width = 80;
  let height = 24;
  let sized = false;
  const titles = new Map<string, string>();
  const cast: CastEvent[] = [];
  let stepNo = 0;
  const order = new Map<string, number>();
  for (const e of events) {
    switch (e.type) {
      case 'session.started':
        if (!sized) [width, height] = [e.cols, e.rows];
        e.steps.forEach((s, i) => {
          titles.set(s.id, s.title);
          order.set(s.id, i + 1);
        });
        break;
      case 'node.resized':
        if (e.nodes && !e.nodes.includes(node)) break;
        // Before the first output the header carries the size; afterwards a resize event.
        if (cast.some((c) => c.code === 'o')) cast.push({ t: e.t, code: 'r', data: `${e.cols}x${e.rows}` });
        else [width, height, sized] = [e.cols, e.rows, true];
        break;
      case 'node.output':
        if (e.node === node) cast.push({ t: e.t, code: 'o', data: e.data });
        break;
      case 'step.started':
        stepNo++;
        if (options.markers !== false) cast.push({ t: e.t, code: 'm', data: `Step ${order.get(e.step) ?? stepNo}: ${titles.get(e.step) ?? e.step}` });
        break;
      default:
        break;
    }
  }
  const timed = options.idleLimitSec && options.idleLimitSec > 0 ? capIdle(cast, options.idleLimitSec * 1000) : cast;
  const header: Record<string, unknown> = { version: 2, width, height };
  if (options.timestamp !== undefined) header.timestamp = Math.floor(options.timestamp);
  if (options.idleLimitSec) header.idle_time_limit = options.idleLimitSec;
  header.title = options.title ?? `lockstep: ${node}`;
  header.env = { TERM: 'xterm-256color' };
  const lines = [JSON.stringify(header)];
  let last = 0;
  for (const c of timed) {
    // Seconds with µs precision, never going back in time.
    last = Math.max(last, Math.round(c.t * 1000) / 1e6);
    lines.push(JSON.stringify([last, c.code, c.data]));
  }
  return `${lines.join('\n')}\n`;
}
