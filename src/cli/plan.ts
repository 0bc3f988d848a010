// `lockstep plan <runbook…> -i inventory [--var k=v] [--json]`: what would run where, with
// variables substituted and secrets hidden. Makes no connection.
import type { Command } from 'commander';
import { loadInventory } from '../inventory/index.js';
import { buildPlan, hasErrors, loadRunbooks, type Plan } from '../runbook/index.js';
import { formatPlan } from '../runbook/plan-text.js';
import { printDiagnostics } from './diagnostics.js';
import { collectVar } from './options.js';

export function register(program: Command): void {
  program
    .command('plan')
    .description('show, per step and node, the commands, files and gates a run would use (no connection is made)')
    .argument('<runbook...>', 'runbook Markdown files (required runbooks are added automatically)')
    .requiredOption('-i, --inventory <file>', 'inventory of nodes')
    .option('--var <name=value>', 'set a variable (repeatable); inventory values win', collectVar, {} as Record<string, string>)
    .option('--json', 'print the plan as JSON')
    .action((paths: string[], opts: { inventory: string; var: Record<string, string>; json?: boolean }) => {
      const loaded = loadRunbooks(paths);
      const inv = loadInventory(opts.inventory);
      const diagnostics = [...loaded.diagnostics, ...inv.diagnostics];
      let plan: Plan | undefined;
      if (inv.value && !hasErrors(diagnostics)) {
        const r = buildPlan(loaded.value ?? [], inv.value, { vars: opts.var, redactSecrets: true });
        diagnostics.push(...r.diagnostics);
        plan = r.plan;
      }
      const failed = printDiagnostics(diagnostics, process.stderr);
      if (failed || !plan) {
        process.stderr.write('plan: not built; fix the errors above\n');
        process.exitCode = 1;
        return;
      }
      // Secrets are shown as <secret:name>; their values never leave the process.
      const shown: Plan = { ...plan, secrets: [] };
      process.stdout.write(opts.json ? `${JSON.stringify(shown, null, 2)}\n` : formatPlan(shown));
    });
}
