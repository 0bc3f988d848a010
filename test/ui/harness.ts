// Renders the App into fake streams of a chosen size (ink-testing-library's are fixed at
// 100 columns), collects frames, and plays keys and events.
import { EventEmitter } from 'node:events';
import React from 'react';
import { render } from 'ink';
import { createSessionStore, type LockstepEvent, type OperatorIntent, type SessionStore } from '../../src/state/index.js';
import { App } from '../../src/ui/app.js';
import { chooseCharset } from '../../src/ui/charset.js';
import type { BorderChoice, TuiMode } from '../../src/ui/index.js';

class FakeStdout extends EventEmitter {
  isTTY = false;
  frame = '';
  constructor(public columns: number, public rows: number) {
    super();
  }
  write = (data: string): boolean => {
    this.frame = data;
    return true;
  };
  resize(columns: number, rows: number): void {
    this.columns = columns;
    this.rows = rows;
    this.emit('resize');
  }
}

class FakeStdin extends EventEmitter {
  isTTY = true;
  private data: string | null = null;
  write(data: string): void {
    this.data = data;
    this.emit('readable');
  }
  read = (): string | null => {
    const d = this.data;
    this.data = null;
    return d;
  };
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
}

export interface Harness {
  session: SessionStore;
  intents: OperatorIntent[];
  stdout: FakeStdout;
  frame(): string;
  key(raw: string): Promise<void>;
  feed(events: LockstepEvent[]): Promise<void>;
  /** Waits until the frame contains `text` (or the predicate holds), up to `ms`. */
  waitFor(test: string | ((frame: string) => boolean), ms?: number): Promise<string>;
  unmount(): void;
}

export const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function renderApp(opts: { cols?: number; rows?: number; mode?: TuiMode; borders?: BorderChoice; readOnly?: boolean; env?: NodeJS.ProcessEnv } = {}): Harness {
  const stdout = new FakeStdout(opts.cols ?? 120, opts.rows ?? 40);
  const stdin = new FakeStdin();
  const session = createSessionStore({ scrollback: 200 });
  const intents: OperatorIntent[] = [];
  const charset = chooseCharset(opts.borders ?? 'unicode', opts.env ?? {});
  const instance = render(
    React.createElement(App, { session, dispatch: (i: OperatorIntent) => intents.push(i), charset, mode: opts.mode ?? 'production', readOnly: opts.readOnly, resizeDebounceMs: 0 }),
    { stdout: stdout as unknown as NodeJS.WriteStream, stdin: stdin as unknown as NodeJS.ReadStream, debug: true, exitOnCtrlC: false, patchConsole: false },
  );
  const h: Harness = {
    session,
    intents,
    stdout,
    frame: () => stdout.frame,
    async key(raw) {
      stdin.write(raw);
      await tick(5);
    },
    async feed(events) {
      for (const e of events) session.ingest(e);
      await session.panes.whenIdle();
      await tick(60); // pane refresh throttle
    },
    async waitFor(test, ms = 3000) {
      const ok = typeof test === 'string' ? (f: string) => f.includes(test) : test;
      const end = Date.now() + ms;
      while (!ok(stdout.frame)) {
        if (Date.now() > end) throw new Error(`timed out waiting; last frame:\n${stdout.frame}`);
        await tick(10);
      }
      return stdout.frame;
    },
    unmount() {
      instance.unmount();
      session.dispose();
    },
  };
  return h;
}
