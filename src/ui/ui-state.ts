// The UI's own state (what is focused, where keys go, which overlay is open): a pure reducer,
// separate from the session state, which only events change.

export type InputMode = 'command' | 'typing' | 'scroll';
export type Overlay = 'help' | 'diff' | 'divergence' | null;
export type TypingTarget = 'focused' | 'all' | 'selected';

export interface Confirm {
  kind: 'quit' | 'rollback' | 'approve' | 'hostkey';
  step?: string;
  /** For `hostkey`: whose key, and which one. */
  node?: string;
  fingerprint?: string;
  message: string;
}

export interface UiState {
  focus: number;
  zoom: boolean;
  mode: InputMode;
  target: TypingTarget;
  /** Nodes picked for `selected` broadcast. */
  selected: string[];
  overlay: Overlay;
  overlayOffset: number;
  confirm: Confirm | null;
  /** A word about the last key (why it did nothing), shown in the footer until the next one. */
  hint: string | null;
}

export const initialUiState: UiState = {
  focus: 0,
  zoom: false,
  mode: 'command',
  target: 'focused',
  selected: [],
  overlay: null,
  overlayOffset: 0,
  confirm: null,
  hint: null,
};

export type UiAction =
  | { type: 'focus'; index: number; count: number }
  | { type: 'focus-step'; by: 1 | -1; count: number }
  | { type: 'zoom' }
  | { type: 'typing'; target: TypingTarget }
  | { type: 'command-mode' }
  | { type: 'scroll-mode' }
  | { type: 'toggle-select'; node: string }
  | { type: 'overlay'; overlay: Overlay }
  | { type: 'overlay-scroll'; by: number }
  | { type: 'confirm'; confirm: Confirm | null }
  | { type: 'hint'; hint: string | null };

export function uiReducer(s: UiState, a: UiAction): UiState {
  switch (a.type) {
    case 'focus':
      return a.index >= 0 && a.index < a.count ? { ...s, focus: a.index } : s;
    case 'focus-step':
      return a.count === 0 ? s : { ...s, focus: (s.focus + a.by + a.count) % a.count };
    case 'zoom':
      return { ...s, zoom: !s.zoom };
    case 'typing':
      return { ...s, mode: 'typing', target: a.target, overlay: null };
    case 'command-mode':
      return { ...s, mode: 'command' };
    case 'scroll-mode':
      return { ...s, mode: 'scroll', overlay: null };
    case 'toggle-select':
      return { ...s, selected: s.selected.includes(a.node) ? s.selected.filter((n) => n !== a.node) : [...s.selected, a.node] };
    case 'overlay':
      return { ...s, overlay: s.overlay === a.overlay ? null : a.overlay, overlayOffset: 0 };
    case 'overlay-scroll':
      return { ...s, overlayOffset: Math.max(0, s.overlayOffset + a.by) };
    case 'confirm':
      return { ...s, confirm: a.confirm };
    case 'hint':
      return s.hint === a.hint ? s : { ...s, hint: a.hint };
  }
}

/** The nodes typed keys go to right now (empty when not typing). */
export function typingTargets(s: UiState, nodes: readonly string[]): string[] {
  if (s.mode !== 'typing') return [];
  if (s.target === 'all') return [...nodes];
  if (s.target === 'selected') return nodes.filter((n) => s.selected.includes(n));
  const focused = nodes[s.focus];
  return focused ? [focused] : [];
}
