// What the lab hands to its users: an SSH key pair, a known_hosts holding each node's own
// host key (read from the node's disk, never learnt from the network), an ssh_config for
// `ssh -F`, and a lockstep inventory.
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { LabConfig } from './config.js';
import { run } from './run.js';

export async function ensureKeyPair(cfg: LabConfig): Promise<void> {
  if (existsSync(cfg.keyFile) && existsSync(`${cfg.keyFile}.pub`)) return;
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'lockstep-lab', '-f', cfg.keyFile], { input: 'y\n' });
}

function writeAtomic(path: string, text: string, mode = 0o644): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, path);
}

/** Pure: known_hosts lines, one per node, under both its name and its address. */
export function knownHostsText(entries: { name: string; address: string; hostKey: string }[]): string {
  return entries
    .map((e) => {
      const [type, key] = e.hostKey.split(/\s+/);
      return `${e.name},${e.address} ${type} ${key}`;
    })
    .join('\n') + '\n';
}

/** Pure: an ssh_config with one Host block per node that verifies host keys strictly. */
export function sshConfigText(cfg: LabConfig): string {
  const blocks = cfg.nodes.map((n) => [
    `Host ${n.name}`,
    `  HostName ${n.address}`,
    '  Port 22',
    `  User ${cfg.user}`,
    `  IdentityFile ${cfg.keyFile}`,
    '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${cfg.knownHostsFile}`,
    '  GlobalKnownHostsFile /dev/null',
    '  StrictHostKeyChecking yes',
    '  LogLevel ERROR',
    '',
  ].join('\n'));
  return `# Written by \`lockstep lab up\`; use with: ssh -F ${cfg.sshConfigFile} controller0\n\n${blocks.join('\n')}`;
}

/** Pure: the lockstep inventory of the lab. */
export function inventoryText(cfg: LabConfig): string {
  const controllers = cfg.nodes.filter((n) => n.groups.includes('controllers'));
  const doc = {
    known_hosts: cfg.knownHostsFile,
    vars: {
      vip: cfg.vip,
      // The names the control-plane runbooks use: the API's virtual IP, and the ssh config the
      // workstation uses to copy certificates to the nodes.
      api_vip: cfg.vip,
      ssh_config: cfg.sshConfigFile,
      vip_interface: 'eth0',
      subnet: `${cfg.subnetPrefix}.0/${cfg.prefixLength}`,
      lab_bin_dir: cfg.nodeBinDir,
      controller_names: controllers.map((n) => n.name).join(','),
      controller_ips: controllers.map((n) => n.address).join(','),
      etcd_initial_cluster: controllers.map((n) => `${n.name}=https://${n.address}:2380`).join(','),
      etcd_servers: controllers.map((n) => `https://${n.address}:2379`).join(','),
    },
    nodes: cfg.nodes.map((n) => ({
      name: n.name,
      address: n.address,
      port: 22,
      user: cfg.user,
      identity_file: cfg.keyFile,
      groups: n.groups,
      vars: { ip: n.address, hostname: n.name },
    })),
  };
  // The operator's own machine (Kubernetes the Hard Way's jumpbox), where the PKI is made.
  (doc.nodes as unknown[]).push({ name: 'workstation', local: true, groups: ['workstation'] });
  return `# Written by \`lockstep lab up\` for the practice lab; regenerated on every \`lab up\`.\n${stringify(doc)}`;
}

export function writeLabFiles(cfg: LabConfig, hostKeys: { name: string; address: string; hostKey: string }[]): void {
  writeAtomic(cfg.knownHostsFile, knownHostsText(hostKeys));
  writeAtomic(cfg.sshConfigFile, sshConfigText(cfg));
  writeAtomic(cfg.inventoryFile, inventoryText(cfg));
}
