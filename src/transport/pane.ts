// The pane: one long-lived interactive shell per node, driven through the marks printed by the
// hooks in shell-protocol.ts. Transport-neutral: the SSH and local transports feed it decoded
// output and give it a way to type, upload the block file and probe the terminal's modes.

import type { ScriptResult } from './types.js';
import { MarkScanner, normalizeNewlines, type PaneMark } from './osc-markers.js';
import { blockFileName, markLabel, typedRunLine } from './shell-protocol.js';

export interface PaneIO {
  /** Bytes typed into the pane. */
  type(data: string): void;
  /** Puts a block's script where the runner sources it: `<dir>/<name>`, private to the user. */
  uploadBlock(name: string, script: string): Promise<void>;
  /** `stty -a` of the pane's terminal, or null when it cannot be read. */
  probeTerminalModes?(): Promise<string | null>;
}

/** How long to wait for a block's end after Ctrl-C before giving up on it. */
const INTERRUPT_GRACE_MS = 3000;
/** Output quiet for this long without a newline looks like a prompt: check the echo mode. */
const ECHO_PROBE_DELAY_MS = 80;

interface Job {
  seq: number;
  label: string;
  started: boolean;
  output: string[];
  timedOut: boolean;
  interrupted: boolean;
  done: (r: ScriptResult) => void;
}

type CloseInfo = { lost: boolean; reason: string };

export class Pane {
  private readonly scanner = new MarkScanner();
  private readonly outputListeners = new Set<(data: string) => void>();
  private readonly closeListeners = new Set<(info: CloseInfo) => void>();
  private readonly readyWaiters = new Set<() => void>();
  private seq = 0;
  private job: Job | null = null;
  /** A block whose end never came (stuck after Ctrl-C); its late end mark is ignored. */
  private stale = new Set<number>();
  private atPrompt = false;
  /** Someone typed at the current prompt, so the input line may hold text. */
  private typedAtPrompt = false;
  /** Someone typed into the pane since the last block: its variables may have changed. */
  private typedSinceBlock = false;
  private closedInfo: CloseInfo | null = null;
  private echoOffNow = false;
  private echoTimer: NodeJS.Timeout | null = null;
  private lastOutputEndsLine = true;
  /** Block files on the node by name (content hash): uploaded or on their way. */
  private readonly uploads = new Map<string, Promise<void>>();

  constructor(private readonly io: PaneIO) {}

  get closed(): CloseInfo | null {
    return this.closedInfo;
  }

  /** True once the shell has drawn a prompt and reads input (the first one means ready). */
  get ready(): boolean {
    return this.atPrompt;
  }

  onOutput(listener: (data: string) => void): () => void {
    this.outputListeners.add(listener);
    return () => this.outputListeners.delete(listener);
  }

  onClose(listener: (info: CloseInfo) => void): () => void {
    if (this.closedInfo) {
      const info = this.closedInfo;
      queueMicrotask(() => listener(info));
      return () => {};
    }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Whether the terminal has echo off in line mode right now (a password prompt). */
  echoOff(): boolean {
    return this.echoOffNow;
  }

  /** Decoded output from the transport. */
  feed(data: string): void {
    for (const l of this.outputListeners) l(data);
    for (const piece of this.scanner.push(data)) {
      if (piece.kind === 'text') {
        if (this.job?.started) this.job.output.push(piece.text);
        this.lastOutputEndsLine = /[\r\n]$/.test(piece.text);
        if (piece.text.length > 0) this.scheduleEchoProbe();
      } else {
        this.onMark(piece.mark);
      }
    }
  }

  /** Keystrokes from a person (or a broadcast). */
  write(data: string): void {
    if (this.closedInfo) return;
    this.typedSinceBlock = true;
    // Enter at the prompt starts a command: the pane is busy until the next prompt.
    if (/[\r\n]/.test(data)) this.atPrompt = false;
    else if (this.atPrompt) this.typedAtPrompt = true;
    this.io.type(data);
  }

  /** Ctrl-C into the pane; a running block is reported as interrupted. */
  interrupt(): void {
    if (this.job) this.stopJob(this.job, 'interrupted', true);
    else if (!this.closedInfo) this.io.type('\x03');
  }

  /**
   * Ends a running block with Ctrl-C. A block that ignores it is given up after a grace period;
   * the pane then stays busy until its end mark finally arrives (the next block waits for the
   * prompt).
   */
  private stopJob(job: Job, why: 'timedOut' | 'interrupted', again = false): void {
    if (this.job !== job || this.closedInfo) return;
    const stopping = job.timedOut || job.interrupted;
    // One Ctrl-C per block unless asked again: a stray second one could reach the prompt and
    // cancel the next block's typed line.
    if (stopping && !again) return;
    if (!stopping) {
      const grace = setTimeout(() => {
        if (this.job !== job) return;
        this.stale.add(job.seq);
        this.finishJob(null);
      }, INTERRUPT_GRACE_MS);
      grace.unref?.();
    }
    job[why] = true;
    this.io.type('\x03');
  }

  /** The transport ended; pending work resolves now. */
  markClosed(lost: boolean, reason: string): void {
    if (this.closedInfo) return;
    this.closedInfo = { lost, reason };
    if (this.echoTimer) clearTimeout(this.echoTimer);
    const tail = this.scanner.flush();
    if (tail && this.job?.started) this.job.output.push(tail);
    this.finishJob(null);
    for (const w of [...this.readyWaiters]) w();
    for (const l of [...this.closeListeners]) l(this.closedInfo);
    this.closeListeners.clear();
  }

  /** Resolves when the prompt is up, false when the deadline passes, the signal aborts or the pane closes. */
  waitReady(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.atPrompt) return Promise.resolve(true);
    if (this.closedInfo || signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.readyWaiters.delete(onReady);
        signal?.removeEventListener('abort', onAbort);
        resolve(ok);
      };
      const onReady = () => done(this.atPrompt);
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(false), Math.max(0, timeoutMs));
      this.readyWaiters.add(onReady);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Starts uploading a script the pane will run later (the next blocks of a plan), so that
   * runScript finds it there. Never rejects: a failed upload is tried again by runScript.
   */
  prepareScript(script: string): void {
    if (this.closedInfo) return;
    this.upload(script).catch(() => undefined);
  }

  /** Uploads a script once per content; resolves with its file name in the pane's directory. */
  private async upload(script: string): Promise<string> {
    const name = blockFileName(script);
    let pending = this.uploads.get(name);
    if (!pending) {
      pending = this.io.uploadBlock(name, script);
      this.uploads.set(name, pending);
      const mine = pending;
      // A failed upload is forgotten, so the next attempt tries again.
      pending.catch(() => {
        if (this.uploads.get(name) === mine) this.uploads.delete(name);
      });
    }
    await pending;
    return name;
  }

  async runScript(
    blockId: string,
    script: string,
    options: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<ScriptResult> {
    if (this.job) throw new Error(`node is still running block ${this.job.label}; wait for it before starting ${blockId}`);
    const notRun = (extra: Partial<ScriptResult>): ScriptResult => ({
      exitCode: null,
      output: '',
      timedOut: false,
      interrupted: false,
      ...extra,
    });
    if (this.closedInfo) return notRun({});
    const { signal } = options;
    if (signal?.aborted) return notRun({ interrupted: true });
    const deadline = options.timeoutMs !== undefined ? Date.now() + options.timeoutMs : Infinity;
    const seq = ++this.seq;
    const label = markLabel(blockId);
    let resolveJob!: (r: ScriptResult) => void;
    const result = new Promise<ScriptResult>((r) => (resolveJob = r));
    const job: Job = { seq, label, started: false, output: [], timedOut: false, interrupted: false, done: resolveJob };
    this.job = job;

    let file: string;
    try {
      file = await this.upload(script);
    } catch (err) {
      this.job = null;
      if (this.closedInfo) return notRun({});
      throw err;
    }
    if (this.closedInfo) {
      this.finishJob(null);
      return result;
    }
    const ready = await this.waitReady(deadline === Infinity ? 2 ** 31 - 1 : deadline - Date.now(), signal);
    if (!ready || job.interrupted || job.timedOut) {
      this.job = null;
      const interrupted = job.interrupted || !!signal?.aborted;
      return notRun({ timedOut: !interrupted && !this.closedInfo, interrupted });
    }

    const stop = (why: 'timedOut' | 'interrupted') => this.stopJob(job, why);
    const timer = deadline !== Infinity ? setTimeout(() => stop('timedOut'), Math.max(0, deadline - Date.now())) : null;
    const onAbort = () => stop('interrupted');
    signal?.addEventListener('abort', onAbort, { once: true });
    this.atPrompt = false;
    this.io.type(typedRunLine(seq, label, this.typedAtPrompt, file, this.typedSinceBlock));
    this.typedSinceBlock = false;
    try {
      return await result;
    } finally {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private onMark(mark: PaneMark): void {
    switch (mark.kind) {
      case 'ready':
        this.atPrompt = true;
        this.typedAtPrompt = false;
        this.echoOffNow = false;
        // Ctrl-C reached readline before the typed line ran: the block never started.
        if (this.job && !this.job.started && (this.job.interrupted || this.job.timedOut)) this.finishJob(null);
        for (const w of [...this.readyWaiters]) w();
        return;
      case 'start':
        if (this.job && this.job.seq === mark.seq) this.job.started = true;
        return;
      case 'end':
        if (this.stale.delete(mark.seq)) return;
        if (this.job && this.job.seq === mark.seq) this.finishJob(mark.status);
        return;
    }
  }

  private finishJob(status: number | null): void {
    const job = this.job;
    if (!job) return;
    this.job = null;
    const stopped = job.timedOut || job.interrupted;
    job.done({
      exitCode: stopped ? null : status,
      output: normalizeNewlines(job.output.join('')),
      timedOut: job.timedOut,
      interrupted: job.interrupted,
    });
  }

  /** Output went quiet without a newline: maybe a password prompt. Ask the terminal. */
  private scheduleEchoProbe(): void {
    const probe = this.io.probeTerminalModes;
    if (!probe || this.closedInfo) return;
    if (this.echoTimer) clearTimeout(this.echoTimer);
    this.echoTimer = setTimeout(() => {
      this.echoTimer = null;
      if (this.lastOutputEndsLine || this.atPrompt || this.closedInfo) {
        this.echoOffNow = false;
        return;
      }
      probe.call(this.io).then(
        (modes) => {
          if (modes !== null) this.echoOffNow = echoOffInLineMode(modes);
        },
        () => {},
      );
    }, ECHO_PROBE_DELAY_MS);
    this.echoTimer.unref?.();
  }
}

/**
 * Reads `stty -a`: echo off while the line discipline is in canonical mode is what a password
 * prompt looks like (readline at a shell prompt also turns echo off, but in raw mode).
 */
export function echoOffInLineMode(sttyOutput: string): boolean {
  const flags = new Set(sttyOutput.split(/[\s;]+/));
  return flags.has('-echo') && flags.has('icanon');
}
