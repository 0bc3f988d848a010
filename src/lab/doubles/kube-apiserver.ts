// kube-apiserver PRACTICE DOUBLE for the lockstep lab. It serves the parts of the real
// API server that the runbooks' gates use, with the real one's certificate, health and
// error behaviour, and keeps its objects in the real etcd.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type ServerOptions } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { DOUBLE_NOTICE, doubleVersion, fatal, firstHostIPv4, log, parseFlags, printHelpAndExit, printVersionAndExit } from './common.js';
import { EtcdClient } from './etcd.js';
import {
  apiVersionOf, apiVersions, group, groupList, LEASES, NAMESPACES, NODES, notFound, PODS, qualified, resourceList, status, table,
  type Obj, type ResourceInfo,
} from './api-objects.js';
import { firstServiceIP, maybeDefaultWithSelfSignedCerts } from './selfsigned.js';

const FLAGS = {
  'advertise-address': 'value', 'bind-address': 'value', 'secure-port': 'value', 'cert-dir': 'value',
  'tls-cert-file': 'value', 'tls-private-key-file': 'value', 'client-ca-file': 'value', 'etcd-servers': 'value',
  'etcd-cafile': 'value', 'etcd-certfile': 'value', 'etcd-keyfile': 'value', 'service-cluster-ip-range': 'value',
} as const;

printVersionAndExit();
printHelpAndExit('kube-apiserver', {
  'advertise-address': 'IP advertised to clients and put in a generated certificate',
  'bind-address': 'IP to serve on (default 0.0.0.0)',
  'secure-port': 'HTTPS port (default 6443)',
  'cert-dir': 'where a self-signed pair is reused or generated when no TLS flags are given (default /var/run/kubernetes)',
  'tls-cert-file / --tls-private-key-file': 'serving certificate and key',
  'client-ca-file': 'CA that signs client certificates (user = CN, groups = O)',
  'etcd-servers, --etcd-cafile, --etcd-certfile, --etcd-keyfile': 'the real etcd that stores the objects',
  'service-cluster-ip-range': 'its first IP goes into a generated certificate (default 10.0.0.0/24)',
});

const flags = parseFlags(process.argv.slice(2), Object.fromEntries(Object.keys(FLAGS).map((k) => [k, 'value' as const])));
if (flags.errors.length) fatal(flags.errors.join('; '));
const f = (name: keyof typeof FLAGS, dflt = ''): string => flags.values.get(name) ?? dflt;

log('I', `kube-apiserver: ${DOUBLE_NOTICE}; version ${doubleVersion().gitVersion}`);
for (const ig of flags.ignored) log('W', `flag ${ig} is accepted but has no effect in this practice double`);

const bindAddress = f('bind-address', '0.0.0.0');
const advertise = f('advertise-address') || (bindAddress !== '0.0.0.0' && bindAddress !== '::' ? bindAddress : firstHostIPv4());
const port = Number(f('secure-port', '6443'));

let certFile = f('tls-cert-file');
let keyFile = f('tls-private-key-file');
try {
  // Either TLS flag given: the cert dir is never looked at (as in the real server).
  if (!certFile && !keyFile) {
    const pair = maybeDefaultWithSelfSignedCerts({
      certDir: f('cert-dir', '/var/run/kubernetes'),
      advertiseAddress: advertise,
      bindAddress,
      serviceIP: firstServiceIP(f('service-cluster-ip-range', '10.0.0.0/24')),
    }, (m) => log('I', m));
    certFile = pair.certFile;
    keyFile = pair.keyFile;
  }
} catch (err) {
  fatal((err as Error).message);
}
if (!certFile || !keyFile) fatal('--tls-cert-file and --tls-private-key-file must be given together');

const readOrDie = (path: string, what: string): Buffer => {
  try {
    return readFileSync(path);
  } catch (err) {
    return fatal(`unable to load ${what} "${path}": ${(err as Error).message}`);
  }
};
const tlsOpts: ServerOptions = { cert: readOrDie(certFile, 'server certificate'), key: readOrDie(keyFile, 'server key') };
const clientCA = f('client-ca-file');
if (clientCA) Object.assign(tlsOpts, { ca: readOrDie(clientCA, 'client-ca-file'), requestCert: true, rejectUnauthorized: false });

const etcdServers = f('etcd-servers').split(',').map((s) => s.trim()).filter(Boolean);
if (!etcdServers.length) log('W', '--etcd-servers is empty: every storage request and the etcd health check will fail');
const etcd = new EtcdClient(etcdServers, { cafile: f('etcd-cafile') || undefined, certfile: f('etcd-certfile') || undefined, keyfile: f('etcd-keyfile') || undefined });

// ---------------------------------------------------------------------------------------
// Health, as /healthz, /livez and /readyz report it.

const CHECKS: Record<string, string[]> = {
  healthz: ['ping', 'log', 'etcd', 'poststarthook/start-apiserver-admission-initializer', 'poststarthook/generic-apiserver-start-informers'],
  livez: ['ping', 'log', 'etcd', 'poststarthook/start-apiserver-admission-initializer', 'poststarthook/generic-apiserver-start-informers'],
  readyz: ['ping', 'log', 'etcd', 'etcd-readiness', 'informer-sync', 'poststarthook/start-apiserver-admission-initializer', 'poststarthook/generic-apiserver-start-informers', 'shutdown'],
};

async function health(res: ServerResponse, kind: string, sub: string | undefined, query: URLSearchParams): Promise<void> {
  const names = CHECKS[kind] ?? [];
  const etcdOk = await etcd.healthy();
  const passes = (c: string): boolean => !c.startsWith('etcd') || etcdOk;
  const text = (code: number, body: string): void => {
    res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
    res.end(body);
  };
  if (sub) {
    if (!names.includes(sub)) return text(404, '404 page not found\n');
    return passes(sub) ? text(200, 'ok') : text(500, 'internal server error: etcd client connection failed\n');
  }
  const excluded = new Set(query.getAll('exclude'));
  let out = '';
  let failed = false;
  for (const c of names) {
    if (excluded.has(c)) {
      out += `[+]${c} excluded: ok\n`;
      continue;
    }
    if (passes(c)) out += `[+]${c} ok\n`;
    else {
      failed = true;
      out += `[-]${c} failed: reason withheld\n`;
    }
  }
  if (failed) {
    log('W', `${kind} check failed: etcd unreachable`);
    return text(500, `${out}${kind} check failed\n`);
  }
  return text(200, query.has('verbose') ? `${out}${kind} check passed\n` : 'ok');
}

// ---------------------------------------------------------------------------------------
// Storage in etcd: /registry/<plural>/[<namespace>/]<name>, JSON values, revisions as
// resourceVersions.

function keyOf(r: ResourceInfo, ns: string | undefined, name = ''): string {
  return `/registry/${r.plural}/${r.namespaced ? `${ns}/` : ''}${name}`;
}

function withRv(value: string, rev: number): Obj {
  const o = JSON.parse(value) as Obj;
  o.metadata = { ...(o.metadata ?? {}), resourceVersion: String(rev) };
  return o;
}

function rfc3339(d = new Date()): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

async function ensureNamespaces(): Promise<void> {
  for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
    const obj = { kind: 'Namespace', apiVersion: 'v1', metadata: { name, uid: randomUUID(), creationTimestamp: rfc3339() }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } };
    await etcd.create(keyOf(NAMESPACES, undefined, name), JSON.stringify(obj));
  }
}

async function bootstrap(): Promise<void> {
  for (let delay = 1000; ; delay = Math.min(delay * 2, 10_000)) {
    try {
      await ensureNamespaces();
      log('I', 'system namespaces present in etcd');
      return;
    } catch (err) {
      log('W', `cannot reach etcd yet (${(err as Error).message}); retrying`);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

// ---------------------------------------------------------------------------------------
// HTTP.

interface Who {
  user: string;
  groups: string[];
}

function authenticate(req: IncomingMessage): Who | 'invalid' | undefined {
  const sock = req.socket as TLSSocket;
  const cert = sock.getPeerCertificate?.();
  if (!cert || !cert.subject) return undefined;
  if (!sock.authorized) return 'invalid';
  const o = cert.subject.O as string | string[] | undefined;
  return { user: String(cert.subject.CN ?? ''), groups: [...(Array.isArray(o) ? o : o ? [o] : []), 'system:authenticated'] };
}

function send(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<Obj | undefined> {
  return new Promise((resolve) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (data += c));
    req.on('end', () => {
      try {
        resolve(JSON.parse(data) as Obj);
      } catch {
        resolve(undefined);
      }
    });
  });
}

const PUBLIC = /^\/(healthz|livez|readyz)(\/.*)?$|^\/version\/?$/;

async function objects(req: IncomingMessage, res: ServerResponse, r: ResourceInfo, ns: string | undefined, name: string | undefined, wantTable: boolean): Promise<void> {
  const method = req.method ?? 'GET';
  if (method === 'GET' && !name) {
    const prefix = r.namespaced && ns === undefined ? `/registry/${r.plural}/` : keyOf(r, ns);
    const { items, revision } = await etcd.list(prefix);
    const objs = items.map((kv) => withRv(kv.value, kv.modRevision));
    if (wantTable) return send(res, 200, table(r, objs, String(revision)));
    return send(res, 200, { kind: `${r.kind}List`, apiVersion: apiVersionOf(r), metadata: { resourceVersion: String(revision) }, items: objs });
  }
  if (method === 'GET' && name) {
    const kv = await etcd.get(keyOf(r, ns, name));
    if (!kv) return send(res, 404, notFound(r, name));
    const o = withRv(kv.value, kv.modRevision);
    return send(res, 200, wantTable ? table(r, [o], String(kv.modRevision)) : o);
  }
  if (method === 'DELETE' && name) {
    const kv = await etcd.get(keyOf(r, ns, name));
    if (!kv || !(await etcd.delete(keyOf(r, ns, name)))) return send(res, 404, notFound(r, name));
    return send(res, 200, withRv(kv.value, kv.modRevision));
  }
  if (method !== 'POST' && method !== 'PUT') return send(res, 405, status(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`));
  const body = await readBody(req);
  if (!body || typeof body !== 'object') return send(res, 400, status(400, 'BadRequest', 'the object provided could not be decoded as JSON'));
  if (body.kind !== r.kind) return send(res, 400, status(400, 'BadRequest', `the kind "${String(body.kind)}" does not match ${r.kind} for ${qualified(r)}`));
  const meta = { ...(body.metadata ?? {}) };
  const objName = meta.name ?? '';
  if (!objName) return send(res, 422, status(422, 'Invalid', `${r.kind} "" is invalid: metadata.name: Required value: name or generateName is required`));
  if (r.namespaced) {
    if (meta.namespace && meta.namespace !== ns) {
      return send(res, 400, status(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request'));
    }
    meta.namespace = ns;
  }
  if (method === 'POST') {
    if (name) return send(res, 405, status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'));
    if (r.namespaced && !(await etcd.get(keyOf(NAMESPACES, undefined, ns)))) return send(res, 404, notFound(NAMESPACES, ns ?? ''));
    const obj = { ...body, apiVersion: apiVersionOf(r), metadata: { ...meta, uid: randomUUID(), creationTimestamp: rfc3339(), resourceVersion: undefined } };
    const rev = await etcd.create(keyOf(r, ns, objName), JSON.stringify(obj));
    if (rev === undefined) return send(res, 409, status(409, 'AlreadyExists', `${qualified(r)} "${objName}" already exists`, { name: objName, ...(r.group ? { group: r.group } : {}), kind: r.plural }));
    return send(res, 201, withRv(JSON.stringify(obj), rev));
  }
  // PUT: optimistic concurrency on resourceVersion; without one the update is unconditional.
  if (name !== objName) return send(res, 400, status(400, 'BadRequest', `the name of the object (${objName}) does not match the name on the URL (${name ?? ''})`));
  const current = await etcd.get(keyOf(r, ns, objName));
  if (!current) return send(res, 404, notFound(r, objName));
  const old = JSON.parse(current.value) as Obj;
  const wantRev = meta.resourceVersion ? Number(meta.resourceVersion) : undefined;
  const conflict = () => send(res, 409, status(409, 'Conflict',
    `Operation cannot be fulfilled on ${qualified(r)} "${objName}": the object has been modified; please apply your changes to the latest version and try again`,
    { name: objName, ...(r.group ? { group: r.group } : {}), kind: r.plural }));
  if (wantRev !== undefined && wantRev !== current.modRevision) return conflict();
  const obj = { ...body, apiVersion: apiVersionOf(r), metadata: { ...meta, uid: old.metadata?.uid, creationTimestamp: old.metadata?.creationTimestamp, resourceVersion: undefined } };
  const rev = await etcd.update(keyOf(r, ns, objName), JSON.stringify(obj), wantRev ?? current.modRevision);
  if (rev === undefined) return conflict();
  return send(res, 200, withRv(JSON.stringify(obj), rev));
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://double');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const who = authenticate(req);
  if (who === 'invalid') return send(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
  const anonymous = who === undefined;
  const hm = /^\/(healthz|livez|readyz)(?:\/(.+))?$/.exec(path);
  if (hm) return health(res, hm[1] ?? 'healthz', hm[2], url.searchParams);
  if (path === '/version') {
    const v = doubleVersion();
    return send(res, 200, {
      ...v, gitCommit: 'lockstep-practice-double', gitTreeState: 'clean', buildDate: '2026-01-01T00:00:00Z',
      goVersion: `none (practice double on Node.js ${process.versions.node})`, compiler: 'node', platform: `linux/${process.arch === 'x64' ? 'amd64' : process.arch}`,
    });
  }
  if (anonymous && !PUBLIC.test(path)) {
    return send(res, 403, status(403, 'Forbidden', `forbidden: User "system:anonymous" cannot ${(req.method ?? 'get').toLowerCase()} path "${path}"`));
  }
  const wantTable = /as=Table/.test(req.headers.accept ?? '');
  switch (path) {
    case '/api':
      return send(res, 200, apiVersions(`${advertise}:${port}`));
    case '/apis':
      return send(res, 200, groupList());
    case '/api/v1':
      return send(res, 200, resourceList([NAMESPACES, NODES, PODS]));
    case '/apis/coordination.k8s.io':
      return send(res, 200, group());
    case '/apis/coordination.k8s.io/v1':
      return send(res, 200, resourceList([LEASES]));
    case '/openapi/v2':
      // An empty OpenAPI document (zero-length protobuf): kubectl then skips client-side validation.
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 0 });
      return void res.end();
  }
  let m = /^\/api\/v1\/namespaces(?:\/([^/]+))?$/.exec(path);
  if (m) return objects(req, res, NAMESPACES, undefined, m[1], wantTable);
  // Nodes and pods: there are no workers in the lab, so these lists are normally empty.
  m = /^\/api\/v1\/nodes(?:\/([^/]+))?$/.exec(path);
  if (m) return objects(req, res, NODES, undefined, m[1], wantTable);
  m = /^\/api\/v1(?:\/namespaces\/([^/]+))?\/pods(?:\/([^/]+))?$/.exec(path);
  if (m) return objects(req, res, PODS, m[1], m[2], wantTable);
  m = /^\/apis\/coordination\.k8s\.io\/v1(?:\/namespaces\/([^/]+))?\/leases(?:\/([^/]+))?$/.exec(path);
  if (m) return objects(req, res, LEASES, m[1], m[2], wantTable);
  return send(res, 404, status(404, 'NotFound', 'the server could not find the requested resource', { }));
}

const server = createServer(tlsOpts, (req, res) => {
  handle(req, res).catch((err: Error) => {
    log('E', `${req.method} ${req.url}: ${err.message}`);
    if (!res.headersSent) send(res, 500, status(500, 'InternalError', `Internal error occurred: ${err.message}`));
  });
});
server.on('error', (err) => fatal(`failed to listen on ${bindAddress}:${port}: ${err.message}`));
server.listen(port, bindAddress, () => {
  log('I', `Serving securely on ${bindAddress.includes(':') ? `[${bindAddress}]` : bindAddress}:${port}`);
  void bootstrap();
});
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    log('I', `received ${sig}, shutting down`);
    server.close();
    process.exit(0);
  });
}
