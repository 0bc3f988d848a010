// Helpers for tests against the running lab: run commands on nodes over the lab's own
// ssh_config (strict host-key checking), copy files in, read the lab status.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { labConfig, readState, type LabConfig } from '../../../src/lab/index.js';

export function cfg(): LabConfig {
  return labConfig({ controllers: readState(labConfig())?.controllers });
}

export interface Out {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a shell script on a node as root (via the lab user's sudo). */
export function onNode(node: string, script: string, opts: { timeoutMs?: number } = {}): Out {
  const c = cfg();
  // The script goes to a file first: commands in it (etcdctl, openssl) must not eat the rest of it from stdin.
  const remote = 'f=$(mktemp) && cat > "$f" && sudo bash "$f" </dev/null; rc=$?; rm -f "$f"; exit $rc';
  const r = spawnSync('ssh', ['-F', c.sshConfigFile, '-o', 'BatchMode=yes', node, remote], {
    input: script, encoding: 'utf8', timeout: opts.timeoutMs ?? 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Like onNode but throws with the node's stderr on failure. */
export function mustOnNode(node: string, script: string, opts: { timeoutMs?: number } = {}): string {
  const r = onNode(node, script, opts);
  if (r.code !== 0) throw new Error(`on ${node} (exit ${r.code}): ${r.stderr || r.stdout}\nscript:\n${script}`);
  return r.stdout;
}

/** Copies host files to a node path (as root) through ssh, keeping modes simple. */
export function copyTo(node: string, files: Record<string, string>, mode = '0600'): void {
  const script = Object.entries(files).map(([dest, src]) =>
    `mkdir -p "$(dirname ${dest})" && echo '${readFileSync(src).toString('base64')}' | base64 -d > ${dest} && chmod ${mode} ${dest}`);
  mustOnNode(node, ['set -e', ...script].join('\n'));
}

export function lockstep(args: string[], env: NodeJS.ProcessEnv = process.env): Out {
  const r = spawnSync(process.execPath, ['bin/lockstep.js', ...args], { encoding: 'utf8', env, timeout: 600_000 });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/**
 * Like `lockstep` but without blocking the test worker (a long spawnSync starves vitest's
 * worker RPC): for runs that take a minute.
 */
export function lockstepAsync(args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 900_000): Promise<Out> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/lockstep.js', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

export function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8' });
}

/**
 * Lets the test worker's event loop turn. The helpers block on ssh (spawnSync); long runs of
 * them without a turn starve vitest's worker RPC ("Timeout calling onTaskUpdate").
 */
export function tick(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
