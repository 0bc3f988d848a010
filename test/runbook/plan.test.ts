import { describe, expect, it } from 'vitest';
import { buildPlan, formatPlan, type Plan } from '../../src/runbook/index.js';
import { inv, rb, show, THREE } from './helpers.js';

const PKI = rb('rb/pki.md', '---\nvars:\n  ca_name: lab-ca\n---\n# PKI\n\n## Make the CA\n<!-- lockstep: once -->\n\n```sh\nmake-ca ${ca_name}\n```\n');
const ETCD = rb(
  'rb/etcd.md',
  `---
requires: [pki]
targets: controllers
vars:
  token:
    secret: true
  peer_port: "2380"
---
# etcd

## Configure
<!-- lockstep: timeout=2m -->

\`\`\`ini file path=/etc/etcd/\${node.name}.env mode=0600 owner=etcd
NAME=\${node.name}
CLUSTER=\${nodes(controllers, "{name}=https://{ip}:{peer_port}", ",")}
\`\`\`

\`\`\`sh
systemctl restart etcd --token "\${token}"
\`\`\`

\`\`\`sh verify retries=4 interval=3s expect="\${node.name} is healthy"
etcdctl endpoint health
\`\`\`

\`\`\`yaml san-check
endpoints:
  - \${node.address}:2379
names: [\${node.name}, \${ip}]
\`\`\`

\`\`\`sh rollback on=gateway
echo undo
\`\`\`
`,
);

describe('buildPlan', () => {
  const inventory = inv(THREE);

  it('orders requirements first and renders each node its own text', () => {
    const { plan, diagnostics } = buildPlan([ETCD, PKI], inventory, { vars: { token: 'sekrit' } });
    expect(show(diagnostics)).toEqual([]);
    const p = plan as Plan;
    expect(p.runbooks.map((r) => r.name)).toEqual(['pki', 'etcd']);
    expect(p.steps.map((s) => [s.id, s.nodes])).toEqual([
      ['pki/make-the-ca', ['c0']],
      ['etcd/configure', ['c0', 'c1', 'c2', 'gw']],
    ]);
    const step = p.steps[1]!;
    expect(step.source).toEqual({ file: 'rb/etcd.md', line: 11, column: 1 });
    const [file, run] = step.actions;
    expect(file!.id).toBe('etcd/configure/configure-file');
    expect(file!.nodes).toEqual(['c0', 'c1', 'c2']);
    expect(file!.timeoutMs).toBe(120_000);
    expect(file!.perNode.c1).toEqual({
      kind: 'file',
      path: '/etc/etcd/c1.env',
      mode: 0o600,
      owner: 'etcd',
      content: 'NAME=c1\nCLUSTER=c0=https://192.168.0.10:2380,c1=https://192.168.0.11:2380,c2=https://192.168.0.12:2380\n',
    });
    expect(run!.perNode.c2).toEqual({ kind: 'run', script: 'systemctl restart etcd --token "sekrit"' });
    const [verify, san] = step.gates;
    expect(verify!.perNode.c0).toEqual({ kind: 'verify', script: 'etcdctl endpoint health', retries: 4, intervalMs: 3000, expect: 'c0 is healthy' });
    expect(san!.perNode.c2).toEqual({ kind: 'san-check', options: { endpoints: ['10.0.0.12:2379'], names: ['c2', '192.168.0.12'] }, retries: 0, intervalMs: 2000 });
    expect(step.rollbacks[0]!.nodes).toEqual(['gw']);
    expect(p.secrets).toEqual(['sekrit']);
    expect(p.nodes[0]).toEqual({ name: 'c0', address: '10.0.0.10', groups: ['controllers'] });
  });

  it('redacts secrets for printing and never prints their values', () => {
    const { plan } = buildPlan([ETCD, PKI], inventory, { vars: { token: 'sekrit' }, redactSecrets: true });
    const p = plan as Plan;
    expect(p.steps[1]!.actions[1]!.perNode.c0).toEqual({ kind: 'run', script: 'systemctl restart etcd --token "<secret:token>"' });
    const text = formatPlan({ ...p, secrets: [] });
    expect(text).not.toContain('sekrit');
    expect(text).toContain('<secret:token>');
    expect(text).toContain('-- etcd/configure: Configure  (rb/etcd.md:11)');
    expect(text).toContain('    on c0, c1, c2\n      | systemctl restart etcd --token "<secret:token>"');
    expect(text).toContain('    on c1: /etc/etcd/c1.env mode=0600 owner=etcd');
  });

  it('reports a variable without a value once, listing the nodes, and builds no plan', () => {
    const { plan, diagnostics } = buildPlan([ETCD, PKI], inventory);
    expect(plan).toBeUndefined();
    expect(show(diagnostics)).toEqual(['rb/etcd.md:20:33: error: variable `token` has no value on nodes c0, c1, c2']);
  });

  it('reports a file path that does not render to an absolute path', () => {
    const r = rb('rb/p.md', '---\nvars:\n  dir: etc\n---\n# P\n\n## S\n\n```ini file path=${dir}/x.conf on=c0\nx\n```\n');
    const { plan, diagnostics } = buildPlan([r], inventory);
    expect(plan).toBeUndefined();
    expect(show(diagnostics)).toEqual(['rb/p.md:9:18: error: on node c0 the file path renders to `etc/x.conf`, which is not absolute']);
  });

  it('builds no plan when validation finds errors', () => {
    const bad = rb('rb/bad.md', '# B\n\n## S\n\n```sh run on=nobody\ntrue\n```\n');
    const { plan, diagnostics } = buildPlan([bad], inventory);
    expect(plan).toBeUndefined();
    expect(show(diagnostics)).toEqual(['rb/bad.md:5:14: error: unknown group or node `nobody`']);
  });
});
