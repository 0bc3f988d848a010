// One entry point for the engine's connector: picks the transport for a node and turns the
// host-key story into events (`hostkey.unknown`, `hostkey.accepted`), so the decision to trust
// a key is always recorded.

import type { Node } from '../inventory/types.js';
import type { EventBody } from '../state/events.js';
import { HostKeyError, type HostKeyFacts } from './host-key.js';
import { connectLocal, type PaneSession } from './local.js';
import { connectSsh, type SshConnectOptions } from './ssh.js';

export interface ConnectNodeOptions extends Omit<SshConnectOptions, 'acceptNewHostKey'> {
  /** `--accept-new-host-keys`: trust keys known_hosts does not list yet (never changed ones). */
  acceptNewHostKeys?: boolean;
}

/** The part of the engine's ConnectContext this needs. */
export interface HostKeyContext {
  emit(event: EventBody): void;
  /** Asks the operator about an unknown key; absent when nobody can answer (no TTY). */
  askHostKey?: (fingerprint: string) => Promise<boolean>;
}

export async function connectNode(node: Node, opts: ConnectNodeOptions, ctx: HostKeyContext): Promise<PaneSession> {
  if (node.transport === 'local') return connectLocal(node, { cols: opts.cols, rows: opts.rows });
  let by: 'flag' | 'prompt' = 'flag';
  const unknownEvent = (f: HostKeyFacts, changed: boolean, line?: number): EventBody => ({
    type: 'hostkey.unknown',
    node: node.name,
    fingerprint: f.fingerprint,
    keyType: f.keyType,
    knownHosts: f.knownHosts,
    ...(line !== undefined ? { line } : {}),
    changed,
  });
  let announced = false;
  try {
    const session = await connectSsh(node, {
      ...opts,
      acceptNewHostKey: async (facts) => {
        ctx.emit(unknownEvent(facts, false));
        announced = true;
        if (opts.acceptNewHostKeys) return true;
        if (!ctx.askHostKey) return false;
        by = 'prompt';
        return ctx.askHostKey(facts.fingerprint);
      },
    });
    for (const k of session.hostKeys) {
      if (k.status === 'accepted') {
        ctx.emit({ type: 'hostkey.accepted', node: node.name, fingerprint: k.fingerprint, keyType: k.keyType, by });
      }
    }
    return session;
  } catch (err) {
    if (err instanceof HostKeyError && !(err.reason === 'unknown' && announced)) {
      ctx.emit(unknownEvent(err.facts, err.reason !== 'unknown', err.line));
    }
    throw err;
  }
}
