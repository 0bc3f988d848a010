// A local node: the pane is bash in a node-pty PTY on this machine; files through the same
// shell programs as over SSH (with sudo -n when lockstep itself is not root).

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn as spawnPty, type IPty } from 'node-pty';
import type { Node } from '../inventory/types.js';
import type { NodeSession } from './types.js';
import { localExec } from './local-exec.js';
import { Pane } from './pane.js';
import { rcScript, runnerScript, shQuote, staleDirsCleanup } from './shell-protocol.js';
import { shellFileOps } from './shell-files.js';

export interface LocalConnectOptions {
  cols?: number;
  rows?: number;
  /** How long to wait for the shell's first prompt (default 15 s). */
  readyTimeoutMs?: number;
  /** Extra environment for the pane's shell. */
  env?: Record<string, string>;
}

/** What both transports return: the engine's NodeSession plus the pane's echo state. */
export interface PaneSession extends NodeSession {
  echoOff(): boolean;
}

export async function connectLocal(node: Node, opts: LocalConnectOptions = {}): Promise<PaneSession> {
  const dir = await mkdtemp(join(tmpdir(), 'lockstep-'));
  await writeFile(join(dir, 'rc'), rcScript(dir), { mode: 0o600 });
  await writeFile(join(dir, 'run'), runnerScript(), { mode: 0o600 });
  let ttyPath: string | null = null;

  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  Object.assign(env, opts.env ?? {}, { TERM: 'xterm-256color' });
  let term: IPty;
  try {
    term = spawnPty('bash', ['--rcfile', join(dir, 'rc'), '-i'], {
      name: 'xterm-256color',
      cols: opts.cols ?? 120,
      rows: opts.rows ?? 32,
      cwd: homedir(),
      env,
    });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`${node.name}: cannot start bash in a PTY: ${(err as Error).message}`);
  }

  let closing = false;
  const pane = new Pane({
    type: (data) => {
      try {
        term.write(data);
      } catch {
        // the shell is exiting; onExit reports it
      }
    },
    uploadBlock: (name, script) => writeFile(join(dir, name), script, { mode: 0o600 }),
    probeTerminalModes: async () => {
      ttyPath ??= (await readFile(join(dir, 'tty'), 'utf8').catch(() => '')).trim() || null;
      if (!ttyPath) return null;
      const r = await localExec(`stty -a -F ${ttyPath}`, { timeoutMs: 2000 });
      return r.code === 0 ? r.stdout.toString('utf8') : null;
    },
  });
  term.onData((d) => pane.feed(d));
  term.onExit(({ exitCode, signal }) => {
    pane.markClosed(!closing, closing ? 'closed' : `the shell exited (code ${exitCode}${signal ? `, signal ${signal}` : ''})`);
    void rm(dir, { recursive: true, force: true });
  });

  if (!(await pane.waitReady(opts.readyTimeoutMs ?? 15_000))) {
    closing = true;
    term.kill();
    await rm(dir, { recursive: true, force: true });
    throw new Error(`${node.name}: the local shell did not show a prompt within ${(opts.readyTimeoutMs ?? 15_000) / 1000} s`);
  }

  // Housekeeping in the background: pane directories left by a lockstep that was killed.
  void localExec(`sh -c ${shQuote(staleDirsCleanup(tmpdir()))}`, { timeoutMs: 10_000 }).catch(() => undefined);
  const asRoot = process.getuid?.() === 0;
  const files = shellFileOps(node.name, localExec, asRoot);
  return {
    node: node.name,
    onOutput: (l) => pane.onOutput(l),
    onClose: (l) => pane.onClose(l),
    write: (d) => pane.write(d),
    resize: (cols, rows) => {
      if (!pane.closed) term.resize(cols, rows);
    },
    interrupt: () => pane.interrupt(),
    runScript: (id, script, o) => pane.runScript(id, script, o),
    prepareScript: (script) => pane.prepareScript(script),
    exec: (cmd, o) => localExec(cmd, o),
    ...files,
    echoOff: () => pane.echoOff(),
    close: async () => {
      if (pane.closed) return;
      closing = true;
      const exited = new Promise<void>((r) => pane.onClose(() => r()));
      term.kill('SIGHUP');
      const t = setTimeout(() => term.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(t);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
