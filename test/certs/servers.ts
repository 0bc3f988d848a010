// Real TLS endpoints on loopback for the tests: node:tls servers (with SNI) and
// `openssl s_server`, on random ports; and a "node" that is this machine with its files
// under a temporary root, commands run for real.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { Socket, createServer as createTcpServer, type AddressInfo, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { createSecureContext, createServer, type Server as TlsServer } from 'node:tls';
import type { NodeAccess } from '../../src/certs/index.js';

export interface Served {
  /** PEM chain, leaf first. */
  cert: string;
  key: string;
}

export async function tlsServer(def: Served, bySni: Record<string, Served> = {}): Promise<{ port: number; server: TlsServer; close: () => Promise<void> }> {
  const server = createServer({
    cert: def.cert,
    key: def.key,
    SNICallback: (name, cb) => {
      const s = bySni[name];
      // Unknown names get the default certificate, as kube-apiserver does.
      cb(null, s ? createSecureContext({ cert: s.cert, key: s.key }) : undefined);
    },
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { port, server, close: () => new Promise((r) => server.close(() => r())) };
}

export async function freePort(): Promise<number> {
  const srv: Server = createTcpServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** A TCP server that accepts and never answers (for time-outs). */
export async function silentServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const srv = createTcpServer((s) => sockets.add(s));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    port: (srv.address() as AddressInfo).port,
    close: () => new Promise((r) => { for (const s of sockets) s.destroy(); srv.close(() => r()); }),
  };
}

/** `openssl s_server` serving `cert` (+ chain) on a random loopback port; resolves once it accepts. */
export async function opensslServer(dir: string, served: Served): Promise<{ port: number; proc: ChildProcess; stop: () => void }> {
  const certFile = join(dir, `s-${Math.random().toString(36).slice(2)}.pem`);
  const keyFile = `${certFile}.key`;
  const blocks = served.cert.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n?/g) ?? [];
  const chainFile = `${certFile}.chain`;
  writeFileSync(certFile, blocks[0] ?? '');
  writeFileSync(chainFile, blocks.slice(1).join(''));
  writeFileSync(keyFile, served.key, { mode: 0o600 });
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const proc = spawn('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-cert', certFile, '-key', keyFile, ...(blocks.length > 1 ? ['-cert_chain', chainFile] : []), '-quiet', '-naccept', '1000'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const ok = await new Promise<boolean>((resolve) => {
      const deadline = setTimeout(() => resolve(false), 10_000);
      const poll = setInterval(() => {
        // It listens once a TCP connect works.
        const c = new Socket();
        c.once('connect', () => { c.destroy(); clearInterval(poll); clearTimeout(deadline); resolve(true); });
        c.once('error', () => c.destroy());
        c.connect(port, '127.0.0.1');
      }, 50);
      proc.once('exit', () => { clearInterval(poll); clearTimeout(deadline); resolve(false); });
    });
    if (ok) return { port, proc, stop: () => proc.kill('SIGTERM') };
    proc.kill('SIGKILL');
    if (attempt >= 2) throw new Error('openssl s_server did not start');
  }
}

/** This machine as a node: commands run for real, files live under `root`. */
export class LocalRootAccess implements NodeAccess {
  readonly node: string;
  constructor(readonly root: string, node = 'local') { this.node = node; }
  exec(command: string, options: { timeoutMs?: number } = {}) {
    return new Promise<{ code: number | null; stdout: Buffer; stderr: Buffer }>((resolve) => {
      const child = spawn('bash', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      const t = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
      child.on('close', (code) => { clearTimeout(t); resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err) }); });
    });
  }
  async readFile(path: string): Promise<Buffer | null> {
    const p = join(this.root, path);
    return existsSync(p) ? readFileSync(p) : null;
  }
  write(path: string, text: string): void {
    const p = join(this.root, path);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
}
