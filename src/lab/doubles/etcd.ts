// A small client for etcd's v3 JSON gateway (/v3/kv/*) over TLS with client certificates:
// where the apiserver double keeps its objects, with etcd's revisions as resourceVersions.
import { request } from 'node:https';
import { readFileSync } from 'node:fs';

export interface EtcdTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

export interface KeyValue {
  key: string;
  value: string;
  createRevision: number;
  modRevision: number;
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const unb64 = (s: string | undefined): string => Buffer.from(s ?? '', 'base64').toString();

/** The end of a prefix range: the prefix with its last byte incremented. */
export function prefixEnd(prefix: string): string {
  const buf = Buffer.from(prefix);
  buf[buf.length - 1] = (buf[buf.length - 1] ?? 0) + 1;
  return buf.toString();
}

interface RawKv {
  key?: string;
  value?: string;
  create_revision?: string;
  mod_revision?: string;
}

function toKv(r: RawKv): KeyValue {
  return { key: unb64(r.key), value: unb64(r.value), createRevision: Number(r.create_revision ?? 0), modRevision: Number(r.mod_revision ?? 0) };
}

export class EtcdClient {
  private readonly tls: EtcdTls;
  constructor(
    private readonly servers: string[],
    files: { cafile?: string; certfile?: string; keyfile?: string },
    private readonly timeoutMs = 3000,
  ) {
    this.tls = {
      ca: files.cafile ? readFileSync(files.cafile) : undefined,
      cert: files.certfile ? readFileSync(files.certfile) : undefined,
      key: files.keyfile ? readFileSync(files.keyfile) : undefined,
    };
  }

  private post1(server: string, path: string, body: unknown): Promise<unknown> {
    const url = new URL(path, server.endsWith('/') ? server : `${server}/`);
    const data = JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(url, {
        method: 'POST',
        ...this.tls,
        timeout: this.timeoutMs,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
      }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          if ((res.statusCode ?? 500) >= 300) reject(new Error(`etcd ${server}${path}: HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
          else {
            try {
              resolve(JSON.parse(text));
            } catch {
              reject(new Error(`etcd ${server}${path}: not JSON`));
            }
          }
        });
      });
      req.on('timeout', () => req.destroy(new Error(`etcd ${server}: timed out after ${this.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(data);
    });
  }

  /** Tries each server in turn, as the real apiserver's client balances over --etcd-servers. */
  private async post(path: string, body: unknown): Promise<unknown> {
    let last: unknown;
    for (const s of this.servers) {
      try {
        return await this.post1(s, path, body);
      } catch (err) {
        last = err;
      }
    }
    throw last instanceof Error ? last : new Error('no etcd servers');
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const r = (await this.post('v3/kv/range', { key: b64(key) })) as { kvs?: RawKv[] };
    return r.kvs?.[0] ? toKv(r.kvs[0]) : undefined;
  }

  async list(prefix: string): Promise<{ items: KeyValue[]; revision: number }> {
    const r = (await this.post('v3/kv/range', { key: b64(prefix), range_end: b64(prefixEnd(prefix)) })) as {
      kvs?: RawKv[];
      header?: { revision?: string };
    };
    return { items: (r.kvs ?? []).map(toKv), revision: Number(r.header?.revision ?? 0) };
  }

  /** Puts only if the key is absent; returns the new revision, or undefined when it existed. */
  async create(key: string, value: string): Promise<number | undefined> {
    return this.txnPut(key, value, { key: b64(key), target: 'CREATE', result: 'EQUAL', create_revision: '0' });
  }

  /** Puts only if the key's mod revision is `rev` (or exists at all when rev is undefined). */
  async update(key: string, value: string, rev: number | undefined): Promise<number | undefined> {
    const cmp: Record<string, string> = rev === undefined
      ? { key: b64(key), target: 'CREATE', result: 'GREATER', create_revision: '0' }
      : { key: b64(key), target: 'MOD', result: 'EQUAL', mod_revision: String(rev) };
    return this.txnPut(key, value, cmp);
  }

  async delete(key: string): Promise<boolean> {
    const r = (await this.post('v3/kv/deleterange', { key: b64(key) })) as { deleted?: string };
    return Number(r.deleted ?? 0) > 0;
  }

  private async txnPut(key: string, value: string, compare: Record<string, string>): Promise<number | undefined> {
    const r = (await this.post('v3/kv/txn', {
      compare: [compare],
      success: [{ request_put: { key: b64(key), value: b64(value) } }],
    })) as { succeeded?: boolean; header?: { revision?: string } };
    return r.succeeded ? Number(r.header?.revision ?? 0) : undefined;
  }

  /** Health as the apiserver's etcd check sees it: a read that answers in time. */
  async healthy(): Promise<boolean> {
    try {
      await this.post('v3/kv/range', { key: b64('health') });
      return true;
    } catch {
      return false;
    }
  }
}
