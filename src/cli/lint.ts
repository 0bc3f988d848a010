// `lockstep lint <runbook…> [-i inventory]`: every problem in the runbooks (and inventory).
import type { Command } from 'commander';
import { loadInventory, type Inventory } from '../inventory/index.js';
import { loadRunbooks, validateRunbooks, type Diagnostic } from '../runbook/index.js';
import { printDiagnostics, summary, uniqueDiagnostics } from './diagnostics.js';

export function lint(paths: string[], inventoryPath: string | undefined): { diagnostics: Diagnostic[]; runbooks: number; steps: number; blocks: number } {
  const loaded = loadRunbooks(paths);
  const diagnostics = [...loaded.diagnostics];
  let inventory: Inventory | undefined;
  if (inventoryPath !== undefined) {
    const inv = loadInventory(inventoryPath);
    diagnostics.push(...inv.diagnostics);
    inventory = inv.value;
  }
  const runbooks = loaded.value ?? [];
  diagnostics.push(...validateRunbooks(runbooks, inventory));
  const steps = runbooks.reduce((n, r) => n + r.steps.length, 0);
  const blocks = runbooks.reduce((n, r) => n + r.steps.reduce((m, s) => m + s.blocks.length, 0), 0);
  return { diagnostics: uniqueDiagnostics(diagnostics), runbooks: runbooks.length, steps, blocks };
}

export function register(program: Command): void {
  program
    .command('lint')
    .description('check runbooks (and an inventory) and report every problem as file:line:col')
    .argument('<runbook...>', 'runbook Markdown files')
    .option('-i, --inventory <file>', 'inventory to check targets and variables against')
    .action((paths: string[], opts: { inventory?: string }) => {
      const r = lint(paths, opts.inventory);
      const failed = printDiagnostics(r.diagnostics, process.stdout);
      process.stdout.write(`lint: ${r.runbooks} runbook(s), ${r.steps} step(s), ${r.blocks} block(s): ${r.diagnostics.length === 0 ? 'no problems' : summary(r.diagnostics)}\n`);
      if (failed) process.exitCode = 1;
    });
}
