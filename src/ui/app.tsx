// The whole screen: header, sidebar (steps + explanation), panes or an overlay, footer.
// Keys become UI actions or engine intents here; nothing else handles input.
import React, { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Box, useApp } from 'ink';
import type { OperatorIntent, SessionState, SessionStore, StepView } from '../state/index.js';
import { selectFocusStep, selectIsRunning, selectNextStep, selectProposedDiffs } from '../state/index.js';
import type { Charset } from './charset.js';
import { TuiContext, type TuiContextValue } from './context.js';
import { useRawKeys } from './hooks/use-raw-keys.js';
import { useSession } from './hooks/use-session.js';
import { useTerminalSize } from './hooks/use-terminal-size.js';
import { CONFIRM_NO, CONFIRM_YES, LEAVE_TYPING, LEAVE_TYPING_BYTE, OVERLAY_CLOSE, OVERLAY_SCROLL, SCROLL_KEYS, bindingOf, commandFor, decodeKey } from './keys.js';
import { FOOTER_ROWS, HEADER_ROWS, computeLayout } from './layout.js';
import type { TuiMode } from './start-options.js';
import { initialUiState, typingTargets, uiReducer, type UiAction, type UiState } from './ui-state.js';
import { selectPaneNodes } from './selectors.js';
import { Explanation, Notices } from './components/explanation.js';
import { Footer } from './components/footer.js';
import { Header } from './components/header.js';
import { DiffOverlay, DivergenceOverlay, HelpOverlay } from './components/overlays.js';
import { PaneGrid } from './components/pane-grid.js';
import { StepList } from './components/step-list.js';
import type { ReplayPlayer } from './replay/player.js';
import { REPLAY_BAR_ROWS, ReplayBar } from './replay/replay-bar.js';
import { useFollowedSession, useReplayUi, type SessionSubscription } from './replay/use-replay.js';

export interface AppProps {
  session: SessionStore;
  dispatch: (intent: OperatorIntent) => void;
  charset: Charset;
  mode: TuiMode;
  readOnly?: boolean;
  /** Called after the operator quit (the quit intent was already dispatched). */
  onQuit?: () => void;
  /** Delay before telling the engine about a new pane size (resizes come in bursts). Default 60 ms. */
  resizeDebounceMs?: number;
  /** Announces a store replacing `session` (replay after a backward seek). Default: the replay's. */
  onSession?: SessionSubscription;
  /** Replay mode: the replay bar, keys and jumps over this player. Implies read-only. */
  replay?: ReplayPlayer;
}

export function App(props: AppProps): React.ReactElement {
  const player = props.replay;
  const follow = useMemo<SessionSubscription | undefined>(() => props.onSession ?? (player ? (l) => player.onStore(l) : undefined), [props.onSession, player]);
  const current = useMemo(() => (player ? () => player.store : undefined), [player]);
  const session = useFollowedSession(props.session, follow, current);
  const readOnly = (props.readOnly ?? false) || player !== undefined;
  const value = useMemo<TuiContextValue>(
    () => ({ session, charset: props.charset, mode: props.mode, readOnly }),
    [session, props.charset, props.mode, readOnly],
  );
  return (
    <TuiContext.Provider value={value}>
      <Screen {...props} session={session} readOnly={readOnly} />
    </TuiContext.Provider>
  );
}

function Screen({ session, dispatch, mode, readOnly = false, onQuit, resizeDebounceMs = 60, replay: player }: AppProps): React.ReactElement {
  const { exit } = useApp();
  const terminal = useTerminalSize();
  // One row short of the terminal: Ink clears the whole screen on every frame that fills it.
  const size = { cols: terminal.cols, rows: Math.max(8, terminal.rows - 1) };
  const replay = useReplayUi(player);
  // Replay: a row for the replay bar, taken from the panes.
  const extraRows = replay ? REPLAY_BAR_ROWS : 0;
  // UI state lives in a ref updated synchronously, so several keys arriving in one chunk
  // (fast typing, tmux send-keys) each see the effect of the previous one.
  const uiRef = useRef<UiState>(initialUiState);
  const [ui, setUi] = useState<UiState>(initialUiState);
  const act = useCallback((a: UiAction): void => {
    uiRef.current = uiReducer(uiRef.current, a);
    setUi(uiRef.current);
  }, []);
  const nodes = useSession(selectPaneNodes);
  const layout = useMemo(() => computeLayout({ cols: size.cols, rows: size.rows - extraRows, nodes, focus: ui.focus, zoom: ui.zoom }), [size.cols, size.rows, extraRows, nodes, ui.focus, ui.zoom]);
  const targets = useMemo(() => typingTargets(ui, nodes), [ui, nodes]);

  // Pane screens follow the layout at once; the engine (remote PTYs) is told after a short pause.
  const zoomed = layout.kind === 'zoom' ? layout.visible : undefined;
  const zoomKey = zoomed?.join(',') ?? '';
  useEffect(() => {
    if (readOnly || nodes.length === 0) return;
    const { cols, rows } = layout.screen;
    const only = zoomKey ? zoomKey.split(',') : undefined;
    session.panes.resize(cols, rows, only);
    const timer = setTimeout(() => dispatch(only ? { kind: 'resize', cols, rows, nodes: only } : { kind: 'resize', cols, rows }), resizeDebounceMs);
    return () => clearTimeout(timer);
  }, [layout.screen.cols, layout.screen.rows, zoomKey, nodes.length, readOnly, session, dispatch, resizeDebounceMs]);

  // An unknown or changed host key waits for the operator: ask, one node at a time.
  const hostKey = useSession((s) => {
    const n = s.nodes.find((x) => x.hostKey);
    return n?.hostKey ? { node: n.name, ...n.hostKey } : null;
  });
  // Keys the operator declined are not asked about again (the engine keeps that node waiting).
  const declinedKeys = useRef(new Set<string>());
  useEffect(() => {
    if (!hostKey || readOnly || uiRef.current.confirm || declinedKeys.current.has(`${hostKey.node} ${hostKey.fingerprint}`)) return;
    const what = hostKey.changed ? 'CHANGED host key (possible man-in-the-middle!)' : 'unknown host key';
    act({
      type: 'confirm',
      confirm: { kind: 'hostkey', node: hostKey.node, fingerprint: hostKey.fingerprint, message: `${hostKey.node}: ${what} ${hostKey.keyType} ${hostKey.fingerprint}. Trust it and add it to ${hostKey.knownHosts}?` },
    });
  }, [hostKey?.node, hostKey?.fingerprint, readOnly, act, ui.confirm]);

  // Key handling reads the latest state through refs, so the handler never goes stale.
  const nodesRef = useRef(nodes);
  nodesRef.current = nodes;

  const quit = useCallback(() => {
    if (!readOnly) dispatch({ kind: 'quit' });
    onQuit?.();
    exit();
  }, [dispatch, exit, onQuit, readOnly]);

  const onKey = useCallback(
    (raw: string): void => {
      const u = uiRef.current;
      const ns = nodesRef.current;
      const ts = typingTargets(u, ns);
      // Outside typing mode a chunk of plain characters is several keys, one after another.
      if (u.mode !== 'typing' && raw.length > 1 && !raw.startsWith('\x1b')) {
        for (const ch of raw) onKey(ch);
        return;
      }
      const s = session.state.getState();
      const key = decodeKey(raw);
      const send = (intent: OperatorIntent): void => {
        if (!readOnly) dispatch(intent);
      };
      if (u.confirm) {
        if (CONFIRM_YES.includes(key)) {
          const c = u.confirm;
          act({ type: 'confirm', confirm: null });
          if (c.kind === 'quit') quit();
          else if (c.kind === 'rollback' && c.step) send({ kind: 'rollback', toStep: c.step });
          else if (c.kind === 'approve' && c.step) send({ kind: 'approve', step: c.step });
          else if (c.kind === 'hostkey' && c.node && c.fingerprint) send({ kind: 'accept-host-key', node: c.node, fingerprint: c.fingerprint });
        } else if (CONFIRM_NO.includes(key)) {
          if (u.confirm.kind === 'hostkey') declinedKeys.current.add(`${u.confirm.node} ${u.confirm.fingerprint}`);
          act({ type: 'confirm', confirm: null });
        }
        return;
      }
      if (u.mode === 'typing') {
        const leave = raw.indexOf(LEAVE_TYPING_BYTE);
        if (key === LEAVE_TYPING || leave >= 0) {
          const before = raw.slice(0, Math.max(0, leave));
          if (before && ts.length > 0) send({ kind: 'input', nodes: ts, data: before });
          act({ type: 'command-mode' });
          const after = leave >= 0 ? raw.slice(leave + 1) : '';
          if (after) onKey(after);
        } else if (ts.length > 0) send({ kind: 'input', nodes: ts, data: raw });
        return;
      }
      if (u.mode === 'scroll') {
        const node = ns[u.focus];
        if (!node) return act({ type: 'command-mode' });
        const pane = session.panes.get(node);
        const page = Math.max(1, pane.rows - 1);
        if ((SCROLL_KEYS.up as readonly string[]).includes(key)) pane.scrollBy(1);
        else if ((SCROLL_KEYS.down as readonly string[]).includes(key)) pane.scrollBy(-1);
        else if ((SCROLL_KEYS.pageUp as readonly string[]).includes(key)) pane.scrollBy(page);
        else if ((SCROLL_KEYS.pageDown as readonly string[]).includes(key)) pane.scrollBy(-page);
        else if ((SCROLL_KEYS.top as readonly string[]).includes(key)) pane.scrollBy(Number.MAX_SAFE_INTEGER);
        else if ((SCROLL_KEYS.leave as readonly string[]).includes(key)) {
          pane.scrollToBottom();
          act({ type: 'command-mode' });
        }
        return;
      }
      if (replay?.prompting()) {
        replay.key(key);
        return;
      }
      if (u.overlay) {
        if (OVERLAY_CLOSE.includes(key)) return act({ type: 'overlay', overlay: null });
        if ((OVERLAY_SCROLL.up as readonly string[]).includes(key)) return act({ type: 'overlay-scroll', by: -1 });
        if ((OVERLAY_SCROLL.down as readonly string[]).includes(key)) return act({ type: 'overlay-scroll', by: 1 });
        if ((OVERLAY_SCROLL.pageUp as readonly string[]).includes(key)) return act({ type: 'overlay-scroll', by: -10 });
        if ((OVERLAY_SCROLL.pageDown as readonly string[]).includes(key)) return act({ type: 'overlay-scroll', by: 10 });
      }
      if (replay?.key(key)) return;
      const command = commandFor(key);
      if (!command) return;
      if (readOnly && bindingOf(command).engine) {
        replay?.refuse(bindingOf(command), key);
        return;
      }
      // Replay: nothing runs that quitting could interrupt.
      if (replay && command === 'quit') return quit();
      if (u.hint) act({ type: 'hint', hint: null });
      runCommand(command, key, { ui: u, nodes: ns, state: s, act, send, quit, mode });
    },
    [session, dispatch, readOnly, quit, mode, act, replay],
  );
  useRawKeys(onKey);

  const body = size.rows - HEADER_ROWS - FOOTER_ROWS - extraRows;
  const sidebarRows = Math.max(3, Math.floor(body / 2));
  return (
    <Box flexDirection="column" width={size.cols} height={size.rows}>
      <Header ui={ui} targets={targets} width={size.cols} />
      <Box flexDirection="row" height={body}>
        {layout.sidebar > 0 && (
          <Box flexDirection="column" width={layout.sidebar} height={body} paddingRight={1} overflow="hidden">
            <StepList width={layout.sidebar - 1} maxRows={sidebarRows} />
            <Box height={1} />
            <Explanation width={layout.sidebar - 1} />
            <Box flexGrow={1} />
            <Notices width={layout.sidebar - 1} />
          </Box>
        )}
        {ui.overlay === 'help' ? (
          <HelpOverlay width={layout.area.cols} height={layout.area.rows} offset={ui.overlayOffset} replay={replay !== null} />
        ) : ui.overlay === 'diff' ? (
          <DiffOverlay width={layout.area.cols} height={layout.area.rows} offset={ui.overlayOffset} />
        ) : ui.overlay === 'divergence' ? (
          <DivergenceOverlay width={layout.area.cols} height={layout.area.rows} offset={ui.overlayOffset} />
        ) : (
          <PaneGrid layout={layout} nodes={nodes} focus={ui.focus} targets={targets} selected={ui.selected} scrolling={ui.mode === 'scroll'} />
        )}
      </Box>
      {replay && <ReplayBar replay={replay} width={size.cols} />}
      <Footer ui={ui} width={size.cols} replay={replay} />
    </Box>
  );
}

interface CommandContext {
  ui: UiState;
  nodes: string[];
  state: SessionState;
  act: (a: UiAction) => void;
  send: (intent: OperatorIntent) => void;
  quit: () => void;
  mode: TuiMode;
}

/** What each named command does. */
function runCommand(command: ReturnType<typeof commandFor> & string, key: string, c: CommandContext): void {
  const { ui, nodes, state, act, send } = c;
  const count = nodes.length;
  const waiting = state.waiting;
  const current = state.currentStep;
  // Before a step runs the engine waits for approval (or, after run-to-gate, at the gate); it
  // sends that step's file diffs before it says so, so `files` is complete when it waits.
  const before = waiting?.reason === 'approval' || waiting?.reason === 'gate';
  // A step runs (or nodes still connect): a `next` now would be kept and used later.
  const busy = !waiting || waiting.reason === 'paused' || selectIsRunning(state);
  const approve = (): void => {
    const step = before ? waiting?.step : undefined;
    if (!step) return;
    const files = selectProposedDiffs(state).filter((d) => d.step === step);
    // Production: an overwrite needs an explicit yes. Learning: the diff was already shown.
    if (c.mode === 'production' && files.length > 0) {
      act({ type: 'confirm', confirm: { kind: 'approve', step, message: `Write ${files.length} changed file(s) for ${step}?` } });
    } else send({ kind: 'approve', step });
  };
  switch (command) {
    case 'next':
      if (before) approve();
      // Production: a `next` typed while a step runs would approve the following step unseen.
      else if (c.mode === 'production' && busy) act({ type: 'hint', hint: 'A step is running: the next step will wait for your approval.' });
      else send({ kind: 'next' });
      return;
    case 'approve':
      approve();
      return;
    case 'run-to-gate':
      // Production: a step that writes files gets the question first (the engine stops a run
      // to the gate there too, so it never writes unasked).
      if (c.mode === 'production' && before && waiting?.step && selectProposedDiffs(state).some((d) => d.step === waiting.step)) approve();
      else send({ kind: 'run-to-gate' });
      return;
    case 'pause':
      send(state.paused ? { kind: 'resume' } : { kind: 'pause' });
      return;
    case 'skip': {
      const step = waiting?.step ?? (selectIsRunning(state) ? current : selectNextStep(state)?.id);
      if (step) send({ kind: 'skip', step });
      return;
    }
    case 'retry': {
      const step = waiting?.reason === 'failed' ? waiting.step : current;
      if (step) send({ kind: 'retry', step });
      return;
    }
    case 'rollback': {
      // The focused step; when it has not run (the engine waits to run it), the last one that ran.
      const focus = selectFocusStep(state);
      const ran = (x: StepView): boolean => x.status === 'passed' || x.status === 'failed';
      const step = focus && (ran(focus) || focus.status === 'running') ? focus : [...state.steps].reverse().find(ran);
      if (!step) return;
      const which = step === focus ? '' : ' (the last step that ran)';
      act({ type: 'confirm', confirm: { kind: 'rollback', step: step.id, message: `Roll back "${step.title}"${which} on ${step.nodes.length} node(s)?` } });
      return;
    }
    case 'interrupt':
      send({ kind: 'interrupt' });
      return;
    case 'diff':
      act({ type: 'overlay', overlay: 'diff' });
      return;
    case 'divergence':
      act({ type: 'overlay', overlay: 'divergence' });
      return;
    case 'help':
      act({ type: 'overlay', overlay: 'help' });
      return;
    case 'focus-next':
      act({ type: 'focus-step', by: 1, count });
      return;
    case 'focus-prev':
      act({ type: 'focus-step', by: -1, count });
      return;
    case 'focus-node':
      act({ type: 'focus', index: Number(key) - 1, count });
      return;
    case 'zoom':
      act({ type: 'zoom' });
      return;
    case 'type':
      act({ type: 'typing', target: 'focused' });
      return;
    case 'broadcast-all':
      act({ type: 'typing', target: 'all' });
      return;
    case 'broadcast-selected':
      act({ type: 'typing', target: 'selected' });
      return;
    case 'toggle-select': {
      const node = nodes[ui.focus];
      if (node) act({ type: 'toggle-select', node });
      return;
    }
    case 'scroll':
      act({ type: 'scroll-mode' });
      return;
    case 'quit':
      if (selectIsRunning(state)) act({ type: 'confirm', confirm: { kind: 'quit', message: 'A step is running. Quit anyway (the step is interrupted)?' } });
      else c.quit();
      return;
  }
}
