// The one interface between the engine and a node. Implementations (ssh2, node-pty) own
// every side effect; the engine only calls these methods and listens.

export interface ScriptResult {
  /** The block's exit status; null when it never finished (time-out, interrupt, lost node). */
  exitCode: number | null;
  /** What the block printed in the pane between its start and end markers (markers removed). */
  output: string;
  timedOut: boolean;
  interrupted: boolean;
}

export interface ExecResult {
  code: number | null;
  stdout: Buffer;
  stderr: Buffer;
}

export interface WriteFileOptions {
  /** Numeric mode, e.g. 0o644; default keeps the old file's mode, or 0644 for a new file. */
  mode?: number;
  /** `user` or `user:group`; default root (or the old file's owner). */
  owner?: string;
}

export interface NodeSession {
  readonly node: string;
  /** Pane bytes as they arrive, decoded as UTF-8 without splitting characters. */
  onOutput(listener: (data: string) => void): () => void;
  /** Called once when the connection ends; `lost` is true when it was not closed by us. */
  onClose(listener: (info: { lost: boolean; reason: string }) => void): () => void;
  /** Keystrokes into the pane, as typed. */
  write(data: string): void;
  resize(cols: number, rows: number): void;
  /** Ctrl-C into the pane. */
  interrupt(): void;
  /**
   * Runs a script in the pane's long-lived shell so that shell state (variables, cwd)
   * carries over to the next script, and resolves with its exact exit status.
   */
  runScript(blockId: string, script: string, options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<ScriptResult>;
  /**
   * Optional: starts putting a script on the node ahead of time (the plan's next blocks, while
   * the engine waits for approval or runs the previous step), so that a later runScript of the
   * same text skips the upload. Fire and forget: never throws, never runs anything.
   */
  prepareScript?(script: string): void;
  /** Runs a command on a separate channel (not in the pane), as the login user. */
  exec(command: string, options?: { stdin?: Buffer | string; timeoutMs?: number }): Promise<ExecResult>;
  /** Reads a file with root rights (sudo when the login user is not root); null when absent. */
  readFile(path: string): Promise<Buffer | null>;
  /** Writes a file atomically (temp file in the same directory, then rename) with root rights. */
  writeFileAtomic(path: string, content: Buffer, options?: WriteFileOptions): Promise<void>;
  /** Removes a file with root rights; no error when it is already gone. */
  removeFile(path: string): Promise<void>;
  /** The mode and owner of an existing file, or null, so rollback can restore them. */
  statFile(path: string): Promise<{ mode: number; owner: string } | null>;
  /**
   * Whether the pane's terminal has echo off in line mode right now (a password prompt), so
   * typed input can be redacted. Both real transports provide it; test doubles may not.
   */
  echoOff?(): boolean;
  close(): Promise<void>;
}
