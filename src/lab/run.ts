// The lab's only way to run host commands: argument vectors (never a shell string built
// from input), captured output, and failures that say which command failed and why.
import { spawn } from 'node:child_process';
import { LabError } from './errors.js';

export interface RunOptions {
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  /** Resolve instead of throwing on a non-zero exit. */
  allowFail?: boolean;
  timeoutMs?: number;
  /** Streams stderr/stdout lines here as they arrive (progress of long commands). */
  onLine?: (line: string) => void;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let partial = '';
    const feed = (chunk: string): void => {
      if (!opts.onLine) return;
      partial += chunk;
      const lines = partial.split(/\r?\n/);
      partial = lines.pop() ?? '';
      for (const l of lines) if (l.trim()) opts.onLine(l);
    };
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      feed(d);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      feed(d);
    });
    const timer = opts.timeoutMs
      ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs)
      : undefined;
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        err.code === 'ENOENT'
          ? new LabError(`the command \`${cmd}\` is not installed; run ./scripts/setup as root to install the lab's prerequisites`)
          : err,
      );
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const res = { code: code ?? 128, stdout, stderr };
      if (res.code !== 0 && !opts.allowFail) {
        const why = signal ? `killed by ${signal}` : `exit ${res.code}`;
        const tail = (stderr || stdout).trim().split('\n').slice(-8).join('\n');
        reject(new LabError(`\`${[cmd, ...args].join(' ')}\` failed (${why})${tail ? `:\n${tail}` : ''}`));
        return;
      }
      resolve(res);
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}
