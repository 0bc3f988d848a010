// Format v2's hash chain: every event line carries `prev`, the sha256 (hex) of the exact bytes
// of the line before it (without its "\n"), the header included. Editing, deleting, inserting
// or moving any line breaks the chain at the line after it; see docs/recording-format.md.
import { createHash } from 'node:crypto';
import { RECORDING_FORMAT, type LineEncoder } from './format.js';
import type { HeaderInfo, RecordingHeaderV2 } from './header.js';

export const CHAIN_VERSION = 2;

export function sha256Hex(bytes: string | Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A LineEncoder that also tells the chain head (the hash of the last line it produced). */
export interface ChainedLineEncoder extends LineEncoder {
  head(): string | null;
  lines(): number;
}

export function createLineEncoderV2(info: HeaderInfo = {}): ChainedLineEncoder {
  let seq = 0;
  let prev: string | null = null;
  let count = 0;
  // The hash is over the UTF-8 bytes the writer puts on disk; JSON.stringify never emits lone
  // surrogates, so string → UTF-8 is exact.
  const chained = (line: string): string => {
    prev = sha256Hex(line);
    count++;
    return line;
  };
  return {
    header: (createdAt) => chained(JSON.stringify({ format: RECORDING_FORMAT, version: CHAIN_VERSION, createdAt, chain: 'sha256', ...info } satisfies RecordingHeaderV2)),
    event: (event) => {
      if (prev === null) throw new Error('createLineEncoderV2: header() must come first');
      const { t, type, ...rest } = event;
      return chained(JSON.stringify({ seq: seq++, t, type, ...rest, prev }));
    },
    head: () => prev,
    lines: () => count,
  };
}
