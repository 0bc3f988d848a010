// The wiring `lockstep run` adds around the engine for the TUI: the mode, what each step will
// change (from real runbooks planned against a real inventory), and the PTY size a node gets.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { chooseMode, describeChanges, isPracticeLab, PaneSizes, withChanges } from '../../src/cli/run-wiring.js';
import { UserError } from '../../src/cli/errors.js';
import { loadInventory } from '../../src/inventory/index.js';
import { buildPlan, loadRunbooks, type Plan } from '../../src/runbook/index.js';
import type { LockstepEvent } from '../../src/state/events.js';

const root = join(import.meta.dirname, '..', '..');
const inventoryFile = join(root, 'test/fixtures/inventories/three-controllers.yaml');

function plan(runbook: string, vars: Record<string, string> = {}): Plan {
  const rb = loadRunbooks([join(root, runbook)]);
  const inv = loadInventory(inventoryFile);
  const r = buildPlan(rb.value ?? [], inv.value!, { vars });
  expect(r.plan, JSON.stringify(r.diagnostics)).toBeDefined();
  return r.plan!;
}

describe('chooseMode', () => {
  const elsewhere = { file: '/home/ops/prod.yaml', vars: {} };
  const env = { LOCKSTEP_LAB_DIR: '/var/lib/lockstep/lab' };
  it('learns on the practice lab and is in production elsewhere, unless told', () => {
    expect(chooseMode({}, { file: '/var/lib/lockstep/lab/inventory.yaml', vars: {} }, env)).toBe('learn');
    expect(chooseMode({}, { file: '/tmp/copy.yaml', vars: { lab_bin_dir: '/opt/lockstep/bin' } }, env)).toBe('learn');
    expect(chooseMode({}, elsewhere, env)).toBe('production');
    expect(chooseMode({ learn: true }, elsewhere, env)).toBe('learn');
    expect(chooseMode({ production: true }, { file: '/var/lib/lockstep/lab/inventory.yaml', vars: {} }, env)).toBe('production');
  });

  it('refuses both flags, and a directory that merely starts like the lab is not the lab', () => {
    expect(() => chooseMode({ learn: true, production: true }, elsewhere, env)).toThrow(UserError);
    expect(isPracticeLab({ file: '/var/lib/lockstep/lab-old/inventory.yaml', vars: {} }, env)).toBe(false);
    expect(isPracticeLab({ file: join(root, 'test/fixtures/inventories/three-controllers.yaml'), vars: {} }, env)).toBe(false);
  });
});

describe('describeChanges', () => {
  it('names the files a step writes, the services it touches, its commands and gates', () => {
    const p = plan('runbooks/etcd.md', { ssh_config: '/dev/null', api_vip: '10.0.0.100' });
    const byId = (id: string) => p.steps.find((s) => s.id === id)!;
    expect(describeChanges(byId('etcd/write-the-etcd-unit'))).toEqual([
      'write /etc/systemd/system/etcd.service on 3 nodes',
      'systemctl daemon-reload on 3 nodes',
      'run 1 command block on 3 nodes',
      'then check 1 gate on 3 nodes',
    ]);
    expect(describeChanges(byId('etcd/start-the-members-together'))).toEqual([
      'systemctl enable etcd on 3 nodes',
      'systemctl restart etcd on 3 nodes',
      'run 1 command block on 3 nodes',
      'then check 1 gate on 3 nodes',
    ]);
  });

  it('says when every node gets its own path', () => {
    const p = plan('runbooks/examples/tiny-etcd.md');
    const step = p.steps.find((s) => s.id === 'tiny-etcd/describe-each-etcd-member')!;
    expect(describeChanges(step)[0]).toBe('write /etc/lockstep-example/etcd-controller0.env (one file per node, 3 paths) on 3 nodes');
  });

  it('fills session.started steps the engine left without changes, and keeps what it said', () => {
    const p = plan('runbooks/examples/e2e-tui.md', { e2e_tag: 't' });
    const started: LockstepEvent = {
      t: 0, type: 'session.started', version: '', operator: '', host: '', startedAt: '', runbooks: [], nodes: p.nodes, cols: 80, rows: 24,
      steps: p.steps.map((s, i) => ({ id: s.id, title: s.title, nodes: s.nodes, ...(i === 0 ? { changes: ['as the engine says'] } : {}) })),
    };
    const out = withChanges(p)(started);
    if (out.type !== 'session.started') throw new Error('not session.started');
    expect(out.steps.map((s) => s.changes)).toEqual([
      ['as the engine says'],
      ['run 1 command block on 3 nodes'],
      ['check 1 gate on 3 nodes'],
      ['write /tmp/e2e-t-dir/greeting.conf on 3 nodes', 'then check 1 gate on 3 nodes'],
    ]);
    const other: LockstepEvent = { t: 1, type: 'node.connected', node: 'controller0' };
    expect(withChanges(p)(other)).toBe(other);
  });
});

describe('PaneSizes', () => {
  it('opens a PTY at the latest laid-out size and resizes one that connected meanwhile', () => {
    const sizes = new PaneSizes({ cols: 200, rows: 50 });
    expect(sizes.of('a')).toEqual({ cols: 200, rows: 50 });
    const asked = sizes.of('a');
    sizes.resized(76, 20);
    const calls: [number, number][] = [];
    sizes.settle('a', { resize: (c, r) => calls.push([c, r]) }, asked);
    expect(calls).toEqual([[76, 20]]);
    sizes.settle('a', { resize: (c, r) => calls.push([c, r]) }, { cols: 76, rows: 20 });
    expect(calls).toHaveLength(1);
    sizes.resized(150, 40, ['b']);
    expect(sizes.of('b')).toEqual({ cols: 150, rows: 40 });
    expect(sizes.of('a')).toEqual({ cols: 76, rows: 20 });
    sizes.resized(60, 10);
    expect(sizes.of('b')).toEqual({ cols: 60, rows: 10 });
  });
});
