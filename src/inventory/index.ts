// The inventory module's public face: inventory YAML (lockstep's or Ansible's, plus
// ~/.ssh/config aliases) → nodes.
export type * from './types.js';
export { loadInventory, parseInventory, type InventoryEnv } from './load.js';
export { parseSshConfig, resolveSshAlias, type SshAlias } from './ssh-config.js';
