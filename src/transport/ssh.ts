// An SSH node: one ssh2 connection (through ProxyJump hops when configured) carrying the pane
// (an interactive bash on a PTY), an SFTP channel for the pane's private files, and exec
// channels for root file operations.

import { randomBytes } from 'node:crypto';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { Client, ClientChannel, SFTPWrapper } from 'ssh2';
import type { Duplex } from 'node:stream';
import type { Node } from '../inventory/types.js';
import type { ExecResult } from './types.js';
import type { AcceptHostKey, HostKeyDecision } from './host-key.js';
import type { PaneSession } from './local.js';
import { expandHome, openClient, parseProxyJump, type ClientSettings } from './ssh-client.js';
import { Pane } from './pane.js';
import { rcScript, runnerScript, shQuote, staleDirsCleanup } from './shell-protocol.js';
import { shellFileOps } from './shell-files.js';

export interface SshConnectOptions {
  /** known_hosts to verify against (pass the inventory's knownHosts; default ~/.ssh/known_hosts). */
  knownHostsFile?: string;
  /**
   * Accept a host key that known_hosts does not list (and append it there): `true` for an
   * explicit flag, or a prompt. Default false: unknown keys are refused. Changed or revoked keys
   * are always refused.
   */
  acceptNewHostKey?: AcceptHostKey;
  /** Write accepted keys hashed, like HashKnownHosts yes (default false). */
  hashNewHostKeys?: boolean;
  /** ssh-agent socket (default SSH_AUTH_SOCK; null for none). */
  agent?: string | null;
  cols?: number;
  rows?: number;
  /** SSH handshake limit per hop (default 10 s). */
  readyTimeoutMs?: number;
  /** Keepalive period (default 1 s); a peer silent for interval × (countMax + 1) is lost. */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** How long to wait for the pane's first prompt (default 15 s). */
  promptTimeoutMs?: number;
  /**
   * Limit for each channel the session opens after the handshake (SFTP, its first writes, the
   * pane's channel; default 20 s): a node that authenticates but never opens a channel (still
   * booting, out of processes) fails with its name instead of hanging the run.
   */
  channelTimeoutMs?: number;
  /**
   * Run the pane's shell as root through `sudo -n` when the login user is not root (the
   * articles' commands assume a root shell). File operations use sudo either way.
   */
  paneAsRoot?: boolean;
}

export interface SshSession extends PaneSession {
  /** How each connection's host key was verified (jump hosts first, the node last). */
  readonly hostKeys: HostKeyDecision[];
}

function execOn(client: Client, command: string, options: { stdin?: Buffer | string; timeoutMs?: number } = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, stream) => {
      if (err) return reject(err);
      const out: Buffer[] = [];
      const errOut: Buffer[] = [];
      let code: number | null = null;
      stream.on('data', (b: Buffer) => out.push(b));
      stream.stderr.on('data', (b: Buffer) => errOut.push(b));
      stream.on('error', () => undefined); // a drop ends in 'close' with code null
      stream.on('exit', (c: number | null) => (code = typeof c === 'number' ? c : null));
      const timer = options.timeoutMs !== undefined ? setTimeout(() => stream.close(), options.timeoutMs) : null;
      stream.on('close', () => {
        if (timer) clearTimeout(timer);
        resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(errOut) });
      });
      stream.end(options.stdin ?? '');
    });
  });
}

const sftpOf = (client: Client) =>
  new Promise<SFTPWrapper>((resolve, reject) => client.sftp((err, sftp) => (err ? reject(err) : resolve(sftp))));

const sftpWrite = (sftp: SFTPWrapper, path: string, data: string) =>
  new Promise<void>((resolve, reject) => sftp.writeFile(path, data, { mode: 0o600 }, (err) => (err ? reject(err) : resolve())));

/** Rejects with `what` when `p` takes longer than `ms`; the caller ends the connection. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not complete within ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

const forwardTo = (client: Client, host: string, port: number) =>
  new Promise<ClientChannel>((resolve, reject) =>
    client.forwardOut('127.0.0.1', 0, host, port, (err, ch) => (err ? reject(err) : resolve(ch))),
  );

export async function connectSsh(node: Node, opts: SshConnectOptions = {}): Promise<SshSession> {
  if (!node.address) throw new Error(`${node.name}: no address to connect to (set address in the inventory)`);
  const user = node.user ?? userInfo().username;
  const settings: ClientSettings = {
    knownHostsFile: expandHome(opts.knownHostsFile ?? join(homedir(), '.ssh', 'known_hosts')),
    acceptNewHostKey: opts.acceptNewHostKey ?? false,
    hashNewHostKeys: opts.hashNewHostKeys ?? false,
    identityFile: node.identityFile,
    agent: opts.agent === null ? undefined : (opts.agent ?? process.env.SSH_AUTH_SOCK),
    readyTimeoutMs: opts.readyTimeoutMs ?? 10_000,
    keepaliveIntervalMs: opts.keepaliveIntervalMs ?? 1000,
    keepaliveCountMax: opts.keepaliveCountMax ?? 3,
  };

  // Hops first (each through the previous one), then the node itself.
  const clients: Client[] = [];
  const hostKeys: HostKeyDecision[] = [];
  const endAll = () => [...clients].reverse().forEach((c) => c.end());
  let lastError: () => Error | null = () => null;
  try {
    let sock: Duplex | undefined;
    const hops = node.proxyJump ? parseProxyJump(node.proxyJump, user) : [];
    const targets = [
      ...hops.map((h) => ({ ...h, role: 'jump host' })),
      { user, host: node.address, port: node.port, role: '' },
    ];
    for (const [i, t] of targets.entries()) {
      if (i > 0) sock = await forwardTo(clients[i - 1]!, t.host, t.port);
      const opened = await openClient({ node: node.name, ...t }, settings, sock);
      clients.push(opened.client);
      hostKeys.push(opened.hostKey);
      lastError = opened.lastError;
    }
  } catch (err) {
    endAll();
    throw err;
  }
  const client = clients[clients.length - 1]!;

  let closing = false;
  let pane: Pane | undefined;
  let paneStream: ClientChannel | undefined;
  let dir = '';
  try {
    const channelMs = opts.channelTimeoutMs ?? 20_000;
    const sftp = await within(sftpOf(client), channelMs, 'opening the SFTP channel');
    // Channel errors after a drop must not go unhandled; the close handlers report the loss.
    sftp.on('error', () => undefined);
    dir = `/tmp/lockstep-${randomBytes(6).toString('hex')}`;
    // SFTP mkdir fails if the name exists, so nobody can plant the directory first.
    const mkdir = new Promise<void>((resolve, reject) => sftp.mkdir(dir, { mode: 0o700 }, (err) => (err ? reject(err) : resolve())));
    await within(mkdir, channelMs, `creating ${dir} over SFTP`);
    await within(
      Promise.all([sftpWrite(sftp, `${dir}/rc`, rcScript(dir)), sftpWrite(sftp, `${dir}/run`, runnerScript())]),
      channelMs,
      'writing the pane scripts over SFTP',
    );
    let ttyPath: string | null = null;

    const p = new Pane({
      type: (data) => paneStream?.write(data),
      uploadBlock: (name, script) => sftpWrite(sftp, `${dir}/${name}`, script),
      probeTerminalModes: async () => {
        if (!ttyPath) {
          const r = await execOn(client, `cat ${shQuote(`${dir}/tty`)}`, { timeoutMs: 2000 });
          ttyPath = r.code === 0 ? r.stdout.toString('utf8').trim() || null : null;
        }
        if (!ttyPath) return null;
        const r = await execOn(client, `stty -a -F ${shQuote(ttyPath)}`, { timeoutMs: 2000 });
        return r.code === 0 ? r.stdout.toString('utf8') : null;
      },
    });
    pane = p;
    const opening = new Promise<ClientChannel>((resolve, reject) =>
      client.exec(
        `exec ${opts.paneAsRoot && user !== 'root' ? 'sudo -n -H ' : ''}bash --rcfile ${shQuote(`${dir}/rc`)} -i`,
        { pty: { term: 'xterm-256color', cols: opts.cols ?? 120, rows: opts.rows ?? 32 } },
        (err, stream) => (err ? reject(err) : resolve(stream)),
      ),
    );
    // A channel that opens after we gave up is closed at once rather than left running.
    opening.then((s) => closing && s.close(), () => undefined);
    paneStream = await within(opening, channelMs, "opening the pane's shell channel");
    paneStream.on('error', () => undefined);
    // What the shell printed before its first prompt, to explain a pane that never came up.
    let early = '';
    const stopEarly = p.onOutput((d) => (early = (early + d).slice(-2000)));
    const decoder = new StringDecoder('utf8');
    paneStream.on('data', (b: Buffer) => p.feed(decoder.write(b)));
    const errDecoder = new StringDecoder('utf8');
    paneStream.stderr.on('data', (b: Buffer) => p.feed(errDecoder.write(b)));
    paneStream.on('close', () => {
      const tail = decoder.end();
      if (tail) p.feed(tail);
      p.markClosed(!closing, closing ? 'closed' : 'the shell on the node exited');
    });
    client.on('close', () => {
      const why = lastError()?.message;
      p.markClosed(!closing, closing ? 'closed' : `connection lost${why ? `: ${why}` : ''}`);
      endAll();
    });
    const ready = await p.waitReady(opts.promptTimeoutMs ?? 15_000);
    stopEarly();
    if (!ready) {
      const said = early.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').trim().split('\n').slice(-3).join(' / ');
      throw new Error(
        (p.closed
          ? `${node.name}: the shell ended before showing a prompt (${p.closed.reason})`
          : `${node.name}: the shell did not show a prompt in time (is bash installed?)`) + (said ? `; it printed: ${said}` : ''),
      );
    }
  } catch (err) {
    closing = true;
    if (dir) await within(execOn(client, `rm -rf -- ${shQuote(dir)}`, { timeoutMs: 3000 }), 5000, 'removing the pane directory').catch(() => undefined);
    endAll();
    throw err instanceof Error && err.message.startsWith(`${node.name}:`) ? err : new Error(`${node.name}: cannot start the pane: ${(err as Error).message}`);
  }

  // Housekeeping in the background: pane directories left by lost connections.
  void execOn(client, `sh -c ${shQuote(staleDirsCleanup('/tmp'))}`, { timeoutMs: 10_000 }).catch(() => undefined);
  const readyPane = pane;
  const exec = (command: string, o?: { stdin?: Buffer | string; timeoutMs?: number }) => execOn(client, command, o);
  const files = shellFileOps(node.name, exec, user === 'root');
  return {
    node: node.name,
    hostKeys,
    onOutput: (l) => readyPane.onOutput(l),
    onClose: (l) => readyPane.onClose(l),
    write: (d) => readyPane.write(d),
    // ssh2 takes rows first; the session interface (like node-pty and xterm) takes cols first.
    resize: (cols, rows) => {
      if (!readyPane.closed) paneStream?.setWindow(rows, cols, 0, 0);
    },
    interrupt: () => readyPane.interrupt(),
    runScript: (id, script, o) => readyPane.runScript(id, script, o),
    prepareScript: (script) => readyPane.prepareScript(script),
    exec,
    ...files,
    echoOff: () => readyPane.echoOff(),
    close: async () => {
      if (readyPane.closed) return;
      closing = true;
      await within(execOn(client, `rm -rf -- ${shQuote(dir)}`, { timeoutMs: 3000 }), 5000, 'removing the pane directory').catch(() => undefined);
      const ended = new Promise<void>((r) => readyPane.onClose(() => r()));
      paneStream?.close();
      endAll();
      const t = setTimeout(() => readyPane.markClosed(false, 'closed'), 3000);
      await ended;
      clearTimeout(t);
    },
  };
}
