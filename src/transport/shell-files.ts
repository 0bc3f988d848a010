// File reads and writes with root rights, as small POSIX sh programs run on a side channel
// (never in the pane). The same programs serve the SSH and the local transport, so both behave
// alike; a non-root login user gets root rights through `sudo -n` (never a password prompt).

import type { ExecResult, WriteFileOptions } from './types.js';
import { shQuote } from './shell-protocol.js';

export type ExecFn = (command: string, options?: { stdin?: Buffer | string; timeoutMs?: number }) => Promise<ExecResult>;

/** Exit status our programs use for "no such file". */
const ABSENT = 42;
const FILE_OP_TIMEOUT_MS = 60_000;

export interface FileOps {
  readFile(path: string): Promise<Buffer | null>;
  writeFileAtomic(path: string, content: Buffer, options?: WriteFileOptions): Promise<void>;
  removeFile(path: string): Promise<void>;
  statFile(path: string): Promise<{ mode: number; owner: string } | null>;
}

export function writeProgram(path: string, options: WriteFileOptions = {}): string {
  if (options.mode !== undefined && (!Number.isInteger(options.mode) || options.mode < 0 || options.mode > 0o7777)) {
    throw new Error(`invalid file mode ${options.mode} for ${path}: use a number like 0o644`);
  }
  if (options.owner !== undefined && !/^[A-Za-z0-9._][A-Za-z0-9._-]*(:[A-Za-z0-9._][A-Za-z0-9._-]*)?$/.test(options.owner)) {
    throw new Error(`invalid owner "${options.owner}" for ${path}: use user or user:group`);
  }
  const mode = options.mode !== undefined ? options.mode.toString(8) : '';
  const owner = options.owner ?? '';
  return [
    'set -e',
    `p=${shQuote(path)}`,
    // Writing through a symlink updates its target, as an editor would; the link stays.
    'if [ -L "$p" ]; then p=$(readlink -f -- "$p"); fi',
    'd=$(dirname -- "$p")',
    'mkdir -p -- "$d"',
    `mode=${shQuote(mode)} owner=${shQuote(owner)}`,
    'if [ -e "$p" ]; then',
    '  [ -n "$mode" ] || mode=$(stat -c %a -- "$p")',
    '  [ -n "$owner" ] || owner=$(stat -c %u:%g -- "$p")',
    'fi',
    '[ -n "$mode" ] || mode=644',
    'tmp=$(mktemp "$d/.$(basename -- "$p").lockstep.XXXXXX")',
    'trap \'rm -f -- "$tmp"\' EXIT',
    'cat > "$tmp"',
    'chmod "$mode" "$tmp"',
    'if [ -n "$owner" ]; then chown "$owner" "$tmp"; fi',
    'sync "$tmp" 2>/dev/null || true',
    'mv -fT -- "$tmp" "$p"',
    'trap - EXIT',
  ].join('\n');
}

export function readProgram(path: string): string {
  return `p=${shQuote(path)}; if [ ! -e "$p" ] && [ ! -L "$p" ]; then exit ${ABSENT}; fi; exec cat -- "$p"`;
}

export function statProgram(path: string): string {
  return `p=${shQuote(path)}; [ -e "$p" ] || exit ${ABSENT}; exec stat -L -c '%a %U:%G' -- "$p"`;
}

export function removeProgram(path: string): string {
  return `rm -f -- ${shQuote(path)}`;
}

/** Parses `stat -c '%a %U:%G'`. */
export function parseStat(text: string): { mode: number; owner: string } {
  const m = /^([0-7]+) (\S+)\s*$/.exec(text);
  if (!m) throw new Error(`unexpected stat output: ${JSON.stringify(text)}`);
  return { mode: parseInt(m[1]!, 8), owner: m[2]! };
}

/**
 * File operations over `exec`. `asRoot` says whether the login user is root already; otherwise
 * every program runs under `sudo -n`.
 */
export function shellFileOps(node: string, exec: ExecFn, asRoot: boolean): FileOps {
  const run = async (program: string, what: string, stdin?: Buffer): Promise<ExecResult> => {
    const cmd = `${asRoot ? '' : 'sudo -n '}sh -c ${shQuote(program)}`;
    const r = await exec(cmd, { stdin, timeoutMs: FILE_OP_TIMEOUT_MS });
    if (r.code !== 0 && r.code !== ABSENT) {
      const err = r.stderr.toString('utf8').trim();
      if (!asRoot && /sudo: (a password is required|a terminal is required)/.test(err)) {
        throw new Error(`${node}: ${what} needs root and sudo asks for a password; allow passwordless sudo for the login user or log in as root`);
      }
      throw new Error(`${node}: ${what} failed (exit ${r.code ?? 'none'})${err ? `: ${err}` : ''}`);
    }
    return r;
  };
  return {
    async readFile(path) {
      const r = await run(readProgram(path), `reading ${path}`);
      return r.code === ABSENT ? null : r.stdout;
    },
    async writeFileAtomic(path, content, options) {
      await run(writeProgram(path, options), `writing ${path}`, content);
    },
    async removeFile(path) {
      await run(removeProgram(path), `removing ${path}`);
    },
    async statFile(path) {
      const r = await run(statProgram(path), `checking ${path}`);
      return r.code === ABSENT ? null : parseStat(r.stdout.toString('utf8'));
    },
  };
}
