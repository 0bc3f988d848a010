// The transport's public face: sessions to nodes (SSH through ssh2, local through node-pty),
// host-key checking against known_hosts, and the pieces the engine may want to reuse.
//
// Contract notes for callers:
// - One runScript at a time per session (a second one rejects); run them per node in order.
// - runScript resolves (never rejects) on time-out, abort, interrupt() and a lost connection,
//   with exitCode null and the matching flag; it rejects only on misuse or when the block file
//   cannot be uploaded while the connection is still up.
// - onClose fires once; `lost` is false only after close().
// - connectSsh/connectNode reject with HostKeyError (reason unknown | changed | revoked, facts
//   with node, key type, SHA256 fingerprint, known_hosts file and line) when a key is not trusted.
export type { NodeSession, ScriptResult, ExecResult, WriteFileOptions } from './types.js';
export { connectLocal, type LocalConnectOptions, type PaneSession } from './local.js';
export { connectSsh, type SshConnectOptions, type SshSession } from './ssh.js';
export { connectNode, type ConnectNodeOptions, type HostKeyContext } from './connect-node.js';
export { HostKeyError, type AcceptHostKey, type HostKeyDecision, type HostKeyFacts } from './host-key.js';
export { parseProxyJump } from './ssh-client.js';
export { sha256Fingerprint, keyTypeOf, hostKeyName, parseKnownHosts, checkHostKey } from './known-hosts.js';
export { echoOffInLineMode } from './pane.js';
