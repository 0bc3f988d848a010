// The API shapes the apiserver double serves: discovery documents, Status errors and
// server-side Tables, as kubectl expects them.
import { humanDuration } from './common.js';

export type Obj = Record<string, unknown> & { metadata?: Meta };
export interface Meta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  [k: string]: unknown;
}

export interface ResourceInfo {
  /** Plural name in URLs. */
  plural: string;
  kind: string;
  group: string;
  version: string;
  namespaced: boolean;
  shortNames?: string[];
}

export const NAMESPACES: ResourceInfo = { plural: 'namespaces', kind: 'Namespace', group: '', version: 'v1', namespaced: false, shortNames: ['ns'] };
export const LEASES: ResourceInfo = { plural: 'leases', kind: 'Lease', group: 'coordination.k8s.io', version: 'v1', namespaced: true };

export function apiVersionOf(r: ResourceInfo): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

/** `leases.coordination.k8s.io` or `namespaces`, as Kubernetes names resources in messages. */
export function qualified(r: ResourceInfo): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}

export function status(code: number, reason: string, message: string, details?: Record<string, unknown>): Obj {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

export function notFound(r: ResourceInfo, name: string): Obj {
  return status(404, 'NotFound', `${qualified(r)} "${name}" not found`, { name, ...(r.group ? { group: r.group } : {}), kind: r.plural });
}

export function resourceList(r: ResourceInfo): Obj {
  const verbs = ['create', 'delete', 'get', 'list', 'update', 'watch'];
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersionOf(r),
    resources: [{
      name: r.plural, singularName: r.kind.toLowerCase(), namespaced: r.namespaced, kind: r.kind, verbs,
      ...(r.shortNames ? { shortNames: r.shortNames } : {}),
    }],
  };
}

export function apiVersions(serverAddress: string): Obj {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

export function groupList(): Obj {
  const gv = { groupVersion: apiVersionOf(LEASES), version: LEASES.version };
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [{ name: LEASES.group, versions: [gv], preferredVersion: gv }] };
}

export function group(): Obj {
  const gv = { groupVersion: apiVersionOf(LEASES), version: LEASES.version };
  return { kind: 'APIGroup', apiVersion: 'v1', name: LEASES.group, versions: [gv], preferredVersion: gv };
}

function age(o: Obj, now: number): string {
  const t = Date.parse(o.metadata?.creationTimestamp ?? '');
  return Number.isNaN(t) ? '<unknown>' : humanDuration(now - t);
}

/** A meta.k8s.io/v1 Table, which kubectl prints as it is (server-side printing). */
export function table(r: ResourceInfo, items: Obj[], resourceVersion: string, now = Date.now()): Obj {
  const col = (name: string, format = '', description = '') => ({ name, type: 'string', format, description, priority: 0 });
  const columns = r === LEASES
    ? [col('Name', 'name', 'Name must be unique within a namespace.'), col('Holder', '', 'holderIdentity contains the identity of the holder of a current lease.'), col('Age', '', 'CreationTimestamp')]
    : [col('Name', 'name', 'Name must be unique within a namespace.'), col('Status', '', 'The status of the namespace'), col('Age', '', 'CreationTimestamp')];
  const rows = items.map((o) => {
    const spec = (o.spec ?? {}) as { holderIdentity?: string };
    const st = (o.status ?? {}) as { phase?: string };
    const cells = r === LEASES ? [o.metadata?.name, spec.holderIdentity ?? '', age(o, now)] : [o.metadata?.name, st.phase ?? 'Active', age(o, now)];
    return { cells, object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata } };
  });
  return { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion }, columnDefinitions: columns, rows };
}
