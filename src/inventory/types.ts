// Inventory model: the nodes a plan runs on and how to reach them.

export interface Node {
  name: string;
  /** `ssh` for remote nodes, `local` for this machine through a PTY. */
  transport: 'ssh' | 'local';
  /** Host name or IP address to connect to (absent for local nodes). */
  address?: string;
  port: number;
  user?: string;
  identityFile?: string;
  /** A `~/.ssh/config` Host alias this node was resolved from, if any. */
  sshAlias?: string;
  /** A ProxyJump spec (`user@host:port`), if any. */
  proxyJump?: string;
  groups: string[];
  /** Node variables: the node's own, merged over its groups' and the inventory's. */
  vars: Record<string, string>;
  /** Where the node is declared, for messages. */
  pos: { file: string; line: number; column: number };
}

export interface Inventory {
  file: string;
  nodes: Node[];
  /** Group name → node names, in inventory order; always contains `all`. */
  groups: Record<string, string[]>;
  /** Inventory-wide variables. */
  vars: Record<string, string>;
  /** known_hosts file to verify SSH host keys against. */
  knownHosts?: string;
}
