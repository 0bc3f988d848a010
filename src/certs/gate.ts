// The `san-check` gate a runbook block uses: run on one node over its session, it reads
// kube-apiserver's configuration and files there and probes endpoints from inside the node.
import { nameKind } from './hostname.js';
import { diagnose } from './diagnose.js';
import { parseEndpoint } from './check.js';
import { inspectNode, probeViaNode, type NodeAccess } from './node-inspect.js';
import { summarize } from './render.js';
import type { CheckReport, EndpointObservation, Problem } from './types.js';

export interface SanCheckOptions {
  /** `host:port` endpoints probed from the node; default `127.0.0.1:<--secure-port>` and the advertise address. */
  endpoints?: string[];
  /** Names clients use that the certificate must cover (IPs and DNS names); each endpoint's host is added. */
  names?: string[];
  /** Certificate, key and CA paths on the node; default kube-apiserver's --tls-cert-file, --tls-private-key-file, --client-ca-file. */
  cert?: string;
  key?: string;
  ca?: string;
  /** Default kube-apiserver's --cert-dir or /var/run/kubernetes. */
  certDir?: string;
  /** systemd unit; default kube-apiserver. */
  unit?: string;
  /** Per-probe time-out in seconds; default 5. */
  timeout?: number;
}

export interface SanCheckResult {
  ok: boolean;
  findings: Problem[];
  summary: string;
  report: CheckReport;
}

const KEYS = ['endpoints', 'names', 'cert', 'key', 'ca', 'certDir', 'unit', 'timeout'];

/** Validates the block's YAML body (already parsed). Throws an Error naming the bad key. */
export function parseSanCheckOptions(value: unknown): SanCheckOptions {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new Error('san-check: the block must be a YAML mapping (endpoints, names, cert, key, ca, certDir, unit, timeout)');
  const v = value as Record<string, unknown>;
  const unknown = Object.keys(v).filter((k) => !KEYS.includes(k));
  if (unknown.length) throw new Error(`san-check: unknown key ${unknown.map((k) => `"${k}"`).join(', ')}; known keys: ${KEYS.join(', ')}`);
  const list = (k: string): string[] | undefined => {
    const x = v[k];
    if (x === undefined) return undefined;
    const arr = Array.isArray(x) ? x : [x];
    if (!arr.every((e) => typeof e === 'string' || typeof e === 'number')) throw new Error(`san-check: "${k}" must be a list of strings`);
    return arr.map(String);
  };
  const str = (k: string): string | undefined => {
    const x = v[k];
    if (x === undefined) return undefined;
    if (typeof x !== 'string' || x === '') throw new Error(`san-check: "${k}" must be a path (a non-empty string)`);
    return x;
  };
  const opts: SanCheckOptions = { endpoints: list('endpoints'), names: list('names'), cert: str('cert'), key: str('key'), ca: str('ca'), certDir: str('certDir'), unit: str('unit') };
  for (const e of opts.endpoints ?? []) parseEndpoint(e, 6443);
  if (v.timeout !== undefined) {
    if (typeof v.timeout !== 'number' || !(v.timeout > 0)) throw new Error('san-check: "timeout" must be a number of seconds');
    opts.timeout = v.timeout;
  }
  return opts;
}

/** Runs the check on one node. `now` is the time certificates are judged at. */
export async function runSanCheck(options: SanCheckOptions, session: NodeAccess & { node?: string }, now: Date): Promise<SanCheckResult> {
  const node = session.node ?? 'node';
  const timeoutMs = (options.timeout ?? 5) * 1000;
  const files = await inspectNode(session, { certFile: options.cert, keyFile: options.key, caFile: options.ca, certDir: options.certDir, unit: options.unit, timeoutMs: timeoutMs + 10_000 });
  const port = files.config?.securePort ?? 6443;
  const endpoints = options.endpoints ?? ['127.0.0.1', ...(files.config?.advertiseAddress ? [files.config.advertiseAddress] : [])].map((h) => `${h}:${port}`);
  const names = options.names ?? [];
  const observed: EndpointObservation[] = [];
  for (const text of endpoints) {
    const { host, port: p } = parseEndpoint(text, port);
    const sni = nameKind(host) === 'dns' ? host : undefined;
    const r = await probeViaNode(session, host, p, { servername: sni, timeoutMs, node });
    const endpoint = host.includes(':') ? `[${host}]:${p}` : `${host}:${p}`;
    observed.push({ endpoint, host, port: p, sni, via: node, names: [...new Set([host, ...names])], ...(r.chain ? { chain: r.chain } : {}), ...(r.error ? { error: r.error } : {}) });
  }
  const ca = files.caFile?.value ? { source: `${node}:${files.caFile.path}`, certs: files.caFile.value } : undefined;
  const report = diagnose({ now, ca, nodes: [{ node, files, names }], endpoints: observed });
  return { ok: report.ok, findings: report.problems, summary: summarize(report), report };
}
