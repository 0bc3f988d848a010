// Issue 6, done when: the real program in a real terminal against the real lab. tmux runs
// `lockstep run runbooks/examples/e2e-tui.md -i <lab inventory>` on controller0-2, send-keys
// drives it, capture-pane is what a person sees, and `lockstep lab ssh` checks on the nodes
// that typed keys and written files really arrived where the screen says they went.
//
// Everything this file creates on the nodes is /tmp/e2e-<tag>*, removed afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeLayout, sidebarWidth } from '../../src/ui/layout.js';
import { columnText, paneBox, paneText, paneTitle, Tmux } from '../support/tmux.js';

const root = join(import.meta.dirname, '..', '..');
const cli = join(root, 'bin', 'lockstep.js');
const runbook = join(root, 'runbooks', 'examples', 'e2e-tui.md');
const NODES = ['controller0', 'controller1', 'controller2'] as const;
const tag = `${process.pid}`;
const server = new Tmux(`lockstep-e2e-${process.pid}`);
const hostDir = mkdtempSync(join(tmpdir(), 'lockstep-e2e-'));
/** The sidebar's text columns on a 200-column terminal (one more is padding). */
const SIDEBAR = sidebarWidth(200) - 1;
let inventory = '';

/** `lockstep lab ssh NODE -- sh -c SCRIPT`: exit code and output. */
function onNode(node: string, script: string): { code: number; out: string } {
  const r = spawnSync(process.execPath, [cli, 'lab', 'ssh', node, '--', 'sh', '-c', JSON.stringify(script)], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

function nodesWith(path: string): string[] {
  return NODES.filter((n) => onNode(n, `test -e ${path}`).code === 0);
}

/** Answers the write question with y; the file step passes and every node has its greeting; quits. */
async function answerYesAndCheckGreeting(s: string, file: string): Promise<void> {
  server.keys(s, 'y');
  await waitFor(s, (x) => /✓ Write the greeting +✓✓✓$/.test(row(x, 'Write the greeting')), 'file step passed');
  for (const n of NODES) expect(onNode(n, `cat ${file}`).out.trim()).toBe(`greeting = hello from ${n}`);
  server.keys(s, 'q');
  await waitFor(s, (x) => /EXIT=\d+/.test(x), 'lockstep exited');
}

/** Polls the nodes (each check is a real ssh round trip) until `want` holds, bounded. */
async function waitOnNodes(path: string, want: string[], ms = 30_000): Promise<string[]> {
  const end = Date.now() + ms;
  let have: string[] = [];
  while (Date.now() < end) {
    have = nodesWith(path);
    if (have.join() === want.join()) return have;
    await new Promise((r) => setTimeout(r, 500));
  }
  return have;
}

/** Starts lockstep on the lab in a tmux session; the shell line after it prints the exit code. */
function startLockstep(session: string, opts: { args?: string; env?: Record<string, string>; cols?: number; rows?: number; tag?: string } = {}): void {
  const env = Object.entries({ TERM: 'xterm-256color', LANG: 'C.UTF-8', ...opts.env }).map(([k, v]) => `${k}=${v}`).join(' ');
  const record = join(hostDir, `${session}.jsonl`);
  const cmd =
    `env -u LC_ALL -u LC_CTYPE ${env} ${process.execPath} ${cli} run ${runbook} -i ${inventory} ` +
    `--var e2e_tag=${opts.tag ?? tag} --record ${record} ${opts.args ?? ''}; echo "EXIT=$?"; sleep 600`;
  server.start(session, cmd, opts.cols ?? 200, opts.rows ?? 50);
}

const waitFor = (s: string, test: (x: string) => boolean, what: string, ms = 60_000): Promise<string> => server.waitFor(s, test, what, ms);
/** The three prompts are up: every node connected and its shell ready. */
const allPrompts = (x: string): boolean => NODES.every((n) => paneText(x, n).includes(`lockstep@${n}:`));
/** A step row of the sidebar: its status mark, title and one mark per node (`✓ Title  ✓✓…`). */
function row(x: string, title: string): string {
  for (const l of x.split('\n')) {
    const m = new RegExp(`^.{0,3}?(\\S+ ${title} +\\S{3})(?=\\s|$)`).exec(l);
    if (m) return m[1]!;
  }
  return '';
}

/** The pane's last non-empty line is its shell prompt: whatever ran there has finished. */
const atPrompt = (x: string, node: string): boolean =>
  new RegExp(`^lockstep@${node}:~\\$ *$`).test(paneText(x, node).split('\n').filter((l) => l.trim()).at(-1) ?? '');

/**
 * Sends `key` the moment the screen shows `text`, as an operator who knows the key already:
 * polls without the usual pause (each capture is a tmux round trip of a few ms).
 */
async function keyAsSoonAs(s: string, text: string, key: string, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!server.capture(s).includes(text)) {
    if (Date.now() >= end) throw new Error(`timed out after ${ms} ms waiting for ${text}`);
    await new Promise((r) => setTimeout(r, 2));
  }
  server.keys(s, key);
}

/** Types `text` into the pane(s) keys go to and presses Enter. */
function typeLine(s: string, text: string): void {
  server.type(s, text);
  server.keys(s, 'Enter');
}

beforeAll(() => {
  // The e2e project runs against dist/: build when it is missing or older than a source.
  const newest = Math.max(...readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' }).map((f) => statSync(join(root, 'src', f)).mtimeMs));
  const main = join(root, 'dist', 'cli', 'main.js');
  if (!existsSync(main) || statSync(main).mtimeMs < newest) {
    spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'ignore' });
  }
  expect(existsSync(main), 'dist/cli/main.js missing: run npm run build').toBe(true);
  const status = JSON.parse(execFileSync(process.execPath, [cli, 'lab', 'status', '--json'], { encoding: 'utf8' })) as { up: boolean; files: { inventory: string } };
  expect(status.up, 'the practice lab is not up').toBe(true);
  inventory = status.files.inventory;
  // The flavour files: controller1's differs (the divergence); the ready flag is missing on
  // controller2 (its gate fails there).
  for (const n of NODES) {
    const r = onNode(n, `echo flavour=${n === 'controller1' ? 'chocolate' : 'vanilla'} > /tmp/e2e-${tag}-flavour` + (n === 'controller2' ? '' : ` && touch /tmp/e2e-${tag}-ready`));
    expect(r.code, r.out).toBe(0);
  }
}, 300_000);

afterAll(() => {
  server.killServer();
  for (const n of NODES) onNode(n, `sudo rm -rf /tmp/e2e-${tag}*`);
  rmSync(hostDir, { recursive: true, force: true });
}, 300_000);

describe('lockstep run in tmux against the lab', () => {
  it('shows steps, panes, divergence, gates and diffs; types into all, selected and one pane; runs top; resizes the remote PTYs', { timeout: 900_000 }, async () => {
    const s = 'learn';
    startLockstep(s);
    let screen = await waitFor(s, (x) => allPrompts(x) && x.includes('This step will:'), 'first frame with three prompts', 120_000);

    // Learning mode is the default on the lab's inventory: the header says so, and before the
    // step runs the sidebar says what it will do.
    expect(screen.split('\n')[0]).toMatch(/lockstep e2e-tui learning/);
    for (const t of ['Say who you are', 'Read the flavour', 'Wait for the ready flag', 'Write the greeting']) expect(row(screen, t)).toMatch(/○ .*○○○$/);
    expect(columnText(screen, SIDEBAR)).toContain('This step will: • run 1 command block on 3 nodes');
    // Only the nodes the runbook targets get a pane (the inventory also lists gateway, workstation).
    expect(screen).not.toMatch(/\d (gateway|workstation) /);

    // Step 1: every pane shows its own node's hostname, and only its own.
    server.keys(s, 'n');
    screen = await waitFor(s, (x) => /✓ Say who you are +✓✓✓/.test(row(x, 'Say who you are')) && NODES.every((n) => paneText(x, n).includes(`I am ${n}`)), 'step 1 passed');
    for (const n of NODES) {
      for (const other of NODES.filter((o) => o !== n)) expect(paneText(screen, n)).not.toContain(`I am ${other}`);
    }

    // Step 2: controller1 prints another flavour; the divergence view names it with the diff.
    server.keys(s, 'n');
    // Pane screens are drawn a frame after the step list: wait for both.
    screen = await waitFor(s, (x) => /✓ Read the flavour +✓✓✓/.test(row(x, 'Read the flavour')) && NODES.every((n) => paneText(x, n).includes('flavour=')), 'step 2 passed');
    expect(paneText(screen, 'controller1')).toContain('flavour=chocolate');
    expect(paneText(screen, 'controller0')).toContain('flavour=vanilla');
    server.keys(s, 'v');
    screen = await waitFor(s, (x) => x.includes('Divergence between nodes'), 'divergence view');
    expect(screen).toMatch(/read-the-flavour-run: majority controller0, controller2/);
    expect(screen).toContain('controller1 differs:');
    expect(screen).toMatch(/-flavour=vanilla/);
    expect(screen).toMatch(/\+flavour=chocolate/);
    server.keys(s, 'Escape');
    await waitFor(s, (x) => !x.includes('Divergence between nodes') && allPrompts(x), 'divergence view closed');

    // Step 3: the gate passes on controller0-1 at once, stays pending on controller2 while it
    // retries, then fails there with its reason; once the flag is there, a retry passes.
    server.keys(s, 'n');
    screen = await waitFor(s, (x) => /✓✓…$/.test(row(x, 'Wait for the ready flag')), 'gate pending on controller2 only');
    expect(paneTitle(screen, 'controller2')).toMatch(/gate …/);
    expect(paneTitle(screen, 'controller0')).toMatch(/gate ✓/);
    screen = await waitFor(
      s,
      // The header follows the gate marks by a moment: the engine says it waits after the step ends.
      (x) =>
        /✗ Wait for the ready flag +✓✓✗$/.test(row(x, 'Wait for the ready flag')) &&
        paneText(x, 'controller2').includes('no ready flag on controller2') &&
        (x.split('\n')[0] ?? '').includes('waiting: failed'),
      'gate failed on controller2, and the engine waiting',
      90_000,
    );
    expect(paneTitle(screen, 'controller2')).toMatch(/gate ✗ exit code 1/);
    expect(paneTitle(screen, 'controller1')).toMatch(/gate ✓/);
    // The reason ends with the last line the check printed.
    expect(columnText(screen, SIDEBAR)).toMatch(/✗ controller2: exit code 1 \(after 7 attempts\): no ready flag on controller2/);
    // The explanation shows the variables the step's nodes share, not `${e2e_tag}`.
    expect(columnText(screen, SIDEBAR)).toContain(`The gate passes on a node once /tmp/e2e-${tag}-ready exists there.`);
    expect(columnText(screen, SIDEBAR)).not.toContain('${e2e_tag}');
    expect(columnText(screen, SIDEBAR)).not.toMatch(/✗ controller[01]:/);
    expect(paneText(screen, 'controller2')).toContain('no ready flag on controller2');
    expect(screen.split('\n')[0]).toContain('waiting: failed');
    expect(onNode('controller2', `touch /tmp/e2e-${tag}-ready`).code).toBe(0);
    server.keys(s, 'r');
    screen = await waitFor(s, (x) => /✓ Wait for the ready flag +✓✓✓$/.test(row(x, 'Wait for the ready flag')), 'gate passed after retry', 90_000);

    // Step 4 waits for approval: the diff view shows the file before anything is written.
    const file = `/tmp/e2e-${tag}-dir/greeting.conf`;
    // The engine read the file on each node before it said it waits: the sidebar lists it.
    screen = await waitFor(s, (x) => columnText(x, SIDEBAR).includes(`Will change: • ${file} on 3 node(s)`), 'the proposed file in the sidebar');
    expect(columnText(screen, SIDEBAR)).toContain(`This step will: • write ${file} on 3 nodes • then check 1 gate on 3 nodes`);
    server.keys(s, 'd');
    screen = await waitFor(s, (x) => x.includes('File changes: Write the greeting') && NODES.every((n) => x.includes(`+greeting = hello from ${n}`)), 'diff view');
    for (const n of NODES) expect(screen).toContain(`[NOT WRITTEN YET] ${n}: ${file} (new file)`);
    expect(nodesWith(file)).toEqual([]);
    server.keys(s, 'Escape');
    await waitFor(s, (x) => !x.includes('File changes:'), 'diff view closed');
    server.keys(s, 'n'); // learning mode: the diff was shown, n writes
    screen = await waitFor(s, (x) => /✓ Write the greeting +✓✓✓$/.test(row(x, 'Write the greeting')), 'file step passed');
    for (const n of NODES) expect(onNode(n, `cat ${file}`).out.trim()).toBe(`greeting = hello from ${n}`);

    // Broadcast to all panes: the indicator, then the keys reach every node.
    server.keys(s, 'b');
    screen = await waitFor(s, (x) => x.includes('BROADCAST → ALL 3 PANES (Ctrl-] stops)'), 'broadcast indicator');
    expect(NODES.every((n) => paneTitle(screen, n).includes('>> KEYS'))).toBe(true);
    typeLine(s, `touch /tmp/e2e-${tag}-all`);
    server.keys(s, 'C-]');
    await waitFor(s, (x) => x.includes('keys: commands') && NODES.every((n) => paneText(x, n).includes(`touch /tmp/e2e-${tag}-all`)), 'broadcast echoed');
    expect(await waitOnNodes(`/tmp/e2e-${tag}-all`, [...NODES])).toEqual([...NODES]);

    // Selected panes (1 and 3): the indicator names them; the keys reach those two only.
    server.keys(s, '1');
    server.keys(s, 'Space');
    server.keys(s, '3');
    server.keys(s, 'Space');
    server.keys(s, 'B');
    screen = await waitFor(s, (x) => x.includes('BROADCAST → controller0, controller2 (Ctrl-] stops)'), 'selected broadcast indicator');
    expect(paneTitle(screen, 'controller1')).not.toContain('>> KEYS');
    typeLine(s, `touch /tmp/e2e-${tag}-sel`);
    server.keys(s, 'C-]');
    await waitFor(s, (x) => x.includes('keys: commands') && paneText(x, 'controller2').includes(`/tmp/e2e-${tag}-sel`), 'selected echoed');
    expect(await waitOnNodes(`/tmp/e2e-${tag}-sel`, ['controller0', 'controller2'])).toEqual(['controller0', 'controller2']);

    // The focused pane only: controller1.
    server.keys(s, '2');
    server.keys(s, 'i');
    screen = await waitFor(s, (x) => x.includes('KEYS → controller1 (Ctrl-] stops)'), 'focused-pane indicator');
    expect(paneTitle(screen, 'controller1')).toContain('>> KEYS');
    expect(paneTitle(screen, 'controller0')).not.toContain('>> KEYS');
    typeLine(s, `touch /tmp/e2e-${tag}-one`);
    await waitFor(s, (x) => paneText(x, 'controller1').includes(`touch /tmp/e2e-${tag}-one`), 'focused echoed');
    expect(await waitOnNodes(`/tmp/e2e-${tag}-one`, ['controller1'])).toEqual(['controller1']);
    expect(paneText(capture(s), 'controller0')).not.toContain(`e2e-${tag}-one`);

    // A full-screen program in that pane, drawn to the pane's size; q leaves it.
    const layout = (cols: number, rows: number) => computeLayout({ cols, rows: rows - 1, nodes: [...NODES], focus: 1, zoom: false }).screen;
    const before = layout(200, 50);
    typeLine(s, 'top -d 1');
    screen = await waitFor(s, (x) => /^top - /.test(paneText(x, 'controller1')) && paneText(x, 'controller1').includes('Tasks:'), 'top in pane 2');
    const topLines = paneText(screen, 'controller1').split('\n');
    expect(topLines[0]).toMatch(/load average/);
    expect(topLines.some((l) => /PID +USER/.test(l))).toBe(true);
    server.keys(s, 'q');
    await waitFor(s, (x) => atPrompt(x, 'controller1'), 'top closed');
    // less uses the alternate screen: the pane title says [full] while it runs.
    typeLine(s, 'less /etc/os-release');
    screen = await waitFor(s, (x) => paneTitle(x, 'controller1').includes('[full]') && paneText(x, 'controller1').includes('PRETTY_NAME'), 'less in pane 2');
    server.keys(s, 'q');
    await waitFor(s, (x) => !paneTitle(x, 'controller1').includes('[full]'), 'less closed');

    // The remote PTY has the pane's size; after a resize, the grid is laid out again and the
    // remote PTY follows.
    const sttyShows = async (size: { cols: number; rows: number }, what: string): Promise<string> => {
      // The PTY is resized a moment after the layout (debounced): ask again until it answers.
      for (let attempt = 0; ; attempt++) {
        typeLine(s, 'clear; stty size');
        try {
          return await waitFor(s, (x) => new RegExp(`^${size.rows} ${size.cols}$`, 'm').test(paneText(x, 'controller1')), what, 15_000);
        } catch (err) {
          if (attempt >= 3) throw err;
        }
      }
    };
    await sttyShows(before, `stty size ${before.rows} ${before.cols}`);
    const after = layout(150, 40);
    expect(after).not.toEqual(before);
    const paneSize = (x: string, n: string): { cols: number; rows: number } => {
      const b = paneBox(x, n);
      return { cols: b.cols, rows: b.rows };
    };
    expect(paneSize(capture(s), 'controller1')).toEqual(before);
    server.resize(s, 150, 40);
    screen = await waitFor(s, (x) => NODES.every((n) => JSON.stringify(paneSize(x, n)) === JSON.stringify(after)), 'panes laid out again at 150x40');
    expect(screen).toContain('Write the greeting');
    screen = await sttyShows(after, `stty size ${after.rows} ${after.cols} after the resize`);
    server.keys(s, 'C-]');
    await waitFor(s, (x) => x.includes('keys: commands'), 'back to commands');

    // Rollback asks first, then removes the file on every node.
    server.keys(s, 'u');
    await waitFor(s, (x) => x.includes('Roll back "Write the greeting" on 3 node(s)? [y/n]'), 'rollback question');
    server.keys(s, 'y');
    await waitFor(s, (x) => /↺ Write the greeting +↺↺↺$/.test(row(x, 'Write the greeting')), 'rolled back');
    expect(nodesWith(file)).toEqual([]);

    // Quit: nothing runs, so no question; the program ends.
    server.keys(s, 'q');
    await waitFor(s, (x) => /EXIT=\d+/.test(x), 'lockstep exited');
  });

  it('production: asks before writing files, writes nothing on no, writes on yes', { timeout: 600_000 }, async () => {
    const s = 'prod';
    const ptag = `${tag}-p`;
    const file = `/tmp/e2e-${ptag}-dir/greeting.conf`;
    startLockstep(s, { args: '--production --from write-the-greeting', tag: ptag });
    // Answered at once, before looking at anything: the diffs came before the wait, so a write
    // that changes files is asked about (it used to write without asking when n came quickly).
    await waitFor(s, (x) => x.includes('lockstep e2e-tui'), 'lockstep started', 60_000);
    await keyAsSoonAs(s, 'waiting: approval', 'n');
    await waitFor(s, (x) => x.includes('Write 3 changed file(s) for e2e-tui/write-the-greeting? [y/n]'), 'write question at once');
    server.keys(s, 'n'); // no
    let screen = await waitFor(s, (x) => allPrompts(x) && !x.includes('[y/n]'), 'first frame', 120_000);
    expect(nodesWith(file)).toEqual([]);
    expect(screen.split('\n')[0]).toMatch(/lockstep e2e-tui production/);
    // --from: the arrow marks the step the engine waits on, though no step ran.
    expect(screen.split('\n').find((l) => l.includes('Write the greeting'))).toMatch(/^→○ Write the greeting/);
    // Production shows the explanation's first paragraph only, and no "will change" list.
    expect(columnText(screen, SIDEBAR)).toContain('Write the greeting Every node gets a greeting file naming itself.');
    expect(screen).not.toContain('This step will:');
    expect(screen).not.toContain('rollback removes it again');
    server.keys(s, 'd');
    screen = await waitFor(s, (x) => x.includes('File changes: Write the greeting') && x.includes('+greeting = hello from controller2'), 'diff view');
    expect(screen).toContain(`[NOT WRITTEN YET] controller0: ${file} (new file)`);
    server.keys(s, 'Escape');
    await waitFor(s, (x) => !x.includes('File changes:'), 'diff view closed');
    server.keys(s, 'n');
    await waitFor(s, (x) => x.includes('Write 3 changed file(s) for e2e-tui/write-the-greeting? [y/n]'), 'write question');
    server.keys(s, 'n'); // no
    screen = await waitFor(s, (x) => !x.includes('[y/n]'), 'question gone');
    expect(row(screen, 'Write the greeting')).toMatch(/○ Write the greeting +○○○$/);
    expect(nodesWith(file)).toEqual([]);
    server.keys(s, 'n');
    await waitFor(s, (x) => x.includes('[y/n]'), 'write question again');
    await answerYesAndCheckGreeting(s, file);
  });

  it('production: n typed while a step runs approves nothing ahead; the file step still asks', { timeout: 600_000 }, async () => {
    const s = 'prodq';
    const qtag = `${tag}-q`;
    const file = `/tmp/e2e-${qtag}-dir/greeting.conf`;
    // No ready flag yet for this tag: the gate step keeps retrying (1 s apart) until it appears.
    startLockstep(s, { args: '--production --from wait-for-the-ready-flag', tag: qtag });
    await keyAsSoonAs(s, 'waiting: approval', 'n');
    await waitFor(s, (x) => x.includes('▶ Wait for the ready flag'), 'gate step running', 120_000);
    // Typed while the step runs: it used to be kept and approve the file step unasked.
    server.keys(s, 'n');
    await waitFor(s, (x) => x.includes('A step is running: the next step will wait'), 'notice instead of a queued next');
    for (const n of NODES) expect(onNode(n, `touch /tmp/e2e-${qtag}-ready`).code).toBe(0);
    await waitFor(s, (x) => /✓ Wait for the ready flag +✓✓✓$/.test(row(x, 'Wait for the ready flag')), 'gate step passed');
    let screen = await waitFor(s, (x) => x.includes('waiting: approval'), 'waits before the file step');
    await new Promise((r) => setTimeout(r, 1500));
    screen = capture(s);
    expect(row(screen, 'Write the greeting')).toMatch(/○ Write the greeting +○○○$/);
    expect(screen).not.toContain('[y/n]');
    expect(nodesWith(file)).toEqual([]);
    server.keys(s, 'n');
    await waitFor(s, (x) => x.includes('Write 3 changed file(s) for e2e-tui/write-the-greeting? [y/n]'), 'write question');
    await answerYesAndCheckGreeting(s, file);
  });

  // Box-drawing characters where the terminal cannot show them come out as rows of q (DEC
  // line drawing) or garbage: under vt100 and in the C locale, borders are ASCII.
  const terms = [
    { term: 'vt100', lang: 'C.UTF-8', unicode: false },
    { term: 'linux', lang: 'C', unicode: false },
    { term: 'linux', lang: 'C.UTF-8', unicode: true },
  ];
  it('draws borders that never garble under vt100 and linux, with a full-screen program in a pane', { timeout: 600_000 }, async () => {
    for (const [i, t] of terms.entries()) {
      const s = `term${i}`;
      const label = `TERM=${t.term} LANG=${t.lang}`;
      startLockstep(s, { env: { TERM: t.term, LANG: t.lang }, cols: 140, rows: 40 });
      let screen = await waitFor(s, (x) => allPrompts(x), `${label}: three prompts`, 120_000);
      server.keys(s, 'n');
      screen = await waitFor(s, (x) => NODES.every((n) => paneText(x, n).includes(`I am ${n}`)), `${label}: step 1 output`);
      server.keys(s, '1');
      server.keys(s, 'i');
      typeLine(s, 'top -d 1');
      screen = await waitFor(s, (x) => paneText(x, 'controller0').includes('Tasks:'), `${label}: top`);
      for (const x of [screen, capture(s)]) {
        expect(/q{6,}|lqq|qqk|mqq|qqj/.test(x), `${label}: DEC line-drawing garbage\n${x}`).toBe(false);
        expect(x.split('\n').every((l) => [...l].length <= 140), `${label}: a line wider than the terminal`).toBe(true);
      }
      if (t.unicode) expect(screen, label).toMatch(/┌─+┐/);
      else {
        expect(/[^\x20-\x7e\n]/.test(screen), `${label}: characters beyond ASCII\n${screen}`).toBe(false);
        expect(screen, label).toMatch(/\+-{10,}\+/);
        expect(screen, label).toMatch(/\+ Say who you are +\+\+\+/);
      }
      server.keys(s, 'q');
      await waitFor(s, (x) => atPrompt(x, 'controller0'), `${label}: top closed`);
      server.keys(s, 'C-]');
      server.keys(s, 'q');
      await waitFor(s, (x) => /EXIT=\d+/.test(x), `${label}: lockstep exited`);
      server.kill(s);
    }
  });
});

function capture(s: string): string {
  return server.capture(s);
}
