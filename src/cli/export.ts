// `lockstep export asciicast REC --node NAME [-o FILE]`: one node's pane for `asciinema play`.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { recordedNodes, toAsciicast } from '../record/asciicast.js';
import { UserError } from './errors.js';
import { loadRecordingForUse } from './verify.js';

interface ExportOptions {
  node?: string;
  output?: string;
  idleLimit?: string;
  markers: boolean;
}

export function register(program: Command): void {
  const exp = program.command('export').description('convert a recording to other formats');
  exp
    .command('asciicast')
    .description("one node's terminal as asciicast v2 (asciinema play), steps as markers")
    .argument('<recording>', 'a lockstep recording (.jsonl)')
    .option('-n, --node <name>', 'the node whose pane to export (required when the session had several)')
    .option('-o, --output <file>', 'write here instead of standard output')
    .option('--idle-limit <seconds>', 'cap pauses at this many seconds')
    .option('--no-markers', 'leave out the step markers')
    .action((file: string, opts: ExportOptions) => {
      const d = loadRecordingForUse(file);
      const nodes = recordedNodes(d.events);
      const node = opts.node ?? (nodes.length === 1 ? nodes[0] : undefined);
      if (node === undefined) throw new UserError(`export asciicast: say which node with --node; this recording has ${nodes.length ? nodes.join(', ') : 'no nodes'}`);
      if (!nodes.includes(node)) throw new UserError(`export asciicast: no node "${node}" in ${file}; it has ${nodes.join(', ') || 'no nodes'}`);
      let idleLimitSec: number | undefined;
      if (opts.idleLimit !== undefined) {
        idleLimitSec = Number(opts.idleLimit);
        if (!(idleLimitSec > 0)) throw new UserError(`--idle-limit ${opts.idleLimit}: expected a number of seconds above 0`);
      }
      const created = Date.parse(d.header.createdAt);
      const cast = toAsciicast(d.events, {
        node,
        idleLimitSec,
        markers: opts.markers,
        timestamp: Number.isFinite(created) ? created / 1000 : undefined,
        title: `lockstep: ${node}`,
      });
      if (opts.output === undefined) {
        process.stdout.write(cast);
        return;
      }
      try {
        writeFileSync(opts.output, cast);
      } catch (err) {
        throw new UserError(`cannot write ${opts.output}: ${(err as Error).message}`);
      }
      process.stderr.write(`lockstep: wrote ${opts.output} (${node}); play it with: asciinema play ${opts.output}\n`);
    });
}
