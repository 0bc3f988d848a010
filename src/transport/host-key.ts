// Host-key verification for ssh2's hostVerifier callback: the known_hosts file is read when the
// key arrives; an unknown key is accepted only when the caller says so (and then appended to
// the file); a changed or revoked key is always refused. The decision is returned so the engine
// can record it.

import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { checkHostKey, formatKnownHostLine, keyTypeOf, knownKeyTypes, parseKnownHosts, sha256Fingerprint } from './known-hosts.js';

export interface HostKeyFacts {
  node: string;
  /** The name the host is known by (`host` or `[host]:port`). */
  host: string;
  keyType: string;
  /** `SHA256:…`, as OpenSSH prints it. */
  fingerprint: string;
  knownHosts: string;
}

/** What happened to a host key that let the connection go on. */
export interface HostKeyDecision extends HostKeyFacts {
  status: 'known' | 'accepted';
  /** The known_hosts line that matched, or the line the accepted key was written to. */
  line?: number;
}

/** Answers "accept this new key?": a fixed flag or a prompt. */
export type AcceptHostKey = boolean | ((facts: HostKeyFacts) => boolean | Promise<boolean>);

export class HostKeyError extends Error {
  constructor(
    readonly facts: HostKeyFacts,
    readonly reason: 'unknown' | 'changed' | 'revoked',
    readonly line?: number,
  ) {
    super(hostKeyMessage(facts, reason, line));
    this.name = 'HostKeyError';
  }
}

export function hostKeyMessage(f: HostKeyFacts, reason: 'unknown' | 'changed' | 'revoked', line?: number): string {
  const key = `${f.keyType} key ${f.fingerprint}`;
  switch (reason) {
    case 'unknown':
      return (
        `${f.node}: unknown host key for ${f.host}: ${key} is not in ${f.knownHosts}. ` +
        `Compare it with the node's own (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub on the node) and accept it explicitly only if they match.`
      );
    case 'changed':
      return (
        `${f.node}: HOST KEY CHANGED for ${f.host}: the server sent ${key}, which does not match ${f.knownHosts}:${line}. ` +
        `Someone may be intercepting the connection, or the node was reinstalled; if you know it was rebuilt, ` +
        `remove the old key (ssh-keygen -R '${f.host}' -f ${f.knownHosts}) and connect again.`
      );
    case 'revoked':
      return `${f.node}: the host key for ${f.host} (${key}) is marked @revoked in ${f.knownHosts}:${line}; refusing to connect.`;
  }
}

async function readKnownHosts(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}

/** Key types OpenSSH writes in known_hosts → the host key algorithms that produce them. */
const ALGORITHMS_FOR_TYPE: Record<string, string[]> = {
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};
const DEFAULT_HOST_KEY_ALGORITHMS = [
  'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa',
];

/**
 * Host key algorithms with the ones already known for this host first (as OpenSSH orders
 * them), so a host known by its RSA key is not reported unknown because it also has ed25519.
 */
export async function preferredHostKeyAlgorithms(knownHostsFile: string, host: string): Promise<string[]> {
  const known = knownKeyTypes(parseKnownHosts(await readKnownHosts(knownHostsFile)), [host]);
  const first = known.flatMap((t) => ALGORITHMS_FOR_TYPE[t] ?? [t]).filter((a) => DEFAULT_HOST_KEY_ALGORITHMS.includes(a));
  return [...new Set([...first, ...DEFAULT_HOST_KEY_ALGORITHMS])];
}

export interface VerifierSetup {
  node: string;
  host: string;
  knownHostsFile: string;
  accept: AcceptHostKey;
  /** Write accepted keys hashed (like HashKnownHosts yes). */
  hashNew?: boolean;
}

/** Builds an ssh2 hostVerifier (callback form) and a way to learn what it decided. */
export function createHostVerifier(setup: VerifierSetup): {
  verifier: (key: Buffer, verify: (ok: boolean) => void) => void;
  outcome: () => { decision?: HostKeyDecision; error?: Error };
} {
  let decision: HostKeyDecision | undefined;
  let error: Error | undefined;
  const verifier = (key: Buffer, verify: (ok: boolean) => void) => {
    void (async () => {
      const facts: HostKeyFacts = {
        node: setup.node,
        host: setup.host,
        keyType: keyTypeOf(key),
        fingerprint: sha256Fingerprint(key),
        knownHosts: setup.knownHostsFile,
      };
      const text = await readKnownHosts(setup.knownHostsFile);
      const check = checkHostKey(parseKnownHosts(text), [setup.host], key);
      if (check.status === 'known') {
        decision = { ...facts, status: 'known', line: check.line };
        return true;
      }
      if (check.status !== 'unknown') {
        error = new HostKeyError(facts, check.status, check.line);
        return false;
      }
      const ok = typeof setup.accept === 'function' ? await setup.accept(facts) : setup.accept;
      if (!ok) {
        error = new HostKeyError(facts, 'unknown');
        return false;
      }
      await mkdir(dirname(setup.knownHostsFile), { recursive: true, mode: 0o700 });
      const sep = text.length > 0 && !text.endsWith('\n') ? '\n' : '';
      await appendFile(setup.knownHostsFile, sep + formatKnownHostLine(setup.host, key, setup.hashNew) + '\n', { mode: 0o600 });
      const line = (text + sep).split('\n').length;
      decision = { ...facts, status: 'accepted', line };
      return true;
    })().then(verify, (err: unknown) => {
      error = new Error(`${setup.node}: cannot check the host key against ${setup.knownHostsFile}: ${(err as Error).message}`);
      verify(false);
    });
  };
  return { verifier, outcome: () => ({ decision, error }) };
}
