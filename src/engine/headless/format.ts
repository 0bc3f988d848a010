// Headless output: turns the event stream into lines for a plain terminal or a CI log.
// Pane output is printed line by line with the node's name in front; steps get banners,
// gates, diffs and divergence get their own short blocks. Pure apart from its line buffers.
import type { LockstepEvent } from '../../state/events.js';
import { assertNever } from '../../state/events.js';
import { EventRedactor } from '../../record/redact.js';
import { MarkScanner } from '../../transport/osc-markers.js';
import { plainText } from '../terminal-text.js';

export interface HeadlessFormatOptions {
  /** Secret values: never printed. */
  secrets: readonly string[];
  /** ANSI colours. Default false. */
  color?: boolean;
  /** Also print pane output outside blocks (prompts, typed commands). Default false. */
  showIdlePanes?: boolean;
}

const paint = (on: boolean, code: string, s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

export class HeadlessFormatter {
  private readonly redactor: EventRedactor;
  private readonly partial = new Map<string, string>();
  /** Between a block's start and end marks: its own output, not the prompt or typed command. */
  private readonly inBlock = new Set<string>();
  private readonly scanners = new Map<string, MarkScanner>();
  private readonly gates = new Set<string>();
  private readonly stepNumber = new Map<string, number>();
  private readonly stepTitle = new Map<string, string>();
  private width = 0;
  private totalSteps = 0;

  constructor(private readonly options: HeadlessFormatOptions) {
    this.redactor = new EventRedactor(options.secrets);
  }

  private c(code: string, s: string): string {
    return paint(this.options.color ?? false, code, s);
  }

  private prefix(node: string): string {
    return `${this.c('36', node.padEnd(this.width))} │ `;
  }

  /** The lines to print for one event (already redacted). */
  format(raw: LockstepEvent): string[] {
    return this.redactor.redact(raw).flatMap((e) => this.formatOne(e));
  }

  /** The part of a pane chunk worth printing: inside a block's marks (or all, if asked). */
  private printable(node: string, data: string): string {
    let scanner = this.scanners.get(node);
    if (!scanner) {
      scanner = new MarkScanner();
      this.scanners.set(node, scanner);
    }
    let out = '';
    for (const piece of scanner.push(data)) {
      if (piece.kind === 'mark') {
        if (piece.mark.kind === 'start') this.inBlock.add(node);
        else if (piece.mark.kind === 'end') {
          this.inBlock.delete(node);
          // Output without a trailing newline still ends its line when the block ends.
          const line = (this.partial.get(node) ?? '') + out;
          if (line !== '' && !line.endsWith('\n')) out += '\n';
        }
      } else if (this.inBlock.has(node) || this.options.showIdlePanes) out += piece.text;
    }
    return out;
  }

  private paneLines(node: string, data: string, flush: boolean): string[] {
    const text = (this.partial.get(node) ?? '') + plainText(this.printable(node, data));
    const lines = text.split('\n');
    const rest = flush ? '' : (lines.pop() ?? '');
    this.partial.set(node, rest);
    while (flush && lines.length && lines[lines.length - 1] === '') lines.pop();
    return lines.map((l) => this.prefix(node) + l.trimEnd());
  }

  private formatOne(e: LockstepEvent): string[] {
    switch (e.type) {
      case 'session.started': {
        this.width = Math.max(4, ...e.nodes.map((n) => n.name.length));
        this.totalSteps = e.steps.length;
        e.steps.forEach((s, i) => {
          this.stepNumber.set(s.id, i + 1);
          this.stepTitle.set(s.id, s.title);
        });
        const books = e.runbooks.map((r) => r.name).join(', ');
        return [`lockstep: ${books}: ${e.steps.length} step${e.steps.length === 1 ? '' : 's'} on ${e.nodes.map((n) => n.name).join(', ')}`];
      }
      case 'node.connecting':
        return [];
      case 'node.connected':
        return [`${this.prefix(e.node)}${this.c('32', 'connected')}`];
      case 'node.status':
        if (e.status === 'closed') return [];
        return [`${this.prefix(e.node)}${this.c(e.status === 'connected' ? '32' : '31', `${e.status.toUpperCase()}${e.reason ? `: ${e.reason}` : ''}`)}`];
      case 'hostkey.unknown':
        return [`${this.prefix(e.node)}${this.c('31', `${e.changed ? 'host key CHANGED' : 'unknown host key'}: ${e.keyType} ${e.fingerprint} (${e.knownHosts}${e.line ? `:${e.line}` : ''})`)}`];
      case 'hostkey.accepted':
        return [`${this.prefix(e.node)}accepted new host key ${e.keyType} ${e.fingerprint} (${e.by === 'flag' ? '--accept-new-host-keys' : 'operator'})`];
      case 'node.output':
        return this.paneLines(e.node, e.data, false);
      case 'node.input':
        return [];
      case 'node.resized':
        return [];
      case 'step.started': {
        const n = this.stepNumber.get(e.step) ?? 0;
        const title = this.stepTitle.get(e.step) ?? e.step;
        return ['', this.c('1', `━━ Step ${n}/${this.totalSteps}: ${title}  (${e.step})`)];
      }
      case 'block.started':
        return [this.c('2', `── ${e.block} on ${e.nodes.join(', ')}`)];
      case 'block.finished': {
        const lines = this.paneLines(e.node, '', true);
        // A gate's failure is printed by its gate.result, with the reason.
        if (e.exitCode === 0 || this.gates.has(e.block)) return lines;
        const why = e.timedOut ? 'timed out' : e.interrupted ? 'interrupted' : e.exitCode === null ? 'did not finish' : `exit ${e.exitCode}`;
        return [...lines, `${this.prefix(e.node)}${this.c('31', `✗ ${e.block}: ${why}`)}`];
      }
      case 'file.diff': {
        // A preview comes before the step runs (it waits for approval): say nothing was written yet.
        const head = `${this.prefix(e.node)}${e.path}: ${e.changed ? (e.existed ? 'changes' : 'new file') : 'unchanged'}${e.preview && e.changed ? ' (not written yet)' : ''}`;
        if (!e.changed) return [head];
        return [head, ...e.diff.replace(/\n$/, '').split('\n').map((l) => `${this.prefix(e.node)}  ${this.c(l.startsWith('+') ? '32' : l.startsWith('-') ? '31' : '2', l)}`)];
      }
      case 'file.written':
        return [`${this.prefix(e.node)}wrote ${e.path}`];
      case 'file.restored':
        return [`${this.prefix(e.node)}${e.removed ? `removed ${e.path} (it did not exist before)` : `restored ${e.path}`}`];
      case 'file.backup':
        return [`${this.prefix(e.node)}${this.c('2', `kept ${e.existed ? `the previous ${e.path}` : `the absence of ${e.path}`} in ${e.backup}`)}`];
      case 'gate.attempt':
        this.gates.add(e.block);
        return e.attempt > 1 ? [`${this.prefix(e.node)}${this.c('2', `gate ${e.block}: attempt ${e.attempt}`)}`] : [];
      case 'gate.result': {
        if (e.ok) return [`${this.prefix(e.node)}${this.c('32', `✓ gate ${e.block} passed${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}`)}`];
        const tail = (e.tail ?? '').split('\n').filter(Boolean).map((l) => `${this.prefix(e.node)}    ${l}`);
        return [`${this.prefix(e.node)}${this.c('31', `✗ gate ${e.block} FAILED: ${e.reason ?? 'failed'}`)}`, ...(tail.length ? [`${this.prefix(e.node)}  last lines:`, ...tail] : [])];
      }
      case 'divergence': {
        const out = [this.c('33', `! divergence in ${e.block}: ${e.outliers.map((o) => o.node).join(', ')} differ${e.outliers.length === 1 ? 's' : ''} from ${e.tie ? 'the first node' : 'the majority'} (${e.majority.join(', ')})`)];
        for (const o of e.outliers) out.push(...o.diff.replace(/\n$/, '').split('\n').filter((l) => !l.startsWith('====')).map((l) => `    ${l}`));
        return out;
      }
      case 'step.finished': {
        const n = this.stepNumber.get(e.step) ?? 0;
        const colour = e.status === 'passed' ? '32' : e.status === 'failed' ? '31' : '33';
        return [this.c(colour, `━━ Step ${n} ${e.status}${e.reason ? `: ${e.reason}` : ''}`)];
      }
      case 'rollback.started':
        return ['', this.c('1;33', `━━ Rolling back ${e.step}`)];
      case 'engine.waiting':
        return [];
      case 'operator.intent':
        return e.intent.kind === 'input' || e.intent.kind === 'resize' ? [] : [this.c('2', `operator: ${e.intent.kind}${'step' in e.intent ? ` ${e.intent.step}` : ''}${'toStep' in e.intent ? ` ${e.intent.toStep}` : ''}`)];
      case 'notice':
        return [`${e.node ? this.prefix(e.node) : ''}${this.c(e.level === 'error' ? '31' : e.level === 'warn' ? '33' : '2', `${e.level}: ${e.message}`)}`];
      case 'session.ended':
        return ['', this.c(e.status === 'completed' ? '1;32' : '1;31', `lockstep: session ${e.status}`)];
      default:
        return assertNever(e);
    }
  }
}
