// `lockstep audit REC [--md|--json]`: who, where, when, what changed. Wiring only.
import type { Command } from 'commander';
import { auditRecording } from '../record/audit.js';
import { auditMarkdown } from '../record/audit-md.js';
import { UserError } from './errors.js';
import { loadRecordingForUse } from './verify.js';

export function register(program: Command): void {
  program
    .command('audit')
    .description('report who ran what, where and when: steps per node, gates, decisions, files changed, divergences, host keys')
    .argument('<recording>', 'a lockstep recording (.jsonl)')
    .option('--md', 'Markdown (the default)')
    .option('--json', 'JSON, for scripts')
    .action((file: string, opts: { md?: boolean; json?: boolean }) => {
      if (opts.md && opts.json) throw new UserError('audit: choose one of --md and --json');
      const d = loadRecordingForUse(file);
      const report = auditRecording({ file, version: d.version, lines: d.lines, head: d.head, ended: d.ended, header: d.header, events: d.events });
      process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : auditMarkdown(report));
    });
}
