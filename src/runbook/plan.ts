// Runbooks × inventory → Plan: every block resolved to its nodes and to the exact text each
// node gets. Pure; validation problems and rendering problems come back as diagnostics.
import { parseDocument } from 'yaml';
import type { Inventory, Node } from '../inventory/types.js';
import { error, hasErrors } from './diagnostics.js';
import { renderExplanation } from './explanation.js';
import { orderRunbooks } from './order.js';
import type { Plan, PlannedBlock, PlannedStep, RenderedBlock } from './plan-types.js';
import { renderText, type RenderContext, type RenderMode, type RenderProblem } from './render.js';
import { sanCheckOptionsProblem } from './san-check-options.js';
import { varScope } from './scope.js';
import { effectiveSelector, resolveTargets } from './targets.js';
import { bodyPosition } from './text-positions.js';
import type { Block, Diagnostic, Runbook, SourcePos } from './types.js';
import { validateRunbooks } from './validate.js';

export interface PlanOptions {
  /** `--var name=value` from the command line. */
  vars?: Record<string, string>;
  /** Render secrets as `<secret:name>` (for printing); the engine wants the real values. */
  redactSecrets?: boolean;
}

export function buildPlan(
  runbooks: Runbook[],
  inventory: Inventory,
  options: PlanOptions = {},
): { plan?: Plan; diagnostics: Diagnostic[] } {
  const diagnostics = validateRunbooks(runbooks, inventory);
  if (hasErrors(diagnostics)) return { diagnostics };
  const { ordered } = orderRunbooks(runbooks);
  const byName = new Map(ordered.map((r) => [r.name, r]));
  const secretsSeen = new Set<string>();
  const problems = new Map<string, Problem>();
  const steps: PlannedStep[] = [];

  for (const rb of ordered) {
    const ctx: RenderContext = {
      inventory,
      scope: varScope(rb, byName, inventory),
      cliVars: options.vars ?? {},
      redactSecrets: options.redactSecrets ?? false,
      secretsSeen,
    };
    for (const step of rb.steps) {
      const planned: PlannedStep = {
        id: `${rb.name}/${step.id}`,
        runbook: rb.name,
        title: step.title,
        source: step.range.start,
        explanation: step.explanation,
        nodes: [],
        actions: [],
        gates: [],
        rollbacks: [],
      };
      const touched = new Set<string>();
      for (const block of step.blocks) {
        const nodes = resolveTargets(effectiveSelector(block.targets, step.targets, rb.targets), inventory);
        const pb: PlannedBlock = {
          id: `${planned.id}/${block.id}`,
          kind: block.kind,
          source: block.range.start,
          nodes,
          perNode: {},
        };
        if (block.timeoutMs !== undefined) pb.timeoutMs = block.timeoutMs;
        for (const name of nodes) {
          touched.add(name);
          const node = inventory.nodes.find((n) => n.name === name) as Node;
          pb.perNode[name] = renderBlock(block, node, ctx, (p, at) => report(problems, p, at, node));
        }
        if (block.kind === 'run' || block.kind === 'file') planned.actions.push(pb);
        else if (block.kind === 'rollback') planned.rollbacks.push(pb);
        else planned.gates.push(pb);
      }
      planned.nodes = inventory.nodes.map((n) => n.name).filter((n) => touched.has(n));
      // The prose with the values every node of the step shares (a step without blocks: the
      // nodes it targets); node-specific ones and secrets shown as placeholders.
      const proseNodes = planned.nodes.length > 0 ? planned.nodes : resolveTargets(effectiveSelector(undefined, step.targets, rb.targets), inventory);
      planned.explanation = renderExplanation(step.explanation, inventory.nodes.filter((n) => proseNodes.includes(n.name)), ctx);
      steps.push(planned);
    }
  }
  const order = inventory.nodes.map((n) => n.name);
  diagnostics.push(...[...problems.values()].map((p) => finish(p, order)));
  if (hasErrors(diagnostics)) return { diagnostics };
  return {
    plan: {
      runbooks: ordered.map((r) => ({ name: r.name, title: r.title, file: r.file, sha256: r.sha256 })),
      nodes: inventory.nodes.map((n) => {
        const entry: Plan['nodes'][number] = { name: n.name, groups: n.groups };
        if (n.address !== undefined) entry.address = n.address;
        return entry;
      }),
      steps,
      secrets: [...secretsSeen].sort((a, b) => b.length - a.length),
    },
    diagnostics,
  };
}

/**
 * One diagnostic per problem: a variable without a value is reported once, at its first use,
 * with every node it is missing on and how many places use it; other problems once per place.
 */
function report(problems: Map<string, Problem>, p: RenderProblem, at: SourcePos, node: Node): void {
  const key = p.code === 'missing-value' && p.name ? `missing:${p.name}` : `${at.file}:${at.line}:${at.column}:${p.code}:${p.message.replace(node.name, '')}`;
  const prev = problems.get(key);
  if (!prev) {
    problems.set(key, { diag: error(p.code, at, p.message, p.hint), name: p.name, nodes: [node.name], places: new Set([`${at.file}:${at.line}:${at.column}`]) });
    return;
  }
  if (!prev.nodes.includes(node.name)) prev.nodes.push(node.name);
  prev.places.add(`${at.file}:${at.line}:${at.column}`);
}

interface Problem {
  diag: Diagnostic;
  name?: string;
  nodes: string[];
  places: Set<string>;
}

function finish(p: Problem, order: string[]): Diagnostic {
  if (p.diag.code !== 'missing-value' || !p.name) return p.diag;
  p.nodes.sort((a, b) => order.indexOf(a) - order.indexOf(b));
  const nodes = p.nodes.length === 1 ? `node ${p.nodes[0]}` : `nodes ${p.nodes.join(', ')}`;
  const more = p.places.size > 1 ? ` (used in ${p.places.size} places)` : '';
  return { ...p.diag, message: `variable \`${p.name}\` has no value on ${nodes}${more}` };
}

type Report = (p: RenderProblem, at: SourcePos) => void;

function renderBlock(block: Block, node: Node, ctx: RenderContext, report: Report): RenderedBlock {
  const body = (mode: RenderMode): string => {
    const r = renderText(block.body, mode, node, ctx);
    r.problems.forEach((p) => report(p, bodyPosition(block.bodyStart, block.body, p.offset)));
    return r.text;
  };
  const attr = (key: string, text: string): string => {
    const r = renderText(text, 'strict', node, ctx);
    const at = block.attrPos?.[key] ?? block.range.start;
    r.problems.forEach((p) => report(p, { ...at, column: at.column + p.offset }));
    return r.text;
  };
  switch (block.kind) {
    case 'run':
    case 'rollback':
      return { kind: block.kind, script: body('shell') };
    case 'verify': {
      const v: RenderedBlock = { kind: 'verify', script: body('shell'), retries: block.retries, intervalMs: block.intervalMs };
      if (block.expect !== undefined) v.expect = attr('expect', block.expect);
      return v;
    }
    case 'file': {
      const content = body('strict');
      const path = attr('path', block.path);
      if (!path.startsWith('/')) {
        report({ offset: 0, code: 'bad-path', message: `on node ${node.name} the file path renders to \`${path}\`, which is not absolute`, hint: 'make the variables in path= give an absolute path' }, block.attrPos?.path ?? block.range.start);
      }
      const f: RenderedBlock = {
        kind: 'file',
        path,
        // The fence drops the final newline; files on disk end with one.
        content: content === '' || content.endsWith('\n') ? content : `${content}\n`,
      };
      if (block.mode !== undefined) f.mode = block.mode;
      if (block.owner !== undefined) f.owner = block.owner;
      return f;
    }
    case 'san-check': {
      const text = body('strict');
      const doc = parseDocument(text);
      let options: Record<string, unknown> = {};
      if (doc.errors.length > 0) {
        report({ offset: 0, code: 'bad-san-check', message: `on node ${node.name} the rendered san-check options are not valid YAML: ${doc.errors[0]?.message.split('\n')[0]}`, hint: 'quote values that contain YAML punctuation' }, block.bodyStart);
      } else {
        const js: unknown = doc.toJS();
        const problem = sanCheckOptionsProblem(js);
        if (problem) report({ offset: 0, code: 'bad-san-check', message: `on node ${node.name}: ${problem.replace(/^san-check: /, '')}`, hint: 'see docs/runbook-format.md, "san-check options"' }, block.bodyStart);
        else if (js && typeof js === 'object' && !Array.isArray(js)) options = js as Record<string, unknown>;
      }
      return { kind: 'san-check', options, retries: block.retries, intervalMs: block.intervalMs };
    }
  }
}
