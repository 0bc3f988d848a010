// The recorder: appends each event to the recording as it happens, redacted first.
// One write(2) per line and no user-space buffer, so killing lockstep leaves every
// completed line on disk; fsync after decisions and step ends so they survive a power cut.
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LockstepEvent } from '../state/events.js';
import { createLineEncoderV2, type ChainedLineEncoder } from './chain.js';
import type { LineEncoder } from './format.js';
import type { HeaderInfo } from './header.js';
import { EventRedactor } from './redact.js';

export interface RecorderOptions {
  /** Values of variables declared secret. */
  secrets: readonly string[];
  /** Default: format v2 (hash-chained), with `header` on line 1. */
  encoder?: LineEncoder;
  /** Who/where/what for the v2 header (version, operator, host, runbooks, inventory, size, resume link). */
  header?: HeaderInfo;
  /** Wall clock for the header; default now. */
  createdAt?: string;
}

const SYNC_AFTER = new Set<LockstepEvent['type']>(['step.finished', 'gate.result', 'operator.intent', 'hostkey.accepted', 'session.ended', 'file.written', 'file.restored', 'file.backup']);

export class Recorder {
  private fd: number | null;
  private readonly redactor: EventRedactor;
  private readonly encoder: LineEncoder;
  /** session.ended was written: it is the last line of a recording (readers refuse more). */
  private ended = false;

  /** Creates `path` (mode 0600 in a 0700 directory); refuses an existing file (EEXIST): one
   * recording holds one session, and an earlier one must never be overwritten or extended. */
  constructor(
    readonly path: string,
    options: RecorderOptions,
  ) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.fd = openSync(path, 'wx', 0o600);
    this.redactor = new EventRedactor(options.secrets);
    this.encoder = options.encoder ?? createLineEncoderV2(options.header);
    this.writeLine(this.encoder.header(options.createdAt ?? new Date().toISOString()));
  }

  /** sha256 of the last line written (v2): print it or keep it elsewhere to pin the file. */
  get chainHead(): string | null {
    return (this.encoder as Partial<ChainedLineEncoder>).head?.() ?? null;
  }

  /** Records one event (redacted); safe to call after close or after session.ended (ignored). */
  write(event: LockstepEvent): void {
    if (this.fd === null || this.ended) return;
    for (const e of this.redactor.redact(event)) this.writeLine(this.encoder.event(e));
    if (event.type === 'session.ended') this.ended = true;
    if (SYNC_AFTER.has(event.type)) fsyncSync(this.fd);
  }

  /** Writes held-back output and closes the file. */
  close(t?: number): void {
    if (this.fd === null) return;
    // After session.ended the redactor has already released everything (see EventRedactor).
    if (t !== undefined && !this.ended) for (const e of this.redactor.flush(t)) this.writeLine(this.encoder.event(e));
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = null;
  }

  private writeLine(line: string): void {
    if (this.fd === null) return;
    const buf = Buffer.from(`${line}\n`, 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
  }
}
