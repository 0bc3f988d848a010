import { describe, expect, it } from 'vitest';
import * as planCommand from '../../src/cli/plan.js';
import type { Plan } from '../../src/runbook/index.js';
import { runCommand } from './cli-harness.js';

const INV = 'test/fixtures/inventories/three-controllers.yaml';
const ANSIBLE = 'test/fixtures/inventories/three-controllers.ansible.yaml';

describe('lockstep plan', () => {
  it('--json shows each node its own substituted commands and files, requirements first', async () => {
    const r = await runCommand(planCommand, ['plan', 'runbooks/examples/tiny-etcd.md', '-i', INV, '--json']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const plan = JSON.parse(r.stdout) as Plan;
    expect(plan.runbooks.map((x) => x.name)).toEqual(['hello-cluster', 'tiny-etcd']);
    const member = plan.steps.find((s) => s.id === 'tiny-etcd/describe-each-etcd-member')!;
    const file = member.actions[0]!;
    expect(file.nodes).toEqual(['controller0', 'controller1', 'controller2']);
    for (const [i, n] of file.nodes.entries()) {
      const f = file.perNode[n]!;
      expect(f).toMatchObject({ kind: 'file', path: `/etc/lockstep-example/etcd-${n}.env`, mode: 0o640 });
      expect(f.kind === 'file' && f.content).toContain(`ETCD_LISTEN_PEER_URLS=https://10.240.0.1${i}:2380\n`);
    }
    const verify = member.gates[0]!.perNode.controller2!;
    expect(verify).toMatchObject({ kind: 'verify', script: 'grep ETCD_NAME /etc/lockstep-example/etcd-controller2.env', expect: 'ETCD_NAME=controller2' });
    // Secrets never leave the process: redacted in the text, no values in `secrets`.
    expect(r.stdout).toContain('<secret:join_token>');
    expect(r.stdout).not.toContain('not-a-real-token');
    expect(plan.secrets).toEqual([]);
  });

  it('prints a readable plan and takes --var (the inventory still wins)', async () => {
    const r = await runCommand(planCommand, ['plan', 'runbooks/examples/hello-cluster.md', '-i', ANSIBLE, '--var', 'greeting=howdy', '--var', 'cluster_name=ignored']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('-- hello-cluster/write-the-greeting-file: Write the greeting file  (runbooks/examples/hello-cluster.md:20)');
    expect(r.stdout).toContain('      | greeting = howdy from controller1 in practice');
    expect(r.stdout).toContain('  gate verify write-the-greeting-file-verify');
    expect(r.stdout).toContain('    on controller0\n      | for peer in controller0 controller1 controller2; do');
  });

  it('refuses to plan with errors, listing them on stderr with exit 1', async () => {
    const r = await runCommand(planCommand, ['plan', 'test/fixtures/runbooks/broken/unknown-target.md', '-i', INV]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^test\/fixtures\/runbooks\/broken\/unknown-target\.md:5:14: error: unknown group or node `controlers`; .*\nplan: not built; fix the errors above\n$/);
  });

  it('reports a variable the inventory does not provide', async () => {
    const r = await runCommand(planCommand, ['plan', 'runbooks/examples/tiny-etcd.md', '-i', 'test/fixtures/inventories/broken/no-address.yaml']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('no-address.yaml:4:5: error: node `controller1` has no address');
  });

  it('rejects a malformed --var with a clear message', async () => {
    await expect(runCommand(planCommand, ['plan', 'runbooks/examples/hello-cluster.md', '-i', INV, '--var', 'novalue'])).rejects.toThrow('--var novalue: expected name=value');
  });
});
