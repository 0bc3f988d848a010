// A Plan as text for people: per step, per node, what runs, which files are written and which
// gates must pass. Nodes that get identical text are shown together.
import { formatDuration } from './durations.js';
import type { Plan, PlannedBlock, RenderedBlock } from './plan-types.js';

const indent = (text: string, prefix: string): string =>
  text === '' ? `${prefix}(empty)` : text.split('\n').map((l) => `${prefix}${l}`).join('\n');

function describe(r: RenderedBlock): { head: string; body: string } {
  switch (r.kind) {
    case 'run':
    case 'rollback':
      return { head: '', body: r.script };
    case 'verify': {
      const opts = [`retries=${r.retries}`, `interval=${formatDuration(r.intervalMs)}`];
      if (r.expect !== undefined) opts.push(`expect=/${r.expect}/`);
      return { head: opts.join(' '), body: r.script };
    }
    case 'file': {
      const opts = [r.path];
      if (r.mode !== undefined) opts.push(`mode=0${r.mode.toString(8)}`);
      if (r.owner !== undefined) opts.push(`owner=${r.owner}`);
      return { head: opts.join(' '), body: r.content.replace(/\n$/, '') };
    }
    case 'san-check':
      return { head: `retries=${r.retries} interval=${formatDuration(r.intervalMs)}`, body: JSON.stringify(r.options, null, 2) };
  }
}

function blockText(b: PlannedBlock, label: string): string[] {
  const lines: string[] = [];
  const timeout = b.timeoutMs !== undefined ? ` timeout=${formatDuration(b.timeoutMs)}` : '';
  lines.push(`  ${label} ${b.id.split('/').pop()}${timeout}  (${b.source.file}:${b.source.line})`);
  if (b.nodes.length === 0) {
    lines.push('    (no nodes)');
    return lines;
  }
  // Group nodes whose rendered block is identical.
  const groups = new Map<string, string[]>();
  for (const n of b.nodes) {
    const key = JSON.stringify(b.perNode[n]);
    groups.set(key, [...(groups.get(key) ?? []), n]);
  }
  for (const [key, nodes] of groups) {
    const d = describe(JSON.parse(key) as RenderedBlock);
    lines.push(`    on ${nodes.join(', ')}${d.head ? `: ${d.head}` : ''}`);
    lines.push(indent(d.body, '      | '));
  }
  return lines;
}

export function formatPlan(plan: Plan): string {
  const out: string[] = [];
  out.push(`Plan: ${plan.runbooks.length} runbook(s), ${plan.steps.length} step(s), ${plan.nodes.length} node(s)`);
  for (const n of plan.nodes) out.push(`  node ${n.name}${n.address ? ` ${n.address}` : ' (local)'}${n.groups.length ? ` [${n.groups.join(', ')}]` : ''}`);
  for (const rb of plan.runbooks) {
    out.push('', `== ${rb.name}: ${rb.title}  (${rb.file})`);
    for (const step of plan.steps.filter((s) => s.runbook === rb.name)) {
      out.push('', `-- ${step.id}: ${step.title}  (${step.source.file}:${step.source.line})`);
      out.push(`  nodes: ${step.nodes.join(', ') || '(none)'}`);
      for (const b of step.actions) out.push(...blockText(b, b.kind === 'file' ? 'write file' : 'run'));
      for (const b of step.gates) out.push(...blockText(b, b.kind === 'verify' ? 'gate verify' : 'gate san-check'));
      for (const b of step.rollbacks) out.push(...blockText(b, 'rollback'));
    }
  }
  return `${out.join('\n')}\n`;
}
