// `lockstep certs check`: why clients reject the API server's certificate (wiring only; the
// work is in src/certs). Exit 0 when nothing is wrong, 1 when there are problems, 2 on bad usage.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  CertParseError,
  checkCluster,
  checkFiles,
  parseCertificatesPem,
  parseEndpoint,
  parsePrivateKeyPem,
  renderJson,
  renderText,
  type CertInfo,
  type CheckReport,
  type ClusterNode,
  type KeyInfo,
} from '../certs/index.js';
import type { NodeSession } from '../transport/types.js';
import { UserError } from './errors.js';

export interface CertsIo {
  stdout(text: string): void;
  setExitCode(code: number): void;
  /** The time certificates are judged at. */
  now(): Date;
}

const processIo: CertsIo = {
  stdout: (t) => process.stdout.write(t),
  setExitCode: (c) => (process.exitCode = c),
  now: () => new Date(),
};

interface CheckOptions {
  inventory?: string;
  group: string;
  endpoint: string[];
  name: string[];
  vip?: string;
  port: number;
  ca?: string;
  cert?: string;
  key?: string;
  json?: boolean;
  timeout: number;
  loopback: boolean;
  unit: string;
}

const collect = (v: string, prev: string[]) => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];

function positive(flag: string, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0 || n > max) throw new UserError(`${flag} ${v}: give a number from 1 to ${max}`);
    return n;
  };
}

function readLocal(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`${path}: cannot read the ${what} (${code === 'ENOENT' ? 'no such file' : (err as Error).message})`);
  }
}

function parsed<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof CertParseError) throw new UserError(err.message);
    throw err;
  }
}

const readCerts = (path: string, what: string): CertInfo[] => parsed(() => parseCertificatesPem(readLocal(path, what), path));
const readKey = (path: string): KeyInfo => parsed(() => parsePrivateKeyPem(readLocal(path, 'private key'), path));

async function offline(o: CheckOptions, now: Date): Promise<CheckReport> {
  if (o.name.length === 0 && o.endpoint.length === 0) {
    throw new UserError('--cert needs the names clients use: give them with --name (e.g. --name 10.0.0.11 --name 127.0.0.1 --name kubernetes)');
  }
  const cert = o.cert as string;
  return checkFiles({
    cert: { path: cert, value: readCerts(cert, 'certificate') },
    key: o.key ? { path: o.key, value: readKey(o.key) } : undefined,
    ca: o.ca ? { source: o.ca, certs: readCerts(o.ca, 'CA') } : undefined,
    names: o.name,
    endpoints: o.endpoint,
    now,
    timeoutMs: o.timeout * 1000,
  });
}

async function cluster(o: CheckOptions, now: Date): Promise<CheckReport> {
  const { inventoryOrFail } = await import('./diagnostics.js');
  const { connectLocal, connectSsh } = await import('../transport/index.js');
  const file = o.inventory as string;
  const inv = inventoryOrFail(file);
  const members = inv.groups[o.group];
  if (!members || members.length === 0) {
    const groups = Object.keys(inv.groups).filter((g) => g !== 'all');
    throw new UserError(`${file}: no group "${o.group}" with nodes; choose the API server nodes with --group (groups: ${groups.join(', ') || 'none'})`);
  }
  const vip = o.vip ?? inv.vars.vip ?? inv.vars.api_vip ?? inv.vars.apiserver_vip ?? inv.vars.kubernetes_public_address;
  const nodes = inv.nodes.filter((n) => members.includes(n.name));
  const sessions: NodeSession[] = [];
  try {
    const targets: ClusterNode[] = await Promise.all(
      nodes.map(async (n): Promise<ClusterNode> => {
        const address = n.transport === 'local' ? '127.0.0.1' : n.address;
        try {
          // Only exec and file reads are used; the generous prompt wait is for loaded machines.
          const s =
            n.transport === 'local'
              ? await connectLocal(n, { readyTimeoutMs: 60_000 })
              : await connectSsh(n, { knownHostsFile: inv.knownHosts, promptTimeoutMs: 60_000 });
          sessions.push(s);
          return { node: n.name, address, access: s };
        } catch (err) {
          return { node: n.name, address, accessError: (err as Error).message };
        }
      }),
    );
    return await checkCluster({
      nodes: targets,
      vip,
      names: o.name,
      endpoints: o.endpoint,
      port: o.port,
      ca: o.ca ? { source: o.ca, certs: readCerts(o.ca, 'CA') } : undefined,
      loopback: o.loopback,
      inspect: { unit: o.unit },
      now,
      timeoutMs: o.timeout * 1000,
    });
  } finally {
    await Promise.allSettled(sessions.map((s) => s.close()));
  }
}

export function register(program: Command, io: CertsIo = processIo): void {
  const certs = program.command('certs').description("the SAN check: why clients reject the API server's certificate");
  certs
    .command('check')
    .description(
      'compare the certificate each endpoint serves with the one kube-apiserver is configured with, its names, CA, key and dates; ' +
        'exit 1 when anything is wrong',
    )
    .option('-i, --inventory <file>', 'inventory of the cluster (nodes are reached over SSH)')
    .option('--group <name>', 'inventory group of the API server nodes', 'controllers')
    .option('--endpoint <host:port>', 'another endpoint clients use, probed from here with SNI for DNS names (repeatable)', collect, [])
    .option('--name <name>', 'a name clients use that every certificate must cover: DNS name or IP (repeatable)', collect, [])
    .option('--vip <address>', 'the virtual IP in front of the nodes (default: the inventory variable vip or api_vip)')
    .option('--port <n>', 'API port when the node flags do not say', positive('--port', 65535), 6443)
    .option('--ca <file>', 'the CA clients trust (default: --client-ca-file from the first node)')
    .option('--cert <file>', 'offline: check this certificate file instead of a cluster')
    .option('--key <file>', 'offline: the private key of --cert')
    .option('--unit <name>', "kube-apiserver's systemd unit on the nodes", 'kube-apiserver')
    .option('--no-loopback', "do not probe each node's own 127.0.0.1 from inside it")
    .option('--timeout <seconds>', 'per-endpoint time-out', positive('--timeout', 300), 5)
    .option('--json', 'machine-readable report')
    .action(async (o: CheckOptions) => {
      for (const e of o.endpoint) {
        try {
          parseEndpoint(e, o.port);
        } catch (err) {
          throw new UserError(`--endpoint ${(err as Error).message}`);
        }
      }
      if (o.key && !o.cert) throw new UserError('--key goes with --cert (offline mode)');
      if (!o.cert && !o.inventory) throw new UserError('give an inventory (-i FILE) to check a cluster, or --cert FILE --name NAME… to check files');
      if (o.cert && o.inventory) throw new UserError('give either -i (a cluster) or --cert (files), not both');
      const now = io.now();
      const report = o.cert ? await offline(o, now) : await cluster(o, now);
      io.stdout(o.json ? renderJson(report) : renderText(report));
      io.setExitCode(report.ok ? 0 : 1);
    });
}
