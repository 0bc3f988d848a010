// Opening one authenticated ssh2 connection (directly or through a previous hop's forwarded
// channel), with host-key verification, keepalives and the auth methods available.

import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import ssh2, { type AnyAuthMethod, type Client, type ConnectConfig } from 'ssh2';
import { createHostVerifier, preferredHostKeyAlgorithms, type AcceptHostKey, type HostKeyDecision } from './host-key.js';
import { hostKeyName } from './known-hosts.js';

// ssh2 is CommonJS: Node's ESM loader cannot see `utils` as a named export.
const { utils } = ssh2;

export interface HopTarget {
  /** The inventory node this connection is for (messages name it). */
  node: string;
  /** What this hop is, for messages: "" for the node itself, or "jump host". */
  role: string;
  host: string;
  port: number;
  user: string;
}

export interface ClientSettings {
  knownHostsFile: string;
  acceptNewHostKey: AcceptHostKey;
  hashNewHostKeys: boolean;
  identityFile?: string;
  agent?: string;
  readyTimeoutMs: number;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
}

export function expandHome(p: string): string {
  return p === '~' ? homedir() : p.startsWith('~/') ? join(homedir(), p.slice(2)) : p;
}

/** Private keys to offer: the node's IdentityFile, else OpenSSH's default key files. */
function loadKeys(target: HopTarget, identityFile: string | undefined): Buffer[] {
  const files = identityFile
    ? [expandHome(identityFile)]
    : ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => join(homedir(), '.ssh', f)).filter((f) => existsSync(f));
  const keys: Buffer[] = [];
  for (const file of files) {
    let data: Buffer;
    try {
      data = readFileSync(file);
    } catch (err) {
      throw new Error(`${target.node}: cannot read the identity file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    const parsed = utils.parseKey(data);
    if (parsed instanceof Error) {
      if (identityFile) {
        throw new Error(
          `${target.node}: cannot use the identity file ${file}: ${parsed.message}` +
            (/encrypted|passphrase/i.test(parsed.message) ? ' (load it into ssh-agent with ssh-add instead)' : ''),
        );
      }
      continue; // a default key lockstep cannot use (e.g. passphrase-protected): the agent may have it
    }
    keys.push(data);
  }
  return keys;
}

/** Connects and authenticates one hop; `sock` is the previous hop's forwarded channel. */
export async function openClient(
  target: HopTarget,
  settings: ClientSettings,
  sock?: Duplex,
): Promise<{ client: Client; hostKey: HostKeyDecision; lastError: () => Error | null }> {
  const host = hostKeyName(target.host, target.port);
  const { verifier, outcome } = createHostVerifier({
    node: target.node,
    host,
    knownHostsFile: settings.knownHostsFile,
    accept: settings.acceptNewHostKey,
    hashNew: settings.hashNewHostKeys,
  });
  // The inventory's IdentityFile first (it is the key meant for this node, and servers stop
  // after MaxAuthTries), then the agent, then OpenSSH's default key files.
  const keys = loadKeys(target, settings.identityFile).map((key): AnyAuthMethod => ({ type: 'publickey', username: target.user, key }));
  const agent: AnyAuthMethod[] = settings.agent ? [{ type: 'agent', username: target.user, agent: settings.agent }] : [];
  const methods: AnyAuthMethod[] = settings.identityFile ? [...keys, ...agent] : [...agent, ...keys];
  if (methods.length === 0) {
    throw new Error(
      `${target.node}: no SSH key to log in to ${target.role || target.host} with: set identityFile for the node, or start ssh-agent (SSH_AUTH_SOCK) and ssh-add a key`,
    );
  }

  const config: ConnectConfig = {
    host: target.host,
    port: target.port,
    username: target.user,
    hostVerifier: verifier,
    authHandler: (_left, _partial, next) => next((methods.shift() ?? false) as AnyAuthMethod),
    algorithms: { serverHostKey: await preferredHostKeyAlgorithms(settings.knownHostsFile, host) as never },
    readyTimeout: settings.readyTimeoutMs,
    keepaliveInterval: settings.keepaliveIntervalMs,
    keepaliveCountMax: settings.keepaliveCountMax,
    ...(sock ? { sock } : {}),
  };

  const client = new ssh2.Client();
  // ssh2 emits 'error' at any time (a keepalive timeout, a reset): keep a listener for good so
  // none goes unhandled, and remember the last one to say why a connection was lost.
  let last: Error | null = null;
  client.on('error', (err) => (last = err));
  return new Promise((resolve, reject) => {
    const fail = (err: Error) => {
      client.removeAllListeners('ready');
      client.end();
      const { error } = outcome();
      if (error) return reject(error);
      const what = `${target.node}: cannot connect to ${target.role ? `${target.role} ` : ''}${target.user}@${host}`;
      if (/authentication methods failed/i.test(err.message)) {
        reject(new Error(`${what}: the server refused every key offered (check the user, identityFile and the agent's keys)`));
      } else {
        reject(new Error(`${what}: ${err.message}`));
      }
    };
    client.once('error', fail);
    client.once('ready', () => {
      client.removeListener('error', fail);
      // Keystrokes and the pane's marks travel in small packets: send them at once (no Nagle),
      // as OpenSSH does for interactive sessions.
      client.setNoDelay(true);
      const { decision } = outcome();
      if (!decision) {
        client.end();
        return reject(new Error(`${target.node}: the server's host key was never verified; refusing the connection`));
      }
      resolve({ client, hostKey: decision, lastError: () => last });
    });
    try {
      client.connect(config);
    } catch (err) {
      fail(err as Error);
    }
  });
}

/** Parses a ProxyJump value: `[user@]host[:port]`, comma-separated for several hops. */
export function parseProxyJump(spec: string, defaultUser: string): { user: string; host: string; port: number }[] {
  return spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0 && s.toLowerCase() !== 'none')
    .map((hop) => {
      const m = /^(?:([^@]+)@)?(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hop.replace(/^ssh:\/\//, ''));
      if (!m) throw new Error(`invalid ProxyJump hop "${hop}": use [user@]host[:port]`);
      return { user: m[1] ?? defaultUser, host: m[2]!.replace(/^\[|\]$/g, ''), port: m[3] ? Number(m[3]) : 22 };
    });
}
