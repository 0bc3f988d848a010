// An in-memory NodeSession for unit tests of the engine's logic only: scripts are answered
// by a handler, files live in a Map. Real runs use the transports (see run-local.test.ts).
import { createEngine, type EngineOptions } from '../../src/engine/index.js';
import type { LockstepEvent } from '../../src/state/events.js';
import type { ExecResult, NodeSession, ScriptResult, WriteFileOptions } from '../../src/transport/types.js';

export interface MemoryFile {
  content: Buffer;
  mode: number;
  owner: string;
}

export type ScriptHandler = (input: { node: string; blockId: string; script: string; signal?: AbortSignal; session: MemorySession }) => Promise<Partial<ScriptResult>> | Partial<ScriptResult>;

export class MemorySession implements NodeSession {
  readonly files = new Map<string, MemoryFile>();
  readonly scripts: { blockId: string; script: string }[] = [];
  readonly written: string[] = [];
  private outputListeners = new Set<(d: string) => void>();
  private closeListeners = new Set<(i: { lost: boolean; reason: string }) => void>();
  closed = false;

  constructor(
    readonly node: string,
    private readonly handler: ScriptHandler,
  ) {}

  onOutput(listener: (data: string) => void): () => void {
    this.outputListeners.add(listener);
    return () => this.outputListeners.delete(listener);
  }
  onClose(listener: (info: { lost: boolean; reason: string }) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }
  print(data: string): void {
    for (const l of this.outputListeners) l(data);
  }
  drop(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.closeListeners) l({ lost: true, reason });
  }
  write(data: string): void {
    this.written.push(data);
  }
  resize(): void {}
  interrupt(): void {}
  async runScript(blockId: string, script: string, options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<ScriptResult> {
    this.scripts.push({ blockId, script });
    const r = await this.handler({ node: this.node, blockId, script, signal: options?.signal, session: this });
    const output = r.output ?? '';
    if (output) this.print(output);
    return { exitCode: 0, output, timedOut: false, interrupted: false, ...r };
  }
  async exec(): Promise<ExecResult> {
    return { code: 0, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };
  }
  async readFile(path: string): Promise<Buffer | null> {
    return this.files.get(path)?.content ?? null;
  }
  async writeFileAtomic(path: string, content: Buffer, options?: WriteFileOptions): Promise<void> {
    const old = this.files.get(path);
    this.files.set(path, { content: Buffer.from(content), mode: options?.mode ?? old?.mode ?? 0o644, owner: options?.owner ?? old?.owner ?? 'root:root' });
  }
  async removeFile(path: string): Promise<void> {
    this.files.delete(path);
  }
  async statFile(path: string): Promise<{ mode: number; owner: string } | null> {
    const f = this.files.get(path);
    return f ? { mode: f.mode, owner: f.owner } : null;
  }
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.closeListeners) l({ lost: false, reason: 'closed' });
  }
}

/** An engine over these in-memory sessions, with every event it emits collected. */
export function engineOver(sessions: Map<string, MemorySession>, opts: Omit<EngineOptions, 'connect'>) {
  const engine = createEngine({ ...opts, connect: async (node) => sessions.get(node) as MemorySession });
  const events: LockstepEvent[] = [];
  engine.subscribe((e) => events.push(e));
  return { engine, sessions, events };
}
