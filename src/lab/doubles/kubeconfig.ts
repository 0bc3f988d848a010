// Reading a kubeconfig the way client-go does for the cases the runbooks write: the current
// context's cluster (server, CA) and user (client certificate and key, inline or as files).
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';

export interface ClientConfig {
  server: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

interface Named<T> {
  name: string;
  [k: string]: T | string;
}

type Section = Record<string, string | undefined>;

export function loadKubeconfig(path: string): ClientConfig {
  const doc = parse(readFileSync(path, 'utf8')) as {
    'current-context'?: string;
    contexts?: Named<{ cluster?: string; user?: string }>[];
    clusters?: Named<Section>[];
    users?: Named<Section>[];
  };
  const base = dirname(path);
  const ctxName = doc['current-context'] ?? doc.contexts?.[0]?.name;
  const ctx = doc.contexts?.find((c) => c.name === ctxName)?.context as { cluster?: string; user?: string } | undefined;
  if (!ctx) throw new Error(`${path}: no current context`);
  const cluster = doc.clusters?.find((c) => c.name === ctx.cluster)?.cluster as Section | undefined;
  const user = (doc.users?.find((u) => u.name === ctx.user)?.user ?? {}) as Section;
  if (!cluster?.server) throw new Error(`${path}: context ${ctxName} has no cluster server`);
  const material = (data: string | undefined, file: string | undefined): Buffer | undefined => {
    if (data) return Buffer.from(data, 'base64');
    if (file) return readFileSync(isAbsolute(file) ? file : resolve(base, file));
    return undefined;
  };
  return {
    server: cluster.server,
    ca: material(cluster['certificate-authority-data'], cluster['certificate-authority']),
    cert: material(user['client-certificate-data'], user['client-certificate']),
    key: material(user['client-key-data'], user['client-key']),
  };
}
