// The engine against the practice lab's controller0-2: real Debian nodes over real SSH
// (host keys verified against the lab's known_hosts), as the lab user with sudo.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import { loadInventory, type Inventory, type Node } from '../../src/inventory/index.js';
import { buildPlan, loadRunbooks, type Plan } from '../../src/runbook/index.js';
import type { LockstepEvent } from '../../src/state/events.js';
import { connectSsh } from '../../src/transport/index.js';
import { cfg, mustOnNode, onNode } from '../lab/helpers/lab.js';
import { of, waitFor } from './engine-events.js';

const CONTROLLERS = ['controller0', 'controller1', 'controller2'];
const fence = '```';
const ORIGINAL = 'original bytes\r\n\tno newline at end';
const work = mkdtempSync(join(tmpdir(), 'lockstep-engine-lab-'));

function labPlan(markdown: string): { plan: Plan; inventory: Inventory } {
  const rb = join(work, `rb-${Math.random().toString(36).slice(2)}.md`);
  writeFileSync(rb, markdown);
  const inv = loadInventory(cfg().inventoryFile);
  const rbs = loadRunbooks([rb]);
  if (!inv.value || !rbs.value) throw new Error(JSON.stringify([...inv.diagnostics, ...rbs.diagnostics]));
  const r = buildPlan(rbs.value, inv.value);
  if (!r.plan) throw new Error(JSON.stringify(r.diagnostics));
  return { plan: r.plan, inventory: inv.value };
}

function start(plan: Plan, inventory: Inventory, knownHostsFile = inventory.knownHosts) {
  const byName = new Map(inventory.nodes.map((n) => [n.name, n]));
  const engine = createEngine({
    plan,
    autoApprove: true,
    stopOnFailure: false,
    stayAtEnd: true,
    nodeVars: Object.fromEntries(inventory.nodes.map((n) => [n.name, n.vars])),
    connect: (name) => connectSsh(byName.get(name) as Node, { knownHostsFile, agent: null }),
  });
  const events: LockstepEvent[] = [];
  engine.subscribe((e) => events.push(e));
  return { engine, events, done: engine.run() };
}

describe('engine on the lab controllers', () => {
  beforeAll(() => {
    for (const n of CONTROLLERS) {
      mustOnNode(n, `rm -rf /etc/lockstep-demo && mkdir -p /etc/lockstep-demo && printf '${ORIGINAL.replace(/\r/g, '\\r').replace(/\t/g, '\\t')}' > /etc/lockstep-demo/existing.conf && chmod 600 /etc/lockstep-demo/existing.conf && chown root:root /etc/lockstep-demo/existing.conf`);
    }
  });
  afterAll(() => {
    for (const n of CONTROLLERS) onNode(n, 'rm -rf /etc/lockstep-demo');
  });

  it('runs steps with variables, a file block and a gate; a gate failing on one node names it; rollback restores byte for byte', async () => {
    const { plan, inventory } = labPlan(`---
name: labdemo
targets: controllers
---
# Lab demo

## Remember
${fence}sh run
LS_MARK="mark-\${node.name}"
echo "set on $(hostname)"
${fence}

## Configure
${fence}ini file path=/etc/lockstep-demo/existing.conf mode=0640
name = \${node.name}
${fence}

${fence}ini file path=/etc/lockstep-demo/created.conf
created = yes
${fence}

${fence}sh verify expect="^name = controller"
sudo cat /etc/lockstep-demo/existing.conf; echo "$LS_MARK"
${fence}

${fence}sh rollback
echo "rolling back $LS_MARK"
${fence}

## Must fail on controller1
${fence}sh verify retries=1 interval=200ms
test "$(hostname)" != controller1
${fence}
`);
    const { engine, events, done } = start(plan, inventory);
    await waitFor(engine, (e) => e.type === 'engine.waiting' && e.reason === 'failed', 60_000);
    const gates = of(events, 'gate.result');
    expect(gates.filter((g) => g.step === 'labdemo/configure').every((g) => g.ok)).toBe(true);
    const failed = gates.filter((g) => !g.ok);
    expect(failed.map((g) => g.node)).toEqual(['controller1']);
    expect(failed[0]?.reason).toBe('exit code 1 (after 2 attempts)');
    expect(of(events, 'step.finished').at(-1)).toMatchObject({ step: 'labdemo/must-fail-on-controller1', status: 'failed', reason: expect.stringContaining('controller1') });
    // Outputs differ only by node identity: no divergence.
    expect(of(events, 'divergence')).toEqual([]);
    const out1 = of(events, 'node.output').filter((e) => e.node === 'controller1').map((e) => e.data).join('');
    expect(out1).toContain('mark-controller1');
    expect(mustOnNode('controller2', 'cat /etc/lockstep-demo/existing.conf; stat -c %a /etc/lockstep-demo/existing.conf')).toBe('name = controller2\n640\n');

    engine.dispatch({ kind: 'rollback', toStep: 'labdemo/configure' });
    await waitFor(engine, (e) => e.type === 'step.finished' && e.step === 'labdemo/configure' && e.status === 'rolled-back', 60_000);
    for (const n of CONTROLLERS) {
      const state = mustOnNode(n, 'base64 -w0 /etc/lockstep-demo/existing.conf; echo; stat -c "%a %U:%G" /etc/lockstep-demo/existing.conf; test -e /etc/lockstep-demo/created.conf && echo present || echo absent');
      expect(state.split('\n').slice(0, 3)).toEqual([Buffer.from(ORIGINAL).toString('base64'), '600 root:root', 'absent']);
    }
    expect(of(events, 'node.output').filter((e) => e.node === 'controller0').map((e) => e.data).join('')).toContain('rolling back mark-controller0');
    engine.dispatch({ kind: 'quit' });
    await done;
  });

  it('reports a node whose sshd is killed mid-step as lost within seconds while the others finish', async () => {
    const { plan, inventory } = labPlan(`---
name: droplab
targets: controllers
---
# Drop

## Pane
${fence}sh run
echo "pane=$$"
${fence}

## Work
${fence}sh run
sleep 3; echo finished
${fence}
`);
    const { engine, events, done } = start(plan, inventory);
    await waitFor(engine, (e) => e.type === 'block.started' && e.step === 'droplab/work', 60_000);
    const paneOut = of(events, 'node.output').filter((e) => e.node === 'controller2').map((e) => e.data).join('');
    const pid = /pane=(\d+)/.exec(paneOut)?.[1];
    expect(pid).toBeDefined();
    // Kill exactly the sshd processes serving lockstep's connection (the session process and its monitor).
    const killedAt = Date.now();
    onNode('controller2', `s=$(ps -o ppid= -p ${pid} | tr -d ' '); m=$(ps -o ppid= -p "$s" | tr -d ' '); kill -9 "$s" "$m"`);
    const lost = await waitFor(engine, (e) => e.type === 'node.status' && e.node === 'controller2', 15_000);
    expect(lost).toMatchObject({ status: 'lost' });
    expect(Date.now() - killedAt).toBeLessThan(5000);
    await waitFor(engine, (e) => e.type === 'step.finished' && e.step === 'droplab/work', 60_000);
    const finished = of(events, 'block.finished').filter((e) => e.step === 'droplab/work');
    expect(finished.filter((e) => e.node !== 'controller2').map((e) => [e.node, e.exitCode]).sort()).toEqual([
      ['controller0', 0],
      ['controller1', 0],
    ]);
    expect(of(events, 'step.finished').at(-1)?.reason).toContain('controller2 (node lost');
    engine.dispatch({ kind: 'quit' });
    await done;
  });

  it('refuses a node whose host key changed and names it', async () => {
    const { plan, inventory } = labPlan(`# Keys\n\n## Hello\n${fence}sh run on=controllers\necho hi\n${fence}\n`);
    const kh = readFileSync(inventory.knownHosts as string, 'utf8').trim().split('\n');
    const k1 = (kh.find((l) => l.startsWith('controller1,')) ?? '').split(' ');
    const forged = kh.map((l) => (l.startsWith('controller0,') ? `${l.split(' ')[0]} ${k1[1]} ${k1[2]}` : l));
    const file = join(work, 'known_hosts');
    writeFileSync(file, `${forged.join('\n')}\n`);
    const { engine, events, done } = start(plan, inventory, file);
    await waitFor(engine, (e) => e.type === 'step.finished', 60_000);
    engine.dispatch({ kind: 'quit' });
    await done;
    const refused = of(events, 'node.status').find((e) => e.node === 'controller0');
    expect(refused?.status).toBe('refused');
    expect(refused?.reason).toMatch(/^controller0: HOST KEY CHANGED/);
    expect(refused?.reason).toMatch(/SHA256:[A-Za-z0-9+/]+/);
    expect(of(events, 'node.connected').map((e) => e.node).sort()).toEqual(['controller1', 'controller2']);
  });
});
