// The unified diff shown before a file is written. Pure.
import { createTwoFilesPatch } from 'diff';

export interface FileDiff {
  diff: string;
  /** False when the file already has exactly this content. */
  changed: boolean;
}

function isBinary(buf: Buffer): boolean {
  return buf.subarray(0, 8000).includes(0);
}

export function fileDiff(path: string, before: Buffer | null, after: Buffer): FileDiff {
  const changed = before === null || !before.equals(after);
  if (!changed) return { diff: '', changed };
  if ((before && isBinary(before)) || isBinary(after)) {
    return { diff: `Binary file ${path} ${before ? 'differs' : 'created'} (${after.length} bytes)\n`, changed };
  }
  const oldName = before === null ? '/dev/null' : `a${path}`;
  const patch = createTwoFilesPatch(oldName, `b${path}`, before?.toString('utf8') ?? '', after.toString('utf8'), undefined, undefined, { context: 3 });
  // Drop the '=====' separator line jsdiff puts first: plain unified diff, as `diff -u` prints.
  return { diff: patch.replace(/^=+\n/, ''), changed };
}
