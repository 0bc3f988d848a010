// What the controller-manager and scheduler doubles share: a kubeconfig client, leader
// election through a coordination.k8s.io Lease with client-go's rules, and /healthz over
// HTTPS with an in-memory self-signed certificate, as the real components serve it.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:https';
import { parse } from 'yaml';
import { DOUBLE_NOTICE, doubleVersion, fatal, log, nodeHostname, parseFlags } from './common.js';
import { loadKubeconfig, type ClientConfig } from './kubeconfig.js';
import { generateSelfSigned } from './selfsigned.js';

export interface ComponentSpec {
  name: 'kube-controller-manager' | 'kube-scheduler';
  port: number;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

interface Lease {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: LeaseSpec;
}

function microTime(d = new Date()): string {
  return d.toISOString().replace(/Z$/, '000Z');
}

function api(cc: ClientConfig, method: string, path: string, body?: unknown): Promise<{ code: number; body: unknown }> {
  const url = new URL(path, cc.server);
  const data = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method, ca: cc.ca, cert: cc.cert, key: cc.key, timeout: 5000,
      headers: { accept: 'application/json', ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // not JSON: keep the text
        }
        resolve({ code: res.statusCode ?? 0, body: parsed });
      });
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(data);
  });
}

interface Election {
  leaseDuration: number;
  renewDeadline: number;
  retryPeriod: number;
  enabled: boolean;
  namespace: string;
  name: string;
}

/** Leader election with client-go's semantics: expiry judged by local observation time. */
class Elector {
  readonly identity = `${nodeHostname()}_${randomUUID()}`;
  private observed?: { record: string; at: number };
  private leading = false;
  private lastRenew = 0;
  private stopped = false;

  constructor(private readonly cc: ClientConfig, private readonly e: Election) {}

  private path(name = this.e.name): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${this.e.namespace}/leases${name ? `/${name}` : ''}`;
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = new Date();
    const got = await api(this.cc, 'GET', this.path());
    const mine: LeaseSpec = { holderIdentity: this.identity, leaseDurationSeconds: this.e.leaseDuration, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 };
    if (got.code === 404) {
      const r = await api(this.cc, 'POST', this.path(''), {
        apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.e.name, namespace: this.e.namespace }, spec: mine,
      });
      return r.code === 201;
    }
    if (got.code !== 200) throw new Error(`GET lease: HTTP ${got.code}`);
    const lease = got.body as Lease;
    const spec = lease.spec ?? {};
    const record = JSON.stringify(spec);
    if (this.observed?.record !== record) this.observed = { record, at: Date.now() };
    const holder = spec.holderIdentity ?? '';
    const duration = (spec.leaseDurationSeconds ?? this.e.leaseDuration) * 1000;
    if (holder && holder !== this.identity && (this.observed.at + duration > Date.now())) return false;
    const next: LeaseSpec = holder === this.identity
      ? { ...spec, renewTime: microTime(now), leaseDurationSeconds: this.e.leaseDuration }
      : { ...mine, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 };
    const r = await api(this.cc, 'PUT', this.path(), { ...lease, spec: next });
    if (r.code !== 200) return false;
    this.observed = { record: JSON.stringify(next), at: Date.now() };
    return true;
  }

  async run(onLeading: () => void): Promise<void> {
    const lock = `${this.e.namespace}/${this.e.name}`;
    log('I', `attempting to acquire leader lease ${lock}...`);
    while (!this.stopped) {
      let ok = false;
      try {
        ok = await this.tryAcquireOrRenew();
      } catch (err) {
        log('E', `error retrieving resource lock ${lock}: ${(err as Error).message}`);
      }
      if (ok) {
        this.lastRenew = Date.now();
        if (!this.leading) {
          this.leading = true;
          log('I', `successfully acquired lease ${lock}`);
          onLeading();
        }
      } else if (this.leading && Date.now() - this.lastRenew > this.e.renewDeadline * 1000) {
        // As the real components do: losing the lease ends the process.
        fatal(`leaderelection lost for ${lock}`);
      }
      await new Promise((r) => setTimeout(r, this.e.retryPeriod * 1000));
    }
  }

  /** Gives the lease up on shutdown so another instance takes over at once. */
  async release(): Promise<void> {
    this.stopped = true;
    if (!this.leading) return;
    try {
      const got = await api(this.cc, 'GET', this.path());
      if (got.code !== 200) return;
      const lease = got.body as Lease;
      if (lease.spec?.holderIdentity !== this.identity) return;
      const now = microTime();
      await api(this.cc, 'PUT', this.path(), { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now, acquireTime: now } });
      log('I', `released lease ${this.e.namespace}/${this.e.name}`);
    } catch {
      // best effort, like client-go
    }
  }

  get isLeader(): boolean {
    return this.leading;
  }
}

const SECONDS = (v: string | undefined, dflt: number): number => {
  if (!v) return dflt;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(v);
  if (!m) return dflt;
  const n = Number(m[1]);
  return m[2] === 'ms' ? n / 1000 : m[2] === 'm' ? n * 60 : n;
};

export function runComponent(spec: ComponentSpec): void {
  if (process.argv.includes('--version')) {
    process.stdout.write(`Kubernetes ${doubleVersion().gitVersion}\n`);
    process.exit(0);
  }
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(`${spec.name}: ${DOUBLE_NOTICE}.\n\nIt elects a leader through the Lease kube-system/${spec.name} and serves /healthz over HTTPS.\n` +
      `Flags it acts on: --kubeconfig, --config (scheduler), --leader-elect, --leader-elect-lease-duration,\n` +
      `--leader-elect-renew-deadline, --leader-elect-retry-period, --secure-port (default ${spec.port}), --bind-address.\n` +
      `Any other flag of the real component is accepted, logged and ignored.\n`);
    process.exit(0);
  }
  const known = ['kubeconfig', 'config', 'leader-elect', 'leader-elect-lease-duration', 'leader-elect-renew-deadline', 'leader-elect-retry-period', 'secure-port', 'bind-address'];
  const flags = parseFlags(process.argv.slice(2), Object.fromEntries(known.map((k) => [k, k === 'leader-elect' ? 'bool' : 'value'] as const)));
  if (flags.errors.length) fatal(flags.errors.join('; '));
  log('I', `${spec.name}: ${DOUBLE_NOTICE}; version ${doubleVersion().gitVersion}; it runs no controllers, it only takes part in leader election`);
  for (const ig of flags.ignored) log('W', `flag ${ig} is accepted but has no effect in this practice double`);

  let kubeconfig = flags.values.get('kubeconfig');
  let leaderElect = flags.values.get('leader-elect') !== 'false';
  const cfgFile = flags.values.get('config');
  if (cfgFile) {
    // KubeSchedulerConfiguration: clientConnection.kubeconfig and leaderElection.leaderElect.
    try {
      const doc = parse(readFileSync(cfgFile, 'utf8')) as { clientConnection?: { kubeconfig?: string }; leaderElection?: { leaderElect?: boolean } };
      kubeconfig = kubeconfig ?? doc.clientConnection?.kubeconfig;
      if (doc.leaderElection?.leaderElect === false) leaderElect = false;
    } catch (err) {
      fatal(`failed to read config file "${cfgFile}": ${(err as Error).message}`);
    }
  }
  if (!kubeconfig) fatal('no kubeconfig: give --kubeconfig (or clientConnection.kubeconfig in --config)');
  let cc: ClientConfig;
  try {
    cc = loadKubeconfig(kubeconfig);
  } catch (err) {
    fatal(`invalid kubeconfig ${kubeconfig}: ${(err as Error).message}`);
  }
  const elector = new Elector(cc, {
    enabled: leaderElect,
    namespace: 'kube-system',
    name: spec.name,
    leaseDuration: SECONDS(flags.values.get('leader-elect-lease-duration'), 15),
    renewDeadline: SECONDS(flags.values.get('leader-elect-renew-deadline'), 10),
    retryPeriod: SECONDS(flags.values.get('leader-elect-retry-period'), 2),
  });

  // The real components serve with an in-memory self-signed pair when given no cert.
  const { certPem, keyPem } = generateSelfSigned('localhost', ['127.0.0.1'], []);
  const port = Number(flags.values.get('secure-port') ?? spec.port);
  const bind = flags.values.get('bind-address') ?? '0.0.0.0';
  const server = createServer({ cert: certPem, key: keyPem }, (req, res) => {
    const path = new URL(req.url ?? '/', 'https://x');
    const check = /^\/(healthz|livez|readyz)$/.exec(path.pathname);
    if (!check) {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `forbidden: User "system:anonymous" cannot get path "${path.pathname}"`, reason: 'Forbidden', code: 403 }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
    const lines = ['[+]ping ok', ...(leaderElect ? ['[+]leaderElection ok'] : [])];
    res.end(path.searchParams.has('verbose') ? `${lines.join('\n')}\n${check[1]} check passed\n` : 'ok');
  });
  server.on('error', (err) => fatal(`failed to listen on ${bind}:${port}: ${err.message}`));
  server.listen(port, bind, () => log('I', `Serving securely on ${bind}:${port}`));
  const stop = (sig: string) => {
    log('I', `received ${sig}, shutting down`);
    void elector.release().finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  if (leaderElect) {
    log('I', `leader election identity ${elector.identity}`);
    void elector.run(() => log('I', `started ${spec.name} work loop (nothing to do in the practice double)`));
  } else {
    log('I', 'leader election disabled');
  }
}
