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
export const NODES: ResourceInfo = { plural: 'nodes', kind: 'Node', group: '', version: 'v1', namespaced: false, shortNames: ['no'] };
export const PODS: ResourceInfo = { plural: 'pods', kind: 'Pod', group: '', version: 'v1', namespaced: true, shortNames: ['po'] };
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

/** Discovery for one group version; all resources given must share it. */
export function resourceList(rs: ResourceInfo[]): Obj {
  const verbs = ['create', 'delete', 'get', 'list', 'update', 'watch'];
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersionOf(rs[0] ?? LEASES),
    resources: rs.map((r) => ({
      name: r.plural, singularName: r.kind.toLowerCase(), namespaced: r.namespaced, kind: r.kind, verbs,
      ...(r.shortNames ? { shortNames: r.shortNames } : {}),
    })),
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
  const name = col('Name', 'name', 'Name must be unique within a namespace.');
  const ageCol = col('Age', '', 'CreationTimestamp');
  let columns = [name, ageCol];
  let cells = (o: Obj): unknown[] => [o.metadata?.name, age(o, now)];
  if (r === LEASES) {
    columns = [name, col('Holder', '', 'holderIdentity contains the identity of the holder of a current lease.'), ageCol];
    cells = (o) => [o.metadata?.name, (o.spec as { holderIdentity?: string } | undefined)?.holderIdentity ?? '', age(o, now)];
  } else if (r === NAMESPACES) {
    columns = [name, col('Status', '', 'The status of the namespace'), ageCol];
    cells = (o) => [o.metadata?.name, (o.status as { phase?: string } | undefined)?.phase ?? 'Active', age(o, now)];
  } else if (r === NODES) {
    columns = [name, col('Status', '', 'The status of the node'), col('Roles', '', 'The roles of the node'), ageCol, col('Version', '', 'Kubelet Version')];
    cells = (o) => [o.metadata?.name, 'Unknown', '<none>', age(o, now), ''];
  }
  const rows = items.map((o) => ({ cells: cells(o), object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata } }));
  return { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion }, columnDefinitions: columns, rows };
}
