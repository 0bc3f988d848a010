// One lab command at a time: `up`, `down`, `reset` and scenarios change shared host state
// (bridge, namespaces, mounts), so concurrent runs (two terminals, parallel test runs) queue
// on a lock file holding the owner's pid; a lock left by a dead process is taken over.
import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { LabError } from './errors.js';
import type { Progress } from './progress.js';
import { alive } from './procs.js';

let depth = 0;

export async function withLabLock<T>(dir: string, progress: Progress, fn: () => Promise<T>): Promise<T> {
  // Re-entrant within this process (reset = down + up).
  if (depth > 0) return fn();
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'lock');
  const deadline = Date.now() + 15 * 60_000;
  let told = false;
  for (;;) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let owner = 0;
      try {
        owner = Number(readFileSync(file, 'utf8').trim());
      } catch {
        continue;
      }
      if (!owner || !alive(owner)) {
        rmSync(file, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new LabError(`another lab command (pid ${owner}) has held ${file} for 15 minutes; stop it or remove the file`);
      if (!told) progress(`waiting for another lab command (pid ${owner}) to finish`);
      told = true;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  depth++;
  try {
    return await fn();
  } finally {
    depth--;
    rmSync(file, { force: true });
  }
}
