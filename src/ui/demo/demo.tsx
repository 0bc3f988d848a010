// `node dist/ui/demo/demo.js [--learn] [--ascii|--unicode]`: the real TUI driven by the scripted
// demo engine, for trying the interface and for the tmux tests (the first frame, with its step
// list, is the ready signal).
import { startTui } from '../index.js';
import { DemoEngine } from './demo-engine.js';

const args = new Set(process.argv.slice(2));
const engine = new DemoEngine();
const tui = startTui({
  source: engine,
  dispatch: (intent) => engine.dispatch(intent),
  mode: args.has('--learn') ? 'learn' : 'production',
  borders: args.has('--ascii') ? 'ascii' : args.has('--unicode') ? 'unicode' : 'auto',
});
engine.start(process.stdout.columns || 80, process.stdout.rows || 24);
await tui.waitUntilExit();
process.exit(0);
