// Hand-built Plans for engine tests (the same shape buildPlan produces).
import type { Plan, PlannedBlock, PlannedStep, RenderedBlock } from '../../src/runbook/plan-types.js';

export const NODES = ['n0', 'n1', 'n2'];

type BlockSpec =
  | { kind: 'run' | 'rollback'; script: string | ((node: string) => string); nodes?: string[]; id?: string; timeoutMs?: number }
  | { kind: 'verify'; script: string; retries?: number; intervalMs?: number; expect?: string; nodes?: string[]; id?: string; timeoutMs?: number }
  | { kind: 'file'; path: string; content: string | ((node: string) => string); mode?: number; owner?: string; nodes?: string[]; id?: string };

function block(stepId: string, spec: BlockSpec, n: number): PlannedBlock {
  const nodes = spec.nodes ?? NODES;
  const perNode: Record<string, RenderedBlock> = {};
  for (const node of nodes) {
    if (spec.kind === 'file') {
      perNode[node] = { kind: 'file', path: spec.path, mode: spec.mode, owner: spec.owner, content: typeof spec.content === 'function' ? spec.content(node) : spec.content };
    } else if (spec.kind === 'verify') {
      perNode[node] = { kind: 'verify', script: spec.script, retries: spec.retries ?? 0, intervalMs: spec.intervalMs ?? 10, expect: spec.expect };
    } else {
      perNode[node] = { kind: spec.kind, script: typeof spec.script === 'function' ? spec.script(node) : spec.script };
    }
  }
  return {
    id: `${stepId}/${spec.id ?? `${spec.kind}-${n}`}`,
    kind: spec.kind,
    source: { file: 'test.md', line: 1, column: 1 },
    nodes,
    perNode,
    timeoutMs: 'timeoutMs' in spec ? spec.timeoutMs : undefined,
  };
}

export function step(id: string, specs: BlockSpec[], title = id): PlannedStep {
  const full = `rb/${id}`;
  const blocks = specs.map((s, i) => block(full, s, i + 1));
  return {
    id: full,
    runbook: 'rb',
    title,
    source: { file: 'test.md', line: 1, column: 1 },
    explanation: '',
    nodes: [...new Set(blocks.flatMap((b) => b.nodes))],
    actions: blocks.filter((b) => b.kind === 'run' || b.kind === 'file'),
    gates: blocks.filter((b) => b.kind === 'verify' || b.kind === 'san-check'),
    rollbacks: blocks.filter((b) => b.kind === 'rollback'),
  };
}

export function plan(steps: PlannedStep[], nodes = NODES, secrets: string[] = []): Plan {
  return {
    runbooks: [{ name: 'rb', title: 'Test runbook', file: 'test.md', sha256: '0'.repeat(64) }],
    nodes: nodes.map((name, i) => ({ name, address: `10.0.0.${10 + i}`, groups: ['all'] })),
    steps,
    secrets,
  };
}
