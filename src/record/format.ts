// The recording file format, version 1: JSON Lines, append-only.
//
//   line 1:  {"format":"lockstep-recording","version":1,"createdAt":"<ISO time>"}
//   line n:  {"seq":<n-2>,"t":<ms since start>,"type":"<event type>", ...event fields}
//
// Every line is one complete JSON object terminated by "\n", written with a single write,
// so a crash loses at most the line being written. `seq` counts events from 0, so a deleted
// or reordered line is visible even before integrity checks exist. A later version adds a
// per-line hash chain as one more field (e.g. `"prev":"<sha256 of the previous line>"`);
// readers must ignore fields they do not know.
//
// Version 2 (chain.ts, the default writer since) is that: the same lines plus `prev`, and a
// header carrying who/where/what (header.ts). Readers accept both (decode.ts).
import type { LockstepEvent } from '../state/events.js';

export const RECORDING_FORMAT = 'lockstep-recording';
export const RECORDING_VERSION = 1;

export interface RecordingHeader {
  format: typeof RECORDING_FORMAT;
  version: number;
  createdAt: string;
}

export type RecordedEvent = LockstepEvent & { seq: number };

/** Turns events into lines. Stateful so a future encoder can chain hashes. */
export interface LineEncoder {
  header(createdAt: string): string;
  event(event: LockstepEvent): string;
}

export function createLineEncoderV1(): LineEncoder {
  let seq = 0;
  return {
    header: (createdAt) => JSON.stringify({ format: RECORDING_FORMAT, version: RECORDING_VERSION, createdAt } satisfies RecordingHeader),
    event: (event) => {
      const { t, type, ...rest } = event;
      return JSON.stringify({ seq: seq++, t, type, ...rest });
    },
  };
}
