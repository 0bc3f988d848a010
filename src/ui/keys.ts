// Every key binding, in one place: named commands, the keys that trigger them, and the words
// the footer and the help overlay show. Handlers look commands up here and nowhere else.

/** A decoded key: a printable character as itself, or a name like `enter`, `up`, `ctrl-c`. */
export type KeyName = string;

export type CommandName =
  | 'next'
  | 'run-to-gate'
  | 'pause'
  | 'skip'
  | 'retry'
  | 'rollback'
  | 'approve'
  | 'interrupt'
  | 'diff'
  | 'divergence'
  | 'focus-next'
  | 'focus-prev'
  | 'focus-node'
  | 'zoom'
  | 'type'
  | 'broadcast-all'
  | 'toggle-select'
  | 'broadcast-selected'
  | 'scroll'
  | 'help'
  | 'quit';

export interface Binding {
  command: CommandName;
  keys: KeyName[];
  /** Short label for the footer; absent = help overlay only. */
  footer?: string;
  help: string;
  /** Commands that drive the engine are refused in replay. */
  engine?: boolean;
}

/** Command mode: keys are commands. */
export const BINDINGS: readonly Binding[] = [
  { command: 'next', keys: ['n', 'enter'], footer: 'next', help: 'run the next step (or approve the waiting one)', engine: true },
  { command: 'run-to-gate', keys: ['g'], footer: 'to gate', help: 'run steps until the next gate', engine: true },
  { command: 'pause', keys: ['p'], footer: 'pause', help: 'pause after the current block / resume', engine: true },
  { command: 'skip', keys: ['s'], footer: 'skip', help: 'skip the current (or next) step', engine: true },
  { command: 'retry', keys: ['r'], footer: 'retry', help: 'retry the failed step', engine: true },
  { command: 'rollback', keys: ['u'], footer: 'rollback', help: 'roll the current step back (asks first)', engine: true },
  { command: 'approve', keys: ['a'], help: 'approve the waiting step (file writes)', engine: true },
  { command: 'interrupt', keys: ['ctrl-c'], help: 'interrupt the running block (Ctrl-C into its panes)', engine: true },
  { command: 'diff', keys: ['d'], footer: 'diff', help: 'file changes of this step, before they are written' },
  { command: 'divergence', keys: ['v'], footer: 'diverge', help: 'nodes whose output differs from the others' },
  { command: 'focus-next', keys: ['tab', 'right'], footer: 'focus', help: 'focus the next pane' },
  { command: 'focus-prev', keys: ['shift-tab', 'left'], help: 'focus the previous pane' },
  { command: 'focus-node', keys: ['1', '2', '3', '4', '5', '6', '7', '8', '9'], help: 'focus pane 1-9' },
  { command: 'zoom', keys: ['z'], footer: 'zoom', help: 'zoom the focused pane / back to the grid' },
  { command: 'type', keys: ['i'], footer: 'type', help: 'type into the focused pane (Ctrl-] to stop)', engine: true },
  { command: 'broadcast-all', keys: ['b'], footer: 'broadcast', help: 'type into ALL panes at once (Ctrl-] to stop)', engine: true },
  { command: 'toggle-select', keys: ['space'], help: 'select / unselect the focused pane for broadcast' },
  { command: 'broadcast-selected', keys: ['B'], help: 'type into the selected panes only (Ctrl-] to stop)', engine: true },
  { command: 'scroll', keys: ['['], footer: 'scroll', help: 'scroll back the focused pane (arrows, PgUp/PgDn; q to leave)' },
  { command: 'help', keys: ['?'], footer: 'help', help: 'this help' },
  { command: 'quit', keys: ['q'], footer: 'quit', help: 'quit (asks while a step runs)' },
];

/** Typing mode: every key goes to the target panes except this one. */
export const LEAVE_TYPING: KeyName = 'ctrl-]';
export const LEAVE_TYPING_LABEL = 'Ctrl-]';
/** Its byte, found even inside a chunk of typed text. */
export const LEAVE_TYPING_BYTE = '\x1d';

/** Scroll mode. */
export const SCROLL_KEYS = {
  up: ['up', 'k'],
  down: ['down', 'j'],
  pageUp: ['pageup', 'b', 'ctrl-b'],
  pageDown: ['pagedown', 'space', 'ctrl-f'],
  top: ['home', 'g'],
  leave: ['q', 'escape', 'end', 'G'],
} as const satisfies Record<string, readonly KeyName[]>;

/** Confirmation dialogs and overlays. */
export const CONFIRM_YES: readonly KeyName[] = ['y', 'Y'];
export const CONFIRM_NO: readonly KeyName[] = ['n', 'N', 'escape', 'q'];
export const OVERLAY_CLOSE: readonly KeyName[] = ['escape', 'q'];
export const OVERLAY_SCROLL = { up: ['up', 'k'], down: ['down', 'j'], pageUp: ['pageup'], pageDown: ['pagedown', 'space'] } as const;

const byKey = new Map<KeyName, CommandName>();
for (const b of BINDINGS) for (const k of b.keys) byKey.set(k, b.command);

export function commandFor(key: KeyName): CommandName | undefined {
  return byKey.get(key);
}

export function bindingOf(command: CommandName): Binding {
  const b = BINDINGS.find((x) => x.command === command);
  if (!b) throw new Error(`no binding for ${command}`);
  return b;
}

/** How a key name is shown to people. */
export function keyLabel(key: KeyName): string {
  if (key === 'enter') return 'Enter';
  if (key === 'space') return 'Space';
  if (key === 'tab') return 'Tab';
  if (key === 'shift-tab') return 'S-Tab';
  if (key === 'left') return '←';
  if (key === 'right') return '→';
  if (key.startsWith('ctrl-')) return `Ctrl-${key.slice(5).toUpperCase()}`;
  return key;
}

const CSI_NAMES: Record<string, KeyName> = {
  '[A': 'up', '[B': 'down', '[C': 'right', '[D': 'left', 'OA': 'up', 'OB': 'down', 'OC': 'right', 'OD': 'left',
  '[H': 'home', '[F': 'end', 'OH': 'home', 'OF': 'end', '[1~': 'home', '[4~': 'end', '[7~': 'home', '[8~': 'end',
  '[5~': 'pageup', '[6~': 'pagedown', '[3~': 'delete', '[2~': 'insert', '[Z': 'shift-tab',
};

/** Turns one key's raw bytes (as the terminal sent them) into a key name. */
export function decodeKey(raw: string): KeyName {
  if (raw === '\r' || raw === '\n') return 'enter';
  if (raw === '\t') return 'tab';
  if (raw === ' ') return 'space';
  if (raw === '\x1b') return 'escape';
  if (raw === '\x7f' || raw === '\b') return 'backspace';
  if (raw === '\x1d') return 'ctrl-]';
  if (raw.length === 1) {
    const code = raw.charCodeAt(0);
    if (code >= 1 && code <= 26) return `ctrl-${String.fromCharCode(code + 96)}`;
    return raw;
  }
  if (raw.startsWith('\x1b')) {
    const name = CSI_NAMES[raw.slice(1)];
    if (name) return name;
    if (raw.length === 2) return `meta-${raw[1]}`;
  }
  return raw;
}

// ── Replay (`lockstep replay REC`) ──────────────────────────────────────────────────────────
// In replay these keys come first; live bindings whose keys they take (space, ←/→, digits, n, g,
// p) give way, and engine commands (typing, rollback, run…) are refused with a message.

export type ReplayCommandName =
  | 'replay-play'
  | 'replay-faster'
  | 'replay-slower'
  | 'replay-back'
  | 'replay-forward'
  | 'replay-step'
  | 'replay-next-step'
  | 'replay-prev-step'
  | 'replay-next-gate'
  | 'replay-next-failure'
  | 'replay-next-decision'
  | 'replay-start'
  | 'replay-end';

export interface ReplayBinding {
  command: ReplayCommandName;
  keys: KeyName[];
  /** Short label for the footer; absent = help overlay only. */
  footer?: string;
  /** How the footer shows the keys (default: the first key). */
  footerKeys?: string;
  help: string;
}

export const REPLAY_BINDINGS: readonly ReplayBinding[] = [
  { command: 'replay-play', keys: ['space'], footer: 'play/pause', help: 'play / pause (at the end: play again from the start)' },
  { command: 'replay-faster', keys: ['+', '='], footer: 'speed', footerKeys: '+/-', help: 'faster (x0.5 x1 x2 x4 x8 x16)' },
  { command: 'replay-slower', keys: ['-', '_'], help: 'slower' },
  { command: 'replay-back', keys: ['left'], footer: '10s', footerKeys: '←/→', help: 'seek back 10 s' },
  { command: 'replay-forward', keys: ['right'], help: 'seek forward 10 s' },
  { command: 'replay-step', keys: ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0', 'j'], footer: 'step N', footerKeys: '1-9', help: 'jump to step N: type its number, then Enter (shows the end of that step)' },
  { command: 'replay-next-step', keys: ['n'], footer: 'step', footerKeys: 'n/p', help: 'next step (its start)' },
  { command: 'replay-prev-step', keys: ['p'], help: 'previous step (the start of this one, or the one before)' },
  { command: 'replay-next-gate', keys: ['g'], footer: 'gate', help: 'next gate result' },
  { command: 'replay-next-failure', keys: ['f'], footer: 'failure', help: 'next failure (failed block, gate or step)' },
  { command: 'replay-next-decision', keys: ['o'], footer: 'decision', help: 'next operator decision (approve, skip, retry, rollback…)' },
  { command: 'replay-start', keys: ['home'], help: 'the start of the recording' },
  { command: 'replay-end', keys: ['end'], help: 'the end of the recording' },
];

/** Keys while the "jump to step" prompt is open; digits and backspace edit the number. */
export const REPLAY_PROMPT_KEYS = { confirm: ['enter'], cancel: ['escape'], erase: ['backspace'] } as const satisfies Record<string, readonly KeyName[]>;
/** How far ←/→ seek, in recorded ms. */
export const REPLAY_SEEK_MS = 10_000;
/** The speeds +/- step through. */
export const REPLAY_SPEEDS: readonly number[] = [0.5, 1, 2, 4, 8, 16];
/** Live commands the replay footer still shows (the help overlay lists them all). */
export const REPLAY_FOOTER_LIVE: readonly CommandName[] = ['scroll', 'zoom', 'help', 'quit'];

const replayByKey = new Map<KeyName, ReplayCommandName>();
for (const b of REPLAY_BINDINGS) for (const k of b.keys) replayByKey.set(k, b.command);

export function replayCommandFor(key: KeyName): ReplayCommandName | undefined {
  return replayByKey.get(key);
}

/** Live bindings that still work in replay: not engine commands, minus keys replay takes. */
export function liveBindingsInReplay(): Binding[] {
  return BINDINGS.filter((b) => !b.engine)
    .map((b) => ({ ...b, keys: b.keys.filter((k) => !replayByKey.has(k)) }))
    .filter((b) => b.keys.length > 0);
}

/** Live bindings refused in replay (they would change the session), with their remaining keys. */
export function liveOnlyBindings(): Binding[] {
  return BINDINGS.filter((b) => b.engine)
    .map((b) => ({ ...b, keys: b.keys.filter((k) => !replayByKey.has(k)) }))
    .filter((b) => b.keys.length > 0);
}
