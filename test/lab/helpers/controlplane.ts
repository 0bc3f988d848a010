// Brings up the pieces the doubles need on the lab controllers, the way a runbook does:
// certificates in /etc/etcd and /var/lib/kubernetes, etcd from a systemd unit file, and the
// doubles as systemd services running from the lab's binaries directory.
import type { LabNodeSpec } from '../../../src/lab/index.js';
import { cfg, copyTo, mustOnNode, tick } from './lab.js';
import type { Pki } from './pki.js';

export function controllers(): LabNodeSpec[] {
  return cfg().nodes.filter((n) => n.groups.includes('controllers'));
}

export async function installPki(pki: Pki): Promise<void> {
  for (const n of controllers()) {
    await tick();
    copyTo(n.name, {
      '/etc/etcd/ca.pem': pki.file('ca.pem'),
      '/etc/etcd/etcd.pem': pki.file('etcd.pem'),
      '/etc/etcd/etcd-key.pem': pki.file('etcd-key.pem'),
      '/var/lib/kubernetes/ca.pem': pki.file('ca.pem'),
      '/var/lib/kubernetes/kubernetes.pem': pki.file('kubernetes.pem'),
      '/var/lib/kubernetes/kubernetes-key.pem': pki.file('kubernetes-key.pem'),
      '/var/lib/kubernetes/admin.pem': pki.file('admin.pem'),
      '/var/lib/kubernetes/admin-key.pem': pki.file('admin-key.pem'),
      '/var/lib/kubernetes/kube-controller-manager.pem': pki.file('kube-controller-manager.pem'),
      '/var/lib/kubernetes/kube-controller-manager-key.pem': pki.file('kube-controller-manager-key.pem'),
      '/var/lib/kubernetes/kube-scheduler.pem': pki.file('kube-scheduler.pem'),
      '/var/lib/kubernetes/kube-scheduler-key.pem': pki.file('kube-scheduler-key.pem'),
    });
  }
}

function etcdUnit(n: LabNodeSpec, all: LabNodeSpec[]): string {
  const cluster = all.map((o) => `${o.name}=https://${o.address}:2380`).join(',');
  return `[Unit]
Description=etcd (lockstep lab test)

[Service]
Type=notify
ExecStart=/usr/local/bin/etcd \\
  --name ${n.name} \\
  --cert-file=/etc/etcd/etcd.pem --key-file=/etc/etcd/etcd-key.pem \\
  --peer-cert-file=/etc/etcd/etcd.pem --peer-key-file=/etc/etcd/etcd-key.pem \\
  --trusted-ca-file=/etc/etcd/ca.pem --peer-trusted-ca-file=/etc/etcd/ca.pem \\
  --peer-client-cert-auth --client-cert-auth \\
  --initial-advertise-peer-urls https://${n.address}:2380 \\
  --listen-peer-urls https://${n.address}:2380 \\
  --listen-client-urls https://${n.address}:2379,https://127.0.0.1:2379 \\
  --advertise-client-urls https://${n.address}:2379 \\
  --initial-cluster-token lockstep-lab-test \\
  --initial-cluster ${cluster} \\
  --initial-cluster-state new \\
  --data-dir=/var/lib/etcd
Restart=on-failure
RestartSec=2

[Install]
WantedBy=multi-user.target
`;
}

/** Installs etcd from the lab binaries dir and starts it from a unit file on every controller. */
export async function startEtcd(): Promise<void> {
  const all = controllers();
  const b = cfg().nodeBinDir;
  // Started with --no-block: each member waits for its peers, so all start before any check.
  for (const n of all) {
    await tick();
    const unit = etcdUnit(n, all).replace(/'/g, "'\\''");
    mustOnNode(n.name, `set -e
install -m 0755 ${b}/etcd ${b}/etcdctl /usr/local/bin/
mkdir -p /var/lib/etcd && chmod 700 /var/lib/etcd
printf '%s' '${unit}' > /etc/systemd/system/etcd.service
systemctl daemon-reload
systemctl enable etcd >/dev/null 2>&1
systemctl start --no-block etcd`);
  }
  for (const n of all) {
    await tick();
    mustOnNode(n.name, `for i in $(seq 1 100); do ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/etcd/ca.pem \\
      --cert=/etc/etcd/etcd.pem --key=/etc/etcd/etcd-key.pem endpoint health >/dev/null 2>&1 && exit 0; sleep 0.3; done
      systemctl status etcd --no-pager; exit 1`, { timeoutMs: 60_000 });
  }
}

export function apiserverFlags(n: LabNodeSpec, extra: string[] = []): string {
  const etcd = controllers().map((o) => `https://${o.address}:2379`).join(',');
  return [
    `--advertise-address=${n.address}`, '--allow-privileged=true', '--apiserver-count=3', '--authorization-mode=Node,RBAC',
    '--bind-address=0.0.0.0', '--client-ca-file=/var/lib/kubernetes/ca.pem', '--etcd-cafile=/var/lib/kubernetes/ca.pem',
    '--etcd-certfile=/var/lib/kubernetes/kubernetes.pem', '--etcd-keyfile=/var/lib/kubernetes/kubernetes-key.pem',
    `--etcd-servers=${etcd}`, '--service-cluster-ip-range=10.32.0.0/24', '--tls-cert-file=/var/lib/kubernetes/kubernetes.pem',
    '--tls-private-key-file=/var/lib/kubernetes/kubernetes-key.pem', '--v=2', ...extra,
  ].join(' ');
}

/** A transient systemd service running a binary from the lab's binaries dir. */
export function runService(node: string, unit: string, command: string): void {
  mustOnNode(node, `${unloadScript(unit)}\nsystemd-run --collect --unit=${unit} ${command} >/dev/null`);
}

/** Stops a transient unit and waits until systemd has unloaded it, so its name is free again. */
function unloadScript(unit: string): string {
  return `systemctl stop ${unit} 2>/dev/null; systemctl reset-failed ${unit} 2>/dev/null
for i in $(seq 1 50); do [ "$(systemctl show -p LoadState --value ${unit})" = not-found ] && break; sleep 0.1; done`;
}

export function stopService(node: string, unit: string): void {
  mustOnNode(node, `${unloadScript(unit)}; true`);
}

/** Waits until a TCP port answers on the node itself. */
export function waitPort(node: string, port: number): void {
  mustOnNode(node, `for i in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/${port}) 2>/dev/null && exit 0; sleep 0.2; done; exit 1`);
}

/**
 * A kubeconfig for a client certificate. Written as YAML: Debian 12's kubectl 1.20 (built with
 * Go 1.19) panics in `kubectl config set-credentials` (reflect2 map iteration).
 */
export function writeKubeconfig(node: string, path: string, user: string, server: string): void {
  mustOnNode(node, `set -e
b64() { base64 -w0 < "$1"; }
cat > ${path} <<EOF
apiVersion: v1
kind: Config
clusters:
- name: lab
  cluster:
    certificate-authority-data: $(b64 /var/lib/kubernetes/ca.pem)
    server: ${server}
users:
- name: ${user}
  user:
    client-certificate-data: $(b64 /var/lib/kubernetes/${user}.pem)
    client-key-data: $(b64 /var/lib/kubernetes/${user}-key.pem)
contexts:
- name: default
  context:
    cluster: lab
    user: ${user}
current-context: default
EOF
chmod 0600 ${path}`);
}

const UNITS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd'];

/** Stops what earlier tests started on the controllers and wipes etcd's data, for a clean start. */
export async function resetControlPlane(): Promise<void> {
  for (const n of controllers()) {
    await tick();
    mustOnNode(n.name, `systemctl stop ${UNITS.join(' ')} 'lockstep-*' 'test-*' 2>/dev/null
systemctl disable etcd 2>/dev/null
systemctl reset-failed 2>/dev/null
rm -rf /var/lib/etcd /var/run/kubernetes; true`);
  }
}

/** A fresh PKI, etcd on every controller from a unit file, and a kubeconfig per client. */
export async function freshControlPlane(pki: Pki): Promise<void> {
  await resetControlPlane();
  await installPki(pki);
  await startEtcd();
  for (const n of controllers()) {
    await tick();
    for (const u of ['admin', 'kube-controller-manager', 'kube-scheduler']) {
      writeKubeconfig(n.name, `/var/lib/kubernetes/${u}.kubeconfig`, u, 'https://127.0.0.1:6443');
    }
  }
}

/** The journal of a unit's current run only (earlier runs of the same unit name excluded). */
export function unitLog(node: string, unit: string, waitFor?: string): string {
  const j = `journalctl --no-pager -o cat _SYSTEMD_INVOCATION_ID=$(systemctl show -p InvocationID --value ${unit})`;
  const wait = waitFor ? `for i in $(seq 1 25); do ${j} | grep -qF '${waitFor}' && break; sleep 0.2; done\n` : '';
  return mustOnNode(node, `${wait}${j}`);
}
