// A real terminal for whole-program tests: a private tmux server (its own socket), sessions
// that run a command, keys typed with send-keys, and the screen read back with capture-pane.
// Waits poll the screen with a bounded time-out instead of sleeping.
import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

export class Tmux {
  /** `socket` names the private server (`tmux -L`); nothing else on the machine is touched. */
  constructor(readonly socket: string, private readonly env: NodeJS.ProcessEnv = { ...process.env, LANG: 'C.UTF-8' }) {}

  run(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8', env: this.env });
  }

  /** Starts a detached session of `cols`×`rows` running `command` (through the shell). */
  start(session: string, command: string, cols = 160, rows = 50): void {
    this.run('new-session', '-d', '-s', session, '-x', String(cols), '-y', String(rows), command);
  }

  /** What the session's pane shows now; with `escapes`, its colours and attributes too. */
  capture(session: string, escapes = false): string {
    return this.run('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', session);
  }

  /** Polls the screen until `test` accepts it; throws with the last screen after `ms`. */
  async waitFor(session: string, test: (screen: string) => boolean, what: string, ms = 10_000): Promise<string> {
    const end = Date.now() + ms;
    let screen = '';
    for (;;) {
      screen = this.capture(session);
      if (test(screen)) return screen;
      if (Date.now() >= end) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out after ${ms} ms waiting for ${what}; screen:\n${screen}`);
  }

  /** Keys by tmux name (`Enter`, `C-]`, `Escape`) or as text; see tmux(1) send-keys. */
  keys(session: string, ...keys: string[]): void {
    this.run('send-keys', '-t', session, ...keys);
  }

  /** Text typed literally: no key names are looked up (`Enter` is five letters). */
  type(session: string, text: string): void {
    this.run('send-keys', '-t', session, '-l', text);
  }

  resize(session: string, cols: number, rows: number): void {
    this.run('resize-window', '-t', session, '-x', String(cols), '-y', String(rows));
  }

  kill(session: string): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-session', '-t', session], { env: this.env, stdio: 'ignore' });
  }

  /** Stops the private server and every session on it, and removes its socket file. */
  killServer(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server'], { env: this.env, stdio: 'ignore' });
    const uid = process.getuid?.() ?? 0;
    rmSync(join(this.env.TMUX_TMPDIR || '/tmp', `tmux-${uid}`, this.socket), { force: true });
  }
}

/**
 * The lockstep pane whose title shows `node` (` N node `), cut out of a side-by-side grid:
 * its title row and the lines under it down to its bottom border, between its side borders,
 * and the size of that text area. Empty when the pane is not on screen.
 */
export function paneBox(screen: string, node: string): { title: string; text: string; cols: number; rows: number } {
  const lines = screen.split('\n');
  const title = new RegExp(`[│║|#] \\d ${node} `);
  const top = lines.findIndex((l) => title.test(l));
  if (top < 0) return { title: '', text: '', cols: 0, rows: 0 };
  const col = [...lines[top]!.slice(0, lines[top]!.search(title))].length; // the border left of "│ N node"
  const titleChars = [...lines[top]!];
  const border = titleChars[col]!;
  const width = titleChars.slice(col + 1).indexOf(border); // the title line's right border
  const cut = (chars: string[]): string => chars.slice(col + 1, col + 1 + width).join('').trimEnd();
  const out: string[] = [];
  for (let i = top + 1; i < lines.length; i++) {
    const chars = [...lines[i]!];
    if (chars[col] !== border) break;
    out.push(cut(chars));
  }
  // An ASCII target pane is framed with # on all four sides: its bottom border matched too.
  const rows = border === '#' && out.length > 0 && /^#+$/.test(out.at(-1)!) ? out.length - 1 : out.length;
  return { title: cut(titleChars), text: out.slice(0, rows).join('\n'), cols: width, rows };
}

/** The lines of `node`'s pane (see paneBox). */
export function paneText(screen: string, node: string): string {
  return paneBox(screen, node).text;
}

/** `node`'s pane title row: ` N node`, `>> KEYS`, `[full]`, `gate …` (see paneBox). */
export function paneTitle(screen: string, node: string): string {
  return paneBox(screen, node).title;
}

/** The first `width` columns of every line (the TUI's sidebar), joined with spaces: text that
 * wrapped reads as one line. */
export function columnText(screen: string, width: number): string {
  return screen
    .split('\n')
    .map((l) => [...l].slice(0, width).join('').trim())
    .filter(Boolean)
    .join(' ')
    .replace(/\s+/g, ' ');
}
