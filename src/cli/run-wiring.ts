// Wiring between `lockstep run`, the engine and the TUI that is not the engine's business:
// which mode the TUI opens in, what each step will change (for learning mode) and the pane
// size a node's PTY opens with. (The file diffs shown while a step waits for approval are the
// engine's: src/engine/file-preview.ts.)
import { resolve, sep } from 'node:path';
import type { LockstepEvent } from '../state/events.js';
import type { Plan, PlannedStep, RenderedBlock } from '../runbook/plan-types.js';
import type { Inventory } from '../inventory/index.js';
import { defaultLabDir, NODE_BIN_DIR } from '../lab/config.js';
import type { NodeSession } from '../transport/types.js';
import { UserError } from './errors.js';

/** The TUI's modes (src/ui/start-options.ts; the core does not import src/ui). */
export type TuiMode = 'learn' | 'production';

/**
 * `--learn` / `--production`, else learning on the practice lab (its inventory, or a copy of it:
 * the lab writes `lab_bin_dir`) and production everywhere else.
 */
export function chooseMode(opts: { learn?: boolean; production?: boolean }, inventory: Pick<Inventory, 'file' | 'vars'>, env: NodeJS.ProcessEnv = process.env): TuiMode {
  if (opts.learn && opts.production) throw new UserError('--learn and --production do not go together: choose one');
  if (opts.learn) return 'learn';
  if (opts.production) return 'production';
  return isPracticeLab(inventory, env) ? 'learn' : 'production';
}

export function isPracticeLab(inventory: Pick<Inventory, 'file' | 'vars'>, env: NodeJS.ProcessEnv = process.env): boolean {
  const labDir = resolve(defaultLabDir(env));
  const file = resolve(inventory.file);
  return file.startsWith(labDir + sep) || inventory.vars['lab_bin_dir'] === NODE_BIN_DIR;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
const onNodes = (nodes: readonly string[]): string => (nodes.length === 1 ? `on ${nodes[0]}` : `on ${nodes.length} nodes`);

/** `systemctl restart etcd kube-apiserver` → ['restart', 'etcd kube-apiserver']. */
const SYSTEMCTL = /\bsystemctl\s+(?:-{1,2}[\w-]+(?:=\S+)?\s+)*(start|restart|stop|reload|reload-or-restart|try-restart|enable|disable|mask|unmask|daemon-reload)\b([^\n;&|#)]*)/g;

function servicesIn(script: string): { verb: string; units: string[] }[] {
  const out: { verb: string; units: string[] }[] = [];
  for (const m of script.matchAll(SYSTEMCTL)) {
    const units = (m[2] ?? '').trim().split(/\s+/).filter((w) => w && !w.startsWith('-') && !w.startsWith('$('));
    out.push({ verb: m[1] as string, units });
  }
  return out;
}

/**
 * What a step will change, in a few words per line, from the plan: the files it writes, the
 * services it starts or restarts, the commands it runs, and the gates it checks afterwards.
 */
export function describeChanges(step: PlannedStep): string[] {
  const out: string[] = [];
  const services = new Map<string, Set<string>>(); // "restart etcd" → nodes
  let commands = 0;
  const commandNodes = new Set<string>();
  for (const block of step.actions) {
    const rendered = block.nodes.map((n) => block.perNode[n]).filter((r): r is RenderedBlock => r !== undefined);
    if (block.kind === 'file') {
      const paths = [...new Set(rendered.flatMap((r) => (r.kind === 'file' ? [r.path] : [])))];
      if (paths.length === 0) continue;
      const what = paths.length === 1 ? paths[0] : `${paths[0]} (one file per node, ${paths.length} paths)`;
      out.push(`write ${what} ${onNodes(block.nodes)}`);
    } else if (block.kind === 'run') {
      commands++;
      for (const n of block.nodes) commandNodes.add(n);
      for (const n of block.nodes) {
        const r = block.perNode[n];
        if (r?.kind !== 'run') continue;
        for (const s of servicesIn(r.script)) {
          const key = s.units.length > 0 ? `${s.verb} ${s.units.join(' ')}` : s.verb;
          const set = services.get(key) ?? new Set<string>();
          set.add(n);
          services.set(key, set);
        }
      }
    }
  }
  for (const [what, nodes] of services) out.push(`systemctl ${what} ${onNodes([...nodes])}`);
  if (commands > 0) out.push(`run ${plural(commands, 'command block')} ${onNodes([...commandNodes])}`);
  if (step.gates.length > 0) {
    const gateNodes = [...new Set(step.gates.flatMap((g) => g.nodes))];
    // "then" only after something the step does first.
    out.push(`${out.length > 0 ? 'then check' : 'check'} ${plural(step.gates.length, 'gate')} ${onNodes(gateNodes)}`);
  }
  return out;
}

/** Adds `changes` to session.started's steps when the engine did not say. */
export function withChanges(plan: Plan): (e: LockstepEvent) => LockstepEvent {
  const byId = new Map(plan.steps.map((s) => [s.id, s]));
  const cache = new Map<string, string[]>();
  const changesOf = (id: string): string[] => {
    let c = cache.get(id);
    if (!c) {
      const step = byId.get(id);
      c = step ? describeChanges(step) : [];
      cache.set(id, c);
    }
    return c;
  };
  return (e) =>
    e.type !== 'session.started' || e.steps.every((s) => s.changes !== undefined)
      ? e
      : { ...e, steps: e.steps.map((s) => (s.changes !== undefined ? s : { ...s, changes: changesOf(s.id) })) };
}

/**
 * The size each node's PTY should have: the terminal's at first, then whatever the TUI laid
 * out. A node still connecting when the TUI resized would otherwise keep the first size (the
 * engine resizes only sessions it has), and full-screen programs would draw to the wrong width.
 */
export class PaneSizes {
  private all: { cols: number; rows: number };
  private readonly perNode = new Map<string, { cols: number; rows: number }>();

  constructor(initial: { cols: number; rows: number }) {
    this.all = { ...initial };
  }

  /** Note a `resize` intent (all nodes, or the zoomed ones). */
  resized(cols: number, rows: number, nodes?: readonly string[]): void {
    if (!nodes) {
      this.all = { cols, rows };
      this.perNode.clear();
    } else for (const n of nodes) this.perNode.set(n, { cols, rows });
  }

  of(node: string): { cols: number; rows: number } {
    return { ...(this.perNode.get(node) ?? this.all) };
  }

  /** After connecting with `asked`: resize now if the TUI changed its mind meanwhile. */
  settle(node: string, session: Pick<NodeSession, 'resize'>, asked: { cols: number; rows: number }): void {
    const now = this.of(node);
    if (now.cols !== asked.cols || now.rows !== asked.rows) session.resize(now.cols, now.rows);
  }
}
