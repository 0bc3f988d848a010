// Runs the whole check over a cluster: inspect every node, probe every endpoint clients use
// (each node's address, each node's own 127.0.0.1 from inside it, the VIP, extra endpoints
// with SNI), then diagnose. Effects come in through NodeAccess and the prober.
import { nameKind } from './hostname.js';
import { diagnose, type NodeInput } from './diagnose.js';
import { inspectNode, probeViaNode, type InspectOptions, type NodeAccess } from './node-inspect.js';
import { probeTls, type ProbeResult } from './tls-probe.js';
import type { CertInfo, CheckReport, EndpointObservation, NodeFiles } from './types.js';

export interface ClusterNode {
  node: string;
  /** The address clients (and this machine) use for the node. */
  address?: string;
  /** How to read the node's files and run commands on it; absent to only probe. */
  access?: NodeAccess;
  /** Why there is no access (connection failed), reported as a problem. */
  accessError?: string;
}

export interface ClusterCheckOptions {
  nodes: ClusterNode[];
  /** API port when the node's flags do not say; default 6443. */
  port?: number;
  /** The virtual IP in front of the nodes, if any. */
  vip?: string;
  /** More names clients use (DNS names in kubeconfigs, …): every node's certificate must cover them. */
  names?: string[];
  /** More `host:port` endpoints to probe from here (SNI is sent for DNS names). */
  endpoints?: string[];
  /** The CA clients trust; default the first node's --client-ca-file. */
  ca?: { source: string; certs: CertInfo[] };
  /** Probe each node's 127.0.0.1 from inside it; default true. */
  loopback?: boolean;
  inspect?: InspectOptions;
  now: Date;
  timeoutMs?: number;
  probe?: (host: string, port: number, options: { servername?: string; timeoutMs?: number }) => Promise<ProbeResult>;
}

/** `host:port`, `[v6]:port` or a bare host (default port). */
export function parseEndpoint(text: string, defaultPort: number): { host: string; port: number } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (v6) return { host: v6[1] ?? '', port: v6[2] ? Number(v6[2]) : defaultPort };
  const m = /^([^:]+)(?::(\d+))?$/.exec(text);
  if (!m) throw new Error(`${text}: expected host:port`);
  const port = m[2] ? Number(m[2]) : defaultPort;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${text}: port must be 1-65535`);
  return { host: m[1] ?? '', port };
}

const hostPort = (host: string, port: number) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

function observation(base: Omit<EndpointObservation, 'chain' | 'error'>, r: ProbeResult): EndpointObservation {
  return { ...base, ...(r.chain ? { chain: r.chain } : {}), ...(r.error ? { error: r.error } : {}) };
}

export async function checkCluster(opts: ClusterCheckOptions): Promise<CheckReport> {
  const probe = opts.probe ?? probeTls;
  const timeoutMs = opts.timeoutMs ?? 5000;
  const names = [...new Set([...(opts.vip ? [opts.vip] : []), ...(opts.names ?? [])])];

  const perNode = await Promise.all(
    opts.nodes.map(async (n) => {
      const files: NodeFiles = n.access
        ? await inspectNode(n.access, opts.inspect)
        : n.accessError
          ? { configError: `cannot connect to ${n.node}: ${n.accessError}; only its address was probed` }
          : {};
      const port = files.config?.securePort ?? opts.port ?? 6443;
      const eps: EndpointObservation[] = [];
      if (n.address) {
        const sni = nameKind(n.address) === 'dns' ? n.address : undefined;
        const r = await probe(n.address, port, { servername: sni, timeoutMs });
        eps.push(observation({ endpoint: hostPort(n.address, port), host: n.address, port, sni, node: n.node, names: [n.address, ...names] }, r));
      }
      if (n.access && opts.loopback !== false) {
        const r = await probeViaNode(n.access, '127.0.0.1', port, { timeoutMs, node: n.node });
        eps.push(observation({ endpoint: hostPort('127.0.0.1', port), host: '127.0.0.1', port, via: n.node, names: ['127.0.0.1'] }, r));
      }
      const input: NodeInput = { node: n.node, files, names: [...(n.address ? [n.address] : []), ...(n.access ? ['127.0.0.1'] : []), ...names] };
      return { input, eps };
    }),
  );

  const shared: EndpointObservation[] = [];
  const defaultPort = opts.port ?? perNode[0]?.input.files.config?.securePort ?? 6443;
  const extra = [...(opts.vip ? [hostPort(opts.vip, defaultPort)] : []), ...(opts.endpoints ?? [])];
  for (const text of [...new Set(extra)]) {
    const { host, port } = parseEndpoint(text, defaultPort);
    const sni = nameKind(host) === 'dns' ? host : undefined;
    const r = await probe(host, port, { servername: sni, timeoutMs });
    shared.push(observation({ endpoint: hostPort(host, port), host, port, sni, shared: true, names: [host] }, r));
  }

  let ca = opts.ca;
  if (!ca) {
    for (const { input } of perNode) {
      const caFile = input.files.caFile;
      if (caFile?.value) {
        ca = { source: `${input.node}:${caFile.path}`, certs: caFile.value };
        break;
      }
    }
  }
  return diagnose({ now: opts.now, ca, nodes: perNode.map((p) => p.input), endpoints: [...perNode.flatMap((p) => p.eps), ...shared] });
}

/** Offline: certificate files given directly, checked against names (and probed endpoints). */
export async function checkFiles(opts: {
  cert: { path: string; value?: CertInfo[]; error?: string };
  key?: { path: string; value?: import('./types.js').KeyInfo; error?: string };
  ca?: { source: string; certs: CertInfo[] };
  names: string[];
  endpoints?: string[];
  now: Date;
  timeoutMs?: number;
  probe?: ClusterCheckOptions['probe'];
}): Promise<CheckReport> {
  const probe = opts.probe ?? probeTls;
  const files: NodeFiles = {
    certFile: { exists: true, ...opts.cert },
    ...(opts.key ? { keyFile: { exists: true, ...opts.key } } : {}),
  };
  const eps: EndpointObservation[] = [];
  for (const text of opts.endpoints ?? []) {
    const { host, port } = parseEndpoint(text, 6443);
    const sni = nameKind(host) === 'dns' ? host : undefined;
    const r = await probe(host, port, { servername: sni, timeoutMs: opts.timeoutMs ?? 5000 });
    eps.push(observation({ endpoint: hostPort(host, port), host, port, sni, shared: true, names: [...new Set([host, ...opts.names])] }, r));
  }
  return diagnose({ now: opts.now, ca: opts.ca, nodes: [{ node: opts.cert.path, files, names: opts.names }], endpoints: eps });
}
