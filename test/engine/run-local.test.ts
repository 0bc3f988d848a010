// The engine on real nodes: bash in real PTYs (node-pty) and, for a dropped connection, a
// real OpenSSH server. Plans come from real runbooks through buildPlan.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/engine/index.js';
import type { Inventory, Node } from '../../src/inventory/types.js';
import { loadInventory } from '../../src/inventory/index.js';
import { buildPlan, loadRunbooks, type Plan } from '../../src/runbook/index.js';
import type { LockstepEvent } from '../../src/state/events.js';
import { connectLocal, connectSsh } from '../../src/transport/index.js';
import { startSshd, type SshdFixture } from '../transport/sshd-fixture.js';
import { plan, step } from './plan-builder.js';
import { of, waitFor as waitForEvent } from './engine-events.js';

const work = mkdtempSync(join(tmpdir(), 'lockstep-engine-'));

function planFrom(markdown: string, inventoryYaml: string, vars: Record<string, string> = {}): { plan: Plan; inventory: Inventory } {
  const dir = mkdtempSync(join(work, 'case-'));
  writeFileSync(join(dir, 'rb.md'), markdown);
  writeFileSync(join(dir, 'inventory.yaml'), inventoryYaml);
  const rbs = loadRunbooks([join(dir, 'rb.md')]);
  const inv = loadInventory(join(dir, 'inventory.yaml'));
  if (!inv.value || !rbs.value) throw new Error(JSON.stringify([...rbs.diagnostics, ...inv.diagnostics]));
  const r = buildPlan(rbs.value, inv.value, { vars });
  if (!r.plan) throw new Error(JSON.stringify(r.diagnostics));
  return { plan: r.plan, inventory: inv.value };
}

const LOCAL3 = `nodes:
  - { name: n0, local: true, vars: { color: red } }
  - { name: n1, local: true, vars: { color: green } }
  - { name: n2, local: true, vars: { color: blue } }
`;

function start(plan: Plan, inventory: Inventory, opts: { autoApprove?: boolean; connectSsh?: (n: Node) => ReturnType<typeof connectSsh> } = {}) {
  const byName = new Map(inventory.nodes.map((n) => [n.name, n]));
  const engine = createEngine({
    plan,
    autoApprove: opts.autoApprove ?? true,
    stopOnFailure: false,
    stayAtEnd: true,
    nodeVars: Object.fromEntries(inventory.nodes.map((n) => [n.name, n.vars])),
    connect: async (name) => {
      const node = byName.get(name) as Node;
      return node.transport === 'local' ? connectLocal(node, { cols: 100, rows: 30 }) : (opts.connectSsh as (n: Node) => ReturnType<typeof connectSsh>)(node);
    },
  });
  const events: LockstepEvent[] = [];
  engine.subscribe((e) => events.push(e));
  return { engine, events, done: engine.run() };
}

/** The shared helper, with this file's default time limit. */
const waitFor = (engine: Engine, pred: (e: LockstepEvent) => boolean, timeoutMs = 20_000): Promise<LockstepEvent> => waitForEvent(engine, pred, timeoutMs);

const fence = '```';

describe('engine on local PTY nodes', () => {
  it('keeps shell variables across steps and gets exit statuses right', async () => {
    const { plan, inventory } = planFrom(
      `---
name: shell
---
# Shell

## Set
${fence}sh run
GREETING="hello \${color}"
COUNT=41
${fence}

## Use
${fence}sh run
COUNT=$((COUNT + 1))
echo "$GREETING count=$COUNT"
${fence}

${fence}sh verify expect="^count=42$"
echo "count=$COUNT"
${fence}

## Heredoc
${fence}sh run
cat <<'EOF'
exit 9
EOF
(exit 4)
${fence}

## Exit
${fence}sh run
echo before; exit 3; echo after
${fence}

## Set -e
${fence}sh run
set -e
false
echo unreachable
${fence}

## Still alive
${fence}sh run
false || echo "alive $COUNT"
sleep 0.2 &
printf 'no newline'
${fence}
`,
      LOCAL3,
    );
    const { engine, events, done } = start(plan, inventory);
    // Failing steps wait for the operator: skip them and go on.
    engine.subscribe((e) => {
      if (e.type === 'engine.waiting' && e.reason === 'failed' && e.step) engine.dispatch({ kind: 'skip', step: e.step });
      if (e.type === 'engine.waiting' && e.reason === 'done') engine.dispatch({ kind: 'quit' });
    });
    await done;
    const exit = (block: string) => of(events, 'block.finished').filter((e) => e.block.endsWith(`/${block}`)).map((e) => [e.node, e.exitCode]);
    expect(exit('use-run')).toEqual(expect.arrayContaining([['n0', 0], ['n1', 0], ['n2', 0]]));
    expect(of(events, 'gate.result').map((g) => g.ok)).toEqual([true, true, true]);
    expect(exit('heredoc-run')).toEqual(expect.arrayContaining([['n0', 4], ['n1', 4], ['n2', 4]]));
    expect(exit('exit-run')).toEqual(expect.arrayContaining([['n0', 3], ['n1', 3], ['n2', 3]]));
    expect(exit('set--e-run')).toEqual(expect.arrayContaining([['n0', 1], ['n1', 1], ['n2', 1]]));
    expect(exit('still-alive-run')).toEqual(expect.arrayContaining([['n0', 0], ['n1', 0], ['n2', 0]]));
    const out = (node: string) => of(events, 'node.output').filter((e) => e.node === node).map((e) => e.data).join('');
    expect(out('n1')).toContain('hello green count=42');
    expect(out('n1')).toContain('alive 42');
    expect(out('n2')).toContain('no newline');
    expect(out('n0')).not.toContain('unreachable');
    expect(out('n0')).not.toMatch(/^after/m);
    expect(of(events, 'step.finished').map((s) => s.status)).toEqual(['passed', 'passed', 'failed', 'skipped', 'failed', 'skipped', 'failed', 'skipped', 'passed']);
    expect(of(events, 'divergence')).toEqual([]);
  });
});

describe('interrupting a block on local PTY nodes', () => {
  it('sends Ctrl-C to every node, fails the step, and the panes keep working', async () => {
    const { plan, inventory } = planFrom(
      `# Int\n\n## Long\n${fence}sh run\nKEEP=kept; sleep 30\n${fence}\n\n## After\n${fence}sh run\necho "after $KEEP"\n${fence}\n`,
      LOCAL3,
    );
    const { engine, events, done } = start(plan, inventory);
    engine.subscribe((e) => {
      if (e.type === 'engine.waiting' && e.reason === 'failed') engine.dispatch({ kind: 'skip', step: 'rb/long' });
      if (e.type === 'engine.waiting' && e.reason === 'done') engine.dispatch({ kind: 'quit' });
    });
    await waitFor(engine, (e) => e.type === 'block.started');
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    engine.dispatch({ kind: 'interrupt' });
    await waitFor(engine, (e) => e.type === 'step.finished');
    expect(Date.now() - t0).toBeLessThan(5000);
    const long = of(events, 'block.finished').filter((e) => e.step === 'rb/long');
    expect(long.map((e) => [e.node, e.interrupted, e.exitCode])).toEqual(expect.arrayContaining([['n0', true, null], ['n1', true, null], ['n2', true, null]]));
    expect(of(events, 'step.finished')[0]).toMatchObject({ status: 'failed', reason: expect.stringContaining('interrupted') });
    await done;
    expect(of(events, 'step.finished').map((e) => e.status)).toEqual(['failed', 'skipped', 'passed']);
    expect(of(events, 'node.output').filter((e) => e.node === 'n2').map((e) => e.data).join('')).toContain('after kept');
  });
});

describe('engine with an SSH node (real OpenSSH server)', () => {
  let sshd: SshdFixture;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  const inventoryWith = (ssh: Node): Inventory => ({
    file: 'inventory.yaml',
    nodes: [
      { name: 'n0', transport: 'local', port: 0, groups: [], vars: {}, pos: { file: 'inventory.yaml', line: 1, column: 1 } },
      { name: 'n1', transport: 'local', port: 0, groups: [], vars: {}, pos: { file: 'inventory.yaml', line: 2, column: 1 } },
      ssh,
    ],
    groups: { all: ['n0', 'n1', ssh.name] },
    vars: {},
  });

  it('reports a node whose sshd dies mid-step as lost within seconds while the others finish', async () => {
    const inventory = inventoryWith(sshd.node({ name: 's0' }));
    const p = plan([step('work', [{ kind: 'run', script: 'sleep 1.5; echo finished', nodes: ['n0', 'n1', 's0'] }])], ['n0', 'n1', 's0']);
    const { engine, events, done } = start(p, inventory, {
      connectSsh: (n) => connectSsh(n, { knownHostsFile: sshd.knownHostsFile, agent: null }),
    });
    const started = await waitFor(engine, (e) => e.type === 'block.started');
    await new Promise((r) => setTimeout(r, 300));
    sshd.killConnections();
    const lost = await waitFor(engine, (e) => e.type === 'node.status' && e.node === 's0');
    expect(lost).toMatchObject({ status: 'lost' });
    expect(lost.t - started.t).toBeLessThan(5000);
    await waitFor(engine, (e) => e.type === 'step.finished');
    const finished = of(events, 'block.finished');
    expect(finished.filter((e) => e.node !== 's0').map((e) => [e.node, e.exitCode]).sort()).toEqual([
      ['n0', 0],
      ['n1', 0],
    ]);
    expect(finished.find((e) => e.node === 's0')?.exitCode).toBeNull();
    expect(of(events, 'step.finished')[0]).toMatchObject({ status: 'failed', reason: expect.stringContaining('s0 (node lost') });
    engine.dispatch({ kind: 'quit' });
    await done;
  });

  it('refuses a node whose host key changed, naming it, the fingerprint and the known_hosts line', async () => {
    const other = join(work, 'other-key');
    const { keygen } = await import('../transport/sshd-fixture.js');
    keygen(other);
    const wrongKey = readFileSync(`${other}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
    const knownHosts = join(work, 'known_hosts_changed');
    writeFileSync(knownHosts, `# lab\n[127.0.0.1]:${sshd.port} ${wrongKey}\n`);
    const inventory = inventoryWith(sshd.node({ name: 's0' }));
    const p = plan([step('work', [{ kind: 'run', script: 'echo hi', nodes: ['n0', 'n1', 's0'] }])], ['n0', 'n1', 's0']);
    const { engine, events, done } = start(p, inventory, {
      connectSsh: (n) => connectSsh(n, { knownHostsFile: knownHosts, agent: null, acceptNewHostKey: true }),
    });
    await waitFor(engine, (e) => e.type === 'step.finished');
    engine.dispatch({ kind: 'quit' });
    await done;
    const refused = of(events, 'node.status').find((e) => e.node === 's0');
    expect(refused?.status).toBe('refused');
    expect(refused?.reason).toMatch(/s0: HOST KEY CHANGED/);
    expect(refused?.reason).toMatch(/SHA256:/);
    expect(refused?.reason).toContain(`${knownHosts}:2`);
    expect(of(events, 'node.connected').map((e) => e.node).sort()).toEqual(['n0', 'n1']);
    expect(of(events, 'step.finished')[0]?.reason).toContain('s0');
  });
});
