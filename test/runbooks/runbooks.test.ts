// The control-plane runbooks (runbooks/*.md): every one lints clean and plans for an inventory
// shaped like the practice lab's, and the plan holds what the articles require (per-node etcd
// URLs, every name in the API server's certificate, HTTPS health checks on the load balancer…).
// Every shell block is checked with `bash -n`, and every unit file with `systemd-analyze verify`
// when those tools are on the machine.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadInventory, type Inventory } from '../../src/inventory/index.js';
import { buildPlan, loadRunbooks, validateRunbooks, type Plan, type PlannedBlock, type RenderedBlock } from '../../src/runbook/index.js';

const DIR = 'runbooks';
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.md')).sort().map((f) => join(DIR, f));
const EXPECTED = [
  'api-vip-haproxy-keepalived', 'api-vip-ipvs-ldirectord', 'api-vip-nginx', 'binaries', 'control-plane', 'etcd',
  'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'pki',
];
const CONTROLLERS = { controller0: '10.213.0.11', controller1: '10.213.0.12', controller2: '10.213.0.13' } as const;
const VIP = '10.213.0.100';

function inventory(): Inventory {
  const r = loadInventory('test/runbooks/fixtures/lab-inventory.yaml');
  expect(r.diagnostics).toEqual([]);
  if (!r.value) throw new Error('fixture inventory did not load');
  return r.value;
}

function planOf(files: string[]): Plan {
  const loaded = loadRunbooks(files);
  expect(loaded.diagnostics).toEqual([]);
  const r = buildPlan(loaded.value ?? [], inventory());
  expect(r.diagnostics).toEqual([]);
  if (!r.plan) throw new Error(`no plan for ${files.join(' ')}`);
  return r.plan;
}

function blocks(plan: Plan): PlannedBlock[] {
  return plan.steps.flatMap((s) => [...s.actions, ...s.gates, ...s.rollbacks]);
}

/** The rendered block with this id (`<runbook>/<step>/<block>`) on one node. */
function rendered(plan: Plan, id: string, node: string): RenderedBlock {
  const b = blocks(plan).find((x) => x.id === id);
  if (!b) throw new Error(`no block ${id}; have:\n${blocks(plan).map((x) => x.id).join('\n')}`);
  const r = b.perNode[node];
  if (!r) throw new Error(`block ${id} does not run on ${node} (runs on ${b.nodes.join(', ')})`);
  return r;
}

function fileAt(plan: Plan, path: string, node: string): string {
  for (const b of blocks(plan)) {
    const r = b.perNode[node];
    if (r?.kind === 'file' && r.path === path) return r.content;
  }
  throw new Error(`no file block writes ${path} on ${node}`);
}

function scriptOf(r: RenderedBlock): string {
  if (r.kind === 'run' || r.kind === 'rollback' || r.kind === 'verify') return r.script;
  throw new Error(`not a shell block: ${r.kind}`);
}

const ALL = (): Plan => planOf(FILES);

describe('the control-plane runbooks', () => {
  it('are all there', () => {
    expect(FILES.map((f) => f.replace(/^runbooks\/|\.md$/g, ''))).toEqual(EXPECTED);
  });

  it('lint clean, with and without the lab-like inventory', () => {
    const loaded = loadRunbooks(FILES);
    expect(loaded.diagnostics).toEqual([]);
    expect(validateRunbooks(loaded.value ?? [], undefined)).toEqual([]);
    expect(validateRunbooks(loaded.value ?? [], inventory())).toEqual([]);
  });

  it.each(FILES)('%s plans on its own for the lab-like inventory', (file) => {
    const plan = planOf([file]);
    expect(plan.steps.length).toBeGreaterThan(0);
  });

  it('never hard-code a lab address: every address comes from the inventory', () => {
    for (const f of FILES) expect(readFileSync(f, 'utf8'), f).not.toMatch(/\b10\.213\.\d+\.\d+\b/);
  });

  it('control-plane runs its requirements in order, with haproxy + keepalived as the virtual IP', () => {
    const plan = planOf(['runbooks/control-plane.md']);
    expect(plan.runbooks.map((r) => r.name)).toEqual([
      'pki', 'binaries', 'etcd', 'kube-apiserver', 'api-vip-haproxy-keepalived', 'kube-controller-manager', 'kube-scheduler', 'control-plane',
    ]);
  });

  it('another virtual IP variant replaces the default when named with the runbooks after it', () => {
    const plan = planOf(['runbooks/api-vip-nginx.md', 'runbooks/kube-controller-manager.md', 'runbooks/kube-scheduler.md']);
    expect(plan.runbooks.map((r) => r.name)).toEqual([
      'pki', 'binaries', 'etcd', 'kube-apiserver', 'api-vip-nginx', 'kube-controller-manager', 'kube-scheduler',
    ]);
  });

  it('puts a gate in every step that changes something', () => {
    for (const s of ALL().steps) if (s.actions.length > 0) expect(s.gates.length, s.id).toBeGreaterThan(0);
  });

  it('makes the PKI on the workstation only, and copies it with scp through the ssh config', () => {
    const plan = planOf(['runbooks/pki.md']);
    for (const s of plan.steps) for (const b of s.actions) expect(b.nodes, b.id).toEqual(['workstation']);
    const copy = scriptOf(rendered(plan, 'pki/distribute/distribute-run', 'workstation'));
    expect(copy).toContain('scp -q -F "/var/lib/lockstep/lab/ssh_config"');
    expect(copy).toContain('for host in controller0 controller1 controller2; do');
    expect(copy).toContain('for host in gateway; do');
    // Keys are never printed: nothing cats a key, and key inspection is -noout / -pubout only.
    const text = FILES.map((f) => readFileSync(f, 'utf8')).join('\n');
    expect(text).not.toMatch(/\bcat\b[^\n|]*-key\.pem/);
    expect(text).not.toMatch(/openssl (rsa|pkey)\b(?![^\n]*-pubout)[^\n]*-in/);
  });

  it('asks for a serving certificate with every name clients use', () => {
    const cnf = fileAt(planOf(['runbooks/pki.md']), '/var/lib/lockstep/pki/openssl.cnf', 'workstation');
    const san = /^subjectAltName = (.*)$/m.exec(cnf)?.[1]?.split(', ') ?? [];
    const want = [
      `IP:${VIP}`, ...Object.values(CONTROLLERS).map((a) => `IP:${a}`), ...Object.keys(CONTROLLERS).map((n) => `DNS:${n}`),
      'IP:127.0.0.1', 'DNS:localhost', 'IP:10.32.0.1', 'DNS:kubernetes', 'DNS:kubernetes.default', 'DNS:kubernetes.default.svc',
      'DNS:kubernetes.default.svc.cluster.local',
    ];
    expect([...san].sort()).toEqual([...want].sort());
  });

  it('points the admin kubeconfig at the virtual IP and the components at their local API server', () => {
    const script = scriptOf(rendered(planOf(['runbooks/pki.md']), 'pki/write-the-kubeconfigs/write-the-kubeconfigs-run', 'workstation'));
    expect(script).toContain(`kubeconfig admin admin "https://${VIP}:6443"`);
    expect(script).toContain('kubeconfig kube-controller-manager kube-controller-manager "https://127.0.0.1:6443"');
    expect(script).toContain('kubeconfig kube-scheduler kube-scheduler "https://127.0.0.1:6443"');
  });

  it('gives each etcd member its own URLs and the three-member initial cluster', () => {
    const plan = planOf(['runbooks/etcd.md']);
    const cluster = Object.entries(CONTROLLERS).map(([n, a]) => `${n}=https://${a}:2380`).join(',');
    for (const [name, address] of Object.entries(CONTROLLERS)) {
      const unit = fileAt(plan, '/etc/systemd/system/etcd.service', name);
      expect(unit).toContain(`--name ${name} `);
      expect(unit).toContain(`--listen-peer-urls https://${address}:2380 `);
      expect(unit).toContain(`--initial-advertise-peer-urls https://${address}:2380 `);
      expect(unit).toContain(`--listen-client-urls https://${address}:2379,https://127.0.0.1:2379 `);
      expect(unit).toContain(`--initial-cluster ${cluster} `);
      expect(unit).toContain('--initial-cluster-state new');
      expect(unit).toMatch(/^Type=notify$/m);
    }
  });

  it('starts the etcd members together and reads etcdctl health from stderr', () => {
    const plan = planOf(['runbooks/etcd.md']);
    const start = blocks(plan).find((b) => b.id === 'etcd/start-the-members-together/start-the-members-together-run');
    expect(start?.nodes).toEqual(Object.keys(CONTROLLERS));
    expect(scriptOf(start!.perNode.controller0!)).toContain('systemctl restart --no-block etcd');
    const gate = rendered(plan, 'etcd/start-the-members-together/start-the-members-together-verify', 'controller1');
    expect(gate.kind === 'verify' && gate.retries).toBeGreaterThanOrEqual(10);
    expect(scriptOf(gate)).toMatch(/etcdctl endpoint health[\s\S]*2>&1/);
    const members = scriptOf(rendered(plan, 'etcd/check-the-membership/check-the-membership-verify', 'controller2'));
    expect(members).toContain(`--endpoints=${Object.values(CONTROLLERS).map((a) => `https://${a}:2379`).join(',')} 2>&1`);
  });

  it('configures kube-apiserver with the articles\' flags, per node', () => {
    const plan = planOf(['runbooks/kube-apiserver.md']);
    const unit = fileAt(plan, '/etc/systemd/system/kube-apiserver.service', 'controller2');
    for (const flag of [
      '--advertise-address=10.213.0.13', '--bind-address=0.0.0.0', '--secure-port=6443',
      `--etcd-servers=${Object.values(CONTROLLERS).map((a) => `https://${a}:2379`).join(',')}`,
      '--etcd-cafile=/var/lib/kubernetes/ca.pem', '--etcd-certfile=/var/lib/kubernetes/kubernetes.pem',
      '--etcd-keyfile=/var/lib/kubernetes/kubernetes-key.pem', '--client-ca-file=/var/lib/kubernetes/ca.pem',
      '--tls-cert-file=/var/lib/kubernetes/kubernetes.pem', '--tls-private-key-file=/var/lib/kubernetes/kubernetes-key.pem',
      '--service-account-key-file=/var/lib/kubernetes/service-account.pem',
      '--service-account-signing-key-file=/var/lib/kubernetes/service-account-key.pem',
      `--service-account-issuer=https://${VIP}:6443`, '--service-cluster-ip-range=10.32.0.0/24',
      '--encryption-provider-config=/var/lib/kubernetes/encryption-config.yaml', '--authorization-mode=Node,RBAC',
    ]) expect(unit).toContain(`${flag} \\`);
  });

  it('gates kube-apiserver on /healthz at each node\'s own address and on the SAN check', () => {
    const plan = planOf(['runbooks/kube-apiserver.md']);
    for (const [name, address] of Object.entries(CONTROLLERS)) {
      const health = scriptOf(rendered(plan, 'kube-apiserver/start-kube-apiserver/start-kube-apiserver-verify', name));
      expect(health).toContain(`--cacert /var/lib/kubernetes/ca.pem https://${address}:6443/healthz`);
      const san = rendered(plan, 'kube-apiserver/check-the-served-certificates-names/check-the-served-certificates-names-san-check', name);
      if (san.kind !== 'san-check') throw new Error('not a san-check');
      expect(san.options.endpoints).toEqual([`${address}:6443`, '127.0.0.1:6443']);
      expect(san.options.names).toEqual(expect.arrayContaining([VIP, address, name, '127.0.0.1', '10.32.0.1', 'kubernetes.default.svc.cluster.local']));
      expect(san.options.ca).toBe('/var/lib/kubernetes/ca.pem');
    }
  });

  it('checks the API servers over HTTPS from haproxy, the way haproxy accepts', () => {
    const cfg = fileAt(planOf(['runbooks/api-vip-haproxy-keepalived.md']), '/etc/haproxy/haproxy.cfg', 'gateway');
    const servers = cfg.split('\n').filter((l) => /^\s+server /.test(l));
    expect(servers).toHaveLength(3);
    for (const [name, address] of Object.entries(CONTROLLERS)) {
      expect(servers).toContain(`    server ${name} ${address}:6443 check check-ssl verify required ca-file /etc/haproxy/kubernetes-ca.pem`);
    }
    expect(cfg).toMatch(/option httpchk GET \/healthz/);
    expect(cfg).not.toMatch(/^\s*option\s+ssl-hello-chk/m);
  });

  it('lets keepalived run its check script safely and hold the VIP', () => {
    const plan = planOf(['runbooks/api-vip-haproxy-keepalived.md']);
    const conf = fileAt(plan, '/etc/keepalived/keepalived.conf', 'gateway');
    expect(conf).toMatch(/^\s*enable_script_security$/m);
    expect(conf).toContain(`${VIP}/32 dev eth0`);
    expect(conf).toContain('interface eth0');
    const failover = blocks(plan).find((b) => b.id === 'api-vip-haproxy-keepalived/take-one-api-server-away/take-one-api-server-away-run');
    expect(failover?.nodes).toEqual(['controller0']);
  });

  it('balances with least_conn in nginx and with direct routing in ldirectord', () => {
    const nginx = fileAt(planOf(['runbooks/api-vip-nginx.md']), '/etc/nginx/nginx.conf', 'gateway');
    expect(nginx).toMatch(/least_conn;/);
    for (const a of Object.values(CONTROLLERS)) expect(nginx).toContain(`server ${a}:6443 max_fails=2 fail_timeout=10s;`);
    const plan = planOf(['runbooks/api-vip-ipvs-ldirectord.md']);
    const cf = fileAt(plan, '/etc/ha.d/ldirectord.cf', 'gateway');
    expect(cf).toContain(`virtual=${VIP}:6443`);
    for (const a of Object.values(CONTROLLERS)) expect(cf).toContain(`    real=${a}:6443 gate`);
    expect(cf).toMatch(/service=https\n\s+request="healthz"\n\s+receive="ok"/);
    const lo = scriptOf(rendered(plan, 'api-vip-ipvs-ldirectord/let-the-controllers-accept-the-virtual-ip-without-announcing-it/let-the-controllers-accept-the-virtual-ip-without-announcing-it-run', 'controller1'));
    expect(lo).toContain(`sudo ip addr add ${VIP}/32 dev lo`);
    expect(readFileSync('runbooks/api-vip-ipvs-ldirectord.md', 'utf8')).toMatch(/IPVS is not available/);
  });

  it('elects one leader for the controller manager and the scheduler, checked once', () => {
    const plan = ALL();
    for (const [rb, lease] of [['kube-controller-manager', 'kube-controller-manager'], ['kube-scheduler', 'kube-scheduler']] as const) {
      const gate = blocks(plan).find((b) => b.id === `${rb}/check-that-exactly-one-copy-leads/check-that-exactly-one-copy-leads-verify`);
      expect(gate?.nodes).toEqual(['controller0']);
      const script = scriptOf(gate!.perNode.controller0!);
      expect(script).toContain(`get lease ${lease} -o jsonpath='{.spec.holderIdentity}'`);
      expect(script).toContain('controller0_*|controller1_*|controller2_*) ;;');
    }
    const port = { 'kube-controller-manager': 10257, 'kube-scheduler': 10259 };
    for (const [rb, p] of Object.entries(port)) {
      const h = scriptOf(rendered(plan, `${rb}/start-${rb}/start-${rb}-verify`, 'controller2'));
      expect(h).toContain(`https://127.0.0.1:${p}/healthz`);
    }
  });
});

describe('the runbooks\' shell and unit files are well-formed', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'lockstep-runbooks-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

  it.runIf(has('bash'))('every run, verify and rollback block passes bash -n on every node', () => {
    const failures: string[] = [];
    for (const b of blocks(ALL())) {
      for (const [node, r] of Object.entries(b.perNode)) {
        if (r.kind !== 'run' && r.kind !== 'verify' && r.kind !== 'rollback') continue;
        const res = spawnSync('bash', ['-n'], { input: r.script, encoding: 'utf8' });
        if (res.status !== 0) failures.push(`${b.id} on ${node}: ${res.stderr}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it.runIf(has('systemd-analyze'))('every unit file passes systemd-analyze verify', () => {
    const units = blocks(ALL()).flatMap((b) => {
      const r = b.perNode[b.nodes[0] ?? ''];
      return r?.kind === 'file' && r.path.endsWith('.service') ? [r] : [];
    });
    expect(units.length).toBe(4);
    for (const u of units) {
      if (u.kind !== 'file') continue;
      // The binaries are not on this machine: check the unit's syntax with a stand-in command.
      const path = join(tmp, u.path.split('/').pop()!);
      writeFileSync(path, u.content.replace(/\/usr\/local\/bin\/[a-z-]+/g, '/bin/true'));
      const out = execFileSync('sh', ['-c', `systemd-analyze verify '${path}' 2>&1 || true`], { encoding: 'utf8' });
      expect(out, u.path).toBe('');
    }
  });
});
