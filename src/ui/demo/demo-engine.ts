// A stand-in engine for the demo: plays the scripted session one step per `next`, echoes typed
// keys back into the panes like a shell would, and reports resizes. It fakes the engine only;
// the TUI it drives is the real one. No processes, files or sockets.
import type { EventBody, LockstepEvent, OperatorIntent } from '../../state/events.js';
import { DEMO_NODES, demoApproved, demoOpening, demoStep, prompt } from './script.js';

const TOP_SCREEN =
  '\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J\x1b[7mtop - 20:00:00 up 1 day,  load average: 0.01 \x1b[0m\r\n' +
  '\x1b[1mPID USER      %CPU COMMAND\x1b[0m\r\n' +
  '  1 root       0.0 \x1b[32msystemd\x1b[0m\r\n' +
  '812 etcd       1.3 \x1b[31metcd\x1b[0m\r\n';
const TOP_EXIT = '\x1b[?1049l\x1b[?25h';

export class DemoEngine {
  private readonly listeners = new Set<(e: LockstepEvent) => void>();
  private readonly t0 = Date.now();
  private stepIndex = 0;
  private awaitingApproval = false;
  private readonly lines = new Map<string, string>();
  private readonly inTop = new Set<string>();

  subscribe(listener: (e: LockstepEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Emits the opening events (call after the UI subscribed). */
  start(cols: number, rows: number): void {
    this.emit(demoOpening(cols, rows));
  }

  private emit(bodies: EventBody[]): void {
    for (const body of bodies) {
      const event = { ...body, t: Date.now() - this.t0 } as LockstepEvent;
      for (const l of this.listeners) l(event);
    }
  }

  dispatch(intent: OperatorIntent): void {
    this.emit([{ type: 'operator.intent', intent }]);
    switch (intent.kind) {
      case 'input':
        for (const node of intent.nodes) this.type(node, intent.data);
        return;
      case 'resize':
        this.emit([{ type: 'node.resized', cols: intent.cols, rows: intent.rows, nodes: intent.nodes }]);
        return;
      case 'approve':
        if (!this.awaitingApproval) return;
        this.awaitingApproval = false;
        this.emit(demoApproved());
        return;
      case 'next':
      case 'run-to-gate': {
        if (this.awaitingApproval) return;
        const events = demoStep(this.stepIndex++);
        this.awaitingApproval = events.some((e) => e.type === 'engine.waiting' && e.reason === 'approval');
        this.emit(events);
        return;
      }
      default:
        return;
    }
  }

  /** Output like `yes | head -c N`, in 64 KiB chunks as a transport delivers them. */
  private flood(node: string, total: number): void {
    const chunk = 'y\r\n'.repeat(64 * 1024 / 3);
    let sent = 0;
    const next = (): void => {
      if (sent >= total) {
        this.emit([{ type: 'node.output', node, data: `flood done\r\n${prompt(node)}` }]);
        return;
      }
      sent += chunk.length;
      this.emit([{ type: 'node.output', node, data: chunk }]);
      setImmediate(next);
    };
    setImmediate(next);
  }

  /** A tiny line discipline: echo, backspace, Enter runs `top` or prints a prompt. */
  private type(node: string, data: string): void {
    if (this.inTop.has(node)) {
      if (data === 'q') {
        this.inTop.delete(node);
        this.emit([{ type: 'node.output', node, data: TOP_EXIT }]);
      }
      return;
    }
    let out = '';
    let line = this.lines.get(node) ?? '';
    for (const ch of data) {
      if (ch === '\r') {
        const flood = /^flood(?:\s+(\d+))?$/.exec(line.trim());
        if (flood) {
          // `flood N`: N MiB (default 20) of `y` lines, like `yes | head -c 20M`
          out += '\r\n';
          this.flood(node, Number(flood[1] ?? 20) * 1024 * 1024);
        } else if (line.trim() === 'top') {
          this.inTop.add(node);
          out += '\r\n' + TOP_SCREEN;
        } else out += '\r\n' + (line.trim() ? `ran: ${line.trim()}\r\n` : '') + prompt(node);
        line = '';
      } else if (ch === '\x7f') {
        if (line.length > 0) {
          line = line.slice(0, -1);
          out += '\b \b';
        }
      } else if (ch >= ' ') {
        line += ch;
        out += ch;
      }
    }
    this.lines.set(node, line);
    if (out) this.emit([{ type: 'node.output', node, data: out }]);
  }
}

export { DEMO_NODES };
