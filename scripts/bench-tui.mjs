#!/usr/bin/env node
// `npm run bench -- tui`: lockstep's real `lockstep run` TUI against tmux synchronize-panes, over
// SSH sessions to the same three lab nodes (controller0-2), side by side in ONE run:
//   - keystroke-to-echo latency in broadcast mode over 3 panes (p50/p99): a unique marker is
//     typed (send-keys through a tmux control-mode client, the same path for both) and timed
//     until it shows in all three panes: for tmux, in each pane's output stream; for lockstep,
//     on its screen (the TUI's output fed into a headless terminal here);
//   - output ingest per pane (MB/s): `seq` floods all three panes at once, timed until a
//     marker printed after it is on screen in every pane (capture-pane, polled);
//   - RSS with 3 panes and 10k lines of scrollback each, after the floods: the lockstep
//     process vs the tmux server plus its three ssh clients;
//   - time to first frame (lockstep's first drawn frame; then all 3 prompts, for both).
// Trials are interleaved (tmux, lockstep, tmux, …) so load changes hit both alike.
//
// Options (environment):
//   BENCH_TUI_ECHO=200       echo trials per tool (p99 of 40 would be the slowest single trial)
//   BENCH_TUI_ROUNDS=3       flood rounds per tool
//   BENCH_TUI_LINES=500000   lines of `seq` per pane per flood (3.4 MB)
//   BENCH_TUI_NODE_ARGS=""   extra node flags for the lockstep process (e.g. V8 flags to try)
//   BENCH_TUI_WRITE=0        do not write the TUI section into BENCHMARKS.md
//   BENCH_TUI_BIN=path       the lockstep launcher to run (default bin/lockstep.js)
//   BENCH_TUI_BASE_BIN=path  another lockstep launcher (an earlier build) measured in the same run,
//                            interleaved with the other two, as a "lockstep before" column
//   LOCKSTEP_LAB_DIR=dir     the lab to use (default /var/lib/lockstep/lab)
// Needs: `npm run build`, tmux, the lab up (`lockstep lab up`), $LOCKSTEP_LAB_DIR/ssh_config.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load, machine, ms, now, replaceSection, stats, table } from './bench-lib.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;
const ECHO = Number(env.BENCH_TUI_ECHO || 200);
const ROUNDS = Number(env.BENCH_TUI_ROUNDS || 3);
const LINES = Number(env.BENCH_TUI_LINES || 500_000);
const NODE_ARGS = (env.BENCH_TUI_NODE_ARGS || '').split(/\s+/).filter(Boolean);
const BIN = env.BENCH_TUI_BIN || join(repo, 'bin', 'lockstep.js');
const BASE_BIN = env.BENCH_TUI_BASE_BIN || '';
const LAB = env.LOCKSTEP_LAB_DIR || '/var/lib/lockstep/lab';
const SSH_CONFIG = join(LAB, 'ssh_config');
const NODES = ['controller0', 'controller1', 'controller2'];
const COLS = 200;
const ROWS = 50;
const log = (m) => process.stderr.write(`bench-tui: ${m}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const require = createRequire(join(repo, 'package.json'));
const { Terminal } = require('@xterm/headless');

// ---- prerequisites ------------------------------------------------------------------------

if (!existsSync(join(repo, 'dist', 'cli', 'main.js'))) {
  console.error('bench-tui: dist/ is missing; run `npm run build` first');
  process.exit(2);
}
if (spawnSync('tmux', ['-V']).status !== 0) {
  log('tmux is missing: apt-get install -y tmux');
  spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'tmux'], { stdio: 'inherit', env: { ...env, DEBIAN_FRONTEND: 'noninteractive' } });
}
const tmuxVersion = spawnSync('tmux', ['-V'], { encoding: 'utf8' }).stdout.trim();
const status = JSON.parse(spawnSync(process.execPath, [join(repo, 'bin', 'lockstep.js'), 'lab', 'status', '--json'], { encoding: 'utf8' }).stdout || '{}');
const labNodes = new Map((status.nodes ?? []).map((n) => [n.name, n]));
if (!status.up || NODES.some((n) => labNodes.get(n)?.state !== 'running')) {
  console.error('bench-tui: the lab is not up (controller0-2); run `node bin/lockstep.js lab up`');
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), 'lockstep-bench-tui-'));
const inventory = join(work, 'inventory.yaml');
writeFileSync(
  inventory,
  `known_hosts: ${LAB}/known_hosts\nnodes:\n` +
    NODES.map((n) => `  - { name: ${n}, address: ${labNodes.get(n).address}, port: 22, user: lockstep, identity_file: ${LAB}/id_ed25519, groups: [controllers] }\n`).join(''),
);
const tmuxConf = join(work, 'tmux.conf');
writeFileSync(tmuxConf, 'set -g history-limit 10000\nset -g status off\n');
const runbook = join(work, 'bench.md');
writeFileSync(runbook, '---\nname: bench\ntargets: controllers\n---\n\n# Bench\n\n## Ready\n\n```sh\necho ready\n```\n');

// ---- tmux plumbing ------------------------------------------------------------------------

let SOCK_TMUX = `lockstep-bench-tmux-${process.pid}`;
const lsSock = (name) => `lockstep-bench-${name}-${process.pid}`;
const tmux = (sock, ...args) => {
  const r = spawnSync('tmux', ['-L', sock, ...args], { encoding: 'utf8', env: { ...env, LANG: 'C.UTF-8' } });
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout;
};
const capture = (sock, target) => tmux(sock, 'capture-pane', '-p', '-t', target);
const count = (text, s) => text.split(s).length - 1;
/** Output that only saves/restores or positions the cursor, sets colours, erases to the end of a line and prints. */
const PAINT_ONLY = /^(?:\x1b[78]|\x1b\[\d+;\d+H|\x1b\[[\d;]*[mK]|[^\x1b\r\n])*$/;

async function waitUntil(test, what, timeoutMs = 60_000, stepMs = 20) {
  const end = now() + timeoutMs;
  for (;;) {
    const v = test();
    if (v) return v;
    if (now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(stepMs);
  }
}

/** Undoes tmux control mode's octal escapes (`\ooo` for control bytes and the backslash). */
function unescapeOutput(s) {
  return s.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
}

/** A control-mode client: sends commands on stdin; `%output %pane data` arrives as events. */
function controlClient(sock, session) {
  const child = spawn('tmux', ['-L', sock, '-C', 'attach', '-t', session], { stdio: ['pipe', 'pipe', 'ignore'], env: { ...env, LANG: 'C.UTF-8' } });
  let buf = '';
  const listeners = new Set();
  child.stdout.setEncoding('latin1'); // bytes as they are; UTF-8 is not needed for ASCII markers
  child.stdout.on('data', (d) => {
    const t = now();
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (!line.startsWith('%output ')) continue;
      const sp = line.indexOf(' ', 8);
      const pane = line.slice(8, sp);
      const data = unescapeOutput(line.slice(sp + 1));
      for (const l of listeners) l(pane, data, t);
    }
  });
  const send = (cmd) => child.stdin.write(`${cmd}\n`);
  send(`refresh-client -C ${COLS}x${ROWS}`);
  return {
    send,
    on(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    close() {
      child.stdin.end();
      child.kill();
    },
  };
}

// ---- the two contestants ------------------------------------------------------------------

const sshCmd = (n) => `ssh -F ${SSH_CONFIG} -tt ${n}`;

/** tmux: one window, three panes, each an interactive ssh session, synchronize-panes on. */
async function startTmux() {
  const t0 = now();
  tmux(SOCK_TMUX, '-f', tmuxConf, 'new-session', '-d', '-s', 'tm', '-x', String(COLS), '-y', String(ROWS), sshCmd(NODES[0]));
  tmux(SOCK_TMUX, 'split-window', '-t', 'tm', sshCmd(NODES[1]));
  tmux(SOCK_TMUX, 'split-window', '-t', 'tm', sshCmd(NODES[2]));
  tmux(SOCK_TMUX, 'select-layout', '-t', 'tm', 'tiled');
  tmux(SOCK_TMUX, 'setw', '-t', 'tm', 'synchronize-panes', 'on');
  const panes = tmux(SOCK_TMUX, 'list-panes', '-t', 'tm', '-F', '#{pane_id} #{pane_width}x#{pane_height} #{history_limit}').trim().split('\n');
  await waitUntil(() => panes.every((p) => /\$\s*$/m.test(capture(SOCK_TMUX, p.split(' ')[0]))), 'tmux prompts', 30_000);
  const ready = now() - t0;
  const serverPid = Number(tmux(SOCK_TMUX, 'display-message', '-p', '#{pid}').trim());
  return { panes: panes.map((p) => p.split(' ')[0]), paneInfo: panes, ready, serverPid };
}

/** lockstep: `lockstep run` in a tmux pane of its own server, switched to broadcast typing. */
async function startLockstep(bin, SOCK_LS) {
  const t0 = now();
  const cmd = [process.execPath, ...NODE_ARGS, bin, 'run', runbook, '-i', inventory, '--record', join(work, `rec-${Date.now()}.ndjson`)].join(' ');
  tmux(SOCK_LS, '-f', tmuxConf, 'new-session', '-d', '-s', 'ls', '-x', String(COLS), '-y', String(ROWS), `env TERM=xterm-256color LANG=C.UTF-8 ${cmd}; sleep 3600`);
  const firstFrame = await waitUntil(() => (/1 controller0/.test(capture(SOCK_LS, 'ls')) ? now() - t0 : 0), 'lockstep first frame', 60_000, 5);
  const screen = await waitUntil(() => {
    const s = capture(SOCK_LS, 'ls');
    return count(s, 'lockstep@controller') >= 3 || /\bwaiting\b/.test(s) ? s : '';
  }, 'lockstep panes', 60_000, 10);
  void screen;
  tmux(SOCK_LS, 'send-keys', '-t', 'ls', 'b');
  await waitUntil(() => capture(SOCK_LS, 'ls').includes('BROADCAST'), 'broadcast mode');
  // An empty command line, so every pane shows its prompt.
  tmux(SOCK_LS, 'send-keys', '-t', 'ls', 'Enter');
  await waitUntil(() => count(capture(SOCK_LS, 'ls'), 'lockstep@controller') >= 3, 'lockstep prompts', 30_000);
  const ready = now() - t0;
  const panePid = Number(tmux(SOCK_LS, 'display-message', '-p', '-t', 'ls', '#{pane_pid}').trim());
  // The pane runs `sh -c 'env … node …; sleep'`: the node process is its descendant.
  const pid = await waitUntil(() => findNode(panePid), 'lockstep pid', 5000);
  return { firstFrame, ready, pid, sock: SOCK_LS };
}

function findNode(root) {
  const kids = (p) => {
    try {
      return readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  };
  const queue = [root];
  while (queue.length) {
    const p = queue.shift();
    try {
      if (readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'node') return p;
    } catch {
      /* gone */
    }
    queue.push(...kids(p));
  }
  return 0;
}

function rssKb(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    return { rss: Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? 0), hwm: Number(/VmHWM:\s+(\d+)/.exec(s)?.[1] ?? 0) };
  } catch {
    return { rss: 0, hwm: 0 };
  }
}

/** CPU seconds (user + system) used so far by these processes. */
function cpuSeconds(pids) {
  let ticks = 0;
  for (const p of pids) {
    try {
      const f = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(f[11]) + Number(f[12]); // utime, stime (fields 14 and 15)
    } catch {
      /* gone */
    }
  }
  return ticks / 100;
}

function descendants(pid) {
  const out = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift();
    let kids = [];
    try {
      kids = readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      /* gone */
    }
    out.push(...kids);
    queue.push(...kids);
  }
  return out;
}

// ---- measurements -------------------------------------------------------------------------

let seq = 0;
const marker = () => `zq${(++seq).toString(36).padStart(4, '0')}x`;

/** tmux: time from send-keys until every pane's output stream has echoed the marker. */
async function echoTmux(ctl, panes) {
  const m = marker();
  const seen = new Map(panes.map((p) => [p, '']));
  let done;
  const finished = new Promise((r) => (done = r));
  const off = ctl.on((pane, data, t) => {
    if (!seen.has(pane)) return;
    seen.set(pane, seen.get(pane) + data);
    if ([...seen.values()].every((s) => s.includes(m))) done(t);
  });
  const t0 = now();
  ctl.send(`send-keys -t ${panes[0]} -l ${m}`);
  const t1 = await Promise.race([finished, sleep(5000).then(() => NaN)]);
  off();
  ctl.send(`send-keys -t ${panes[0]} C-u`);
  return t1 - t0;
}

/** lockstep: time from send-keys until the marker is on its screen three times. */
async function echoLockstep(ctl, screen) {
  const m = marker();
  let done;
  const finished = new Promise((r) => (done = r));
  let pendingParses = Promise.resolve();
  // Markers per screen row. A chunk of lockstep's direct row paint (cursor save/restore,
  // positioning, colours, text) can only change the rows it positions to and the cursor's rows,
  // so only those are read again; anything else re-reads the whole screen. Reading all 50 rows
  // after every chunk cost ~0.2 ms of CPU per chunk, taken from the nodes on this 2-core machine
  // at the moment their echoes were due (tmux's side only appends strings).
  const counts = new Array(screen.rows).fill(0);
  let total = 0;
  const scan = (b, y) => {
    if (y < 0 || y >= screen.rows) return;
    const c = count(b.getLine(b.baseY + y)?.translateToString(true) ?? '', m);
    total += c - counts[y];
    counts[y] = c;
  };
  const off = ctl.on((pane, data, t) => {
    pendingParses = pendingParses.then(
      () =>
        new Promise((resolve) => {
          const before = screen.buffer.active.cursorY;
          screen.write(data, () => {
            const b = screen.buffer.active;
            if (PAINT_ONLY.test(data)) {
              const rows = new Set([before, b.cursorY]);
              // A positioned row and the one after it (in case text ran past the last column).
              for (const x of data.matchAll(/\x1b\[(\d+);\d+H/g)) rows.add(Number(x[1]) - 1).add(Number(x[1]));
              for (const y of rows) scan(b, y);
            } else for (let y = 0; y < screen.rows; y++) scan(b, y);
            if (total >= 3) done(t);
            resolve();
          });
        }),
    );
  });
  const t0 = now();
  ctl.send(`send-keys -t ls -l ${m}`);
  const t1 = await Promise.race([finished, sleep(5000).then(() => NaN)]);
  off();
  ctl.send('send-keys -t ls C-u');
  return t1 - t0;
}

/** Floods every pane with `seq`; resolves with seconds until the end marker shows in all three. */
async function floodTmux(panes, round) {
  const tag = `E${round}`;
  const t0 = now();
  tmux(SOCK_TMUX, 'send-keys', '-t', panes[0], `seq 1 ${LINES}; echo END-${tag}-$((6*7))`, 'Enter');
  await waitUntil(() => panes.every((p) => capture(SOCK_TMUX, p).includes(`END-${tag}-42`)), 'tmux flood', 300_000, 50);
  return (now() - t0) / 1000;
}

async function floodLockstep(SOCK_LS, round) {
  const tag = `L${round}`;
  const t0 = now();
  tmux(SOCK_LS, 'send-keys', '-t', 'ls', `seq 1 ${LINES}; echo END-${tag}-$((6*7))`, 'Enter');
  let screen = '';
  await waitUntil(() => count((screen = capture(SOCK_LS, 'ls')), `END-${tag}-42`) >= 3, 'lockstep flood', 300_000, 50);
  const skipped = [...screen.matchAll(/\[(\d+) KiB skipped\]/g)].map((x) => Number(x[1]));
  return { seconds: (now() - t0) / 1000, skippedKiB: skipped.reduce((a, b) => a + b, 0) };
}

// ---- the run ------------------------------------------------------------------------------

let tm;
const WHO = BASE_BIN ? ['tmux', 'lockstep', 'base'] : ['tmux', 'lockstep'];
const LS = WHO.filter((w) => w !== 'tmux');
const bins = { lockstep: BIN, base: BASE_BIN };
/** Running lockstep instances by contestant. */
const ls = {};
const perWho = () => Object.fromEntries(WHO.map((w) => [w, []]));
const results = { echo: perWho(), ingest: perWho(), cpu: perWho(), skippedKiB: {} };
const loadAvg = [];
/** Round `i`'s order: rotated, so each contestant goes first, second, … equally often. */
const orderOf = (i) => WHO.map((_, k) => WHO[(i + k) % WHO.length]);
try {
  log(`starting tmux (3 ssh panes) and lockstep run (3 panes)${BASE_BIN ? ' twice (this build and BENCH_TUI_BASE_BIN)' : ''}, ${COLS}x${ROWS}`);
  tm = await startTmux();
  for (const w of LS) ls[w] = await startLockstep(bins[w], lsSock(w));
  loadAvg.push(load());
  log(`tmux panes ${tm.paneInfo.join(', ')}; ${LS.map((w) => `${w} first frame ${ms(ls[w].firstFrame)}, prompts ${ms(ls[w].ready)}`).join('; ')}`);

  // Echo, interleaved.
  const ctlTmux = controlClient(SOCK_TMUX, 'tm');
  const ctl = {};
  const screens = {};
  for (const w of LS) {
    ctl[w] = controlClient(ls[w].sock, 'ls');
    screens[w] = new Terminal({ cols: COLS, rows: ROWS, scrollback: 0, allowProposedApi: true, logLevel: 'off' });
  }
  await sleep(500);
  for (let i = 0; i < ECHO; i++) {
    for (const who of orderOf(i)) {
      const v = who === 'tmux' ? await echoTmux(ctlTmux, tm.panes) : await echoLockstep(ctl[who], screens[who]);
      if (Number.isFinite(v)) results.echo[who].push(v);
      await sleep(150 + Math.random() * 100);
    }
  }
  ctlTmux.close();
  for (const w of LS) ctl[w].close();
  loadAvg.push(load());
  log(`echo p50: ${WHO.map((w) => `${w} ${ms(stats(results.echo[w]).median)}`).join(', ')}`);

  // Ingest, interleaved; the floods also fill 10k lines of scrollback in every pane.
  const bytesPerPane = Buffer.byteLength(Array.from({ length: LINES }, (_, i) => `${i + 1}\n`).join(''));
  for (let r = 0; r < ROUNDS; r++) {
    for (const who of orderOf(r)) {
      // CPU time on this machine's side: the lockstep process; the tmux server and its ssh clients.
      const pids = who === 'tmux' ? [tm.serverPid, ...descendants(tm.serverPid)] : [ls[who].pid];
      const cpu0 = cpuSeconds(pids);
      if (who === 'tmux') results.ingest.tmux.push(bytesPerPane / 1e6 / (await floodTmux(tm.panes, r)));
      else {
        const f = await floodLockstep(ls[who].sock, r);
        results.ingest[who].push(bytesPerPane / 1e6 / f.seconds);
        results.skippedKiB[who] = Math.max(results.skippedKiB[who] ?? 0, f.skippedKiB);
      }
      results.cpu[who].push((3 * bytesPerPane) / 1e6 / Math.max(0.01, cpuSeconds(pids) - cpu0));
      loadAvg.push(load());
      await sleep(1000);
    }
  }
  log(`ingest: ${WHO.map((w) => `${w} ${results.ingest[w].map((x) => x.toFixed(1)).join(', ')} MB/s`).join('; ')}`);

  // RSS after the floods (every pane has 10k lines of scrollback): 3 s after, and once V8's
  // memory reducer has run on the idle process (it shrinks the young generation after ~10 s).
  await sleep(3000);
  const lsMem3 = Object.fromEntries(LS.map((w) => [w, rssKb(ls[w].pid)]));
  await sleep(12_000);
  const lsMem = Object.fromEntries(LS.map((w) => [w, rssKb(ls[w].pid)]));
  const tmServer = rssKb(tm.serverPid);
  const sshKids = descendants(tm.serverPid).filter((p) => {
    try {
      return readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'ssh';
    } catch {
      return false;
    }
  });
  const sshRss = sshKids.reduce((a, p) => a + rssKb(p).rss, 0);
  const history = tm.panes.map((p) => Number(tmux(SOCK_TMUX, 'display-message', '-p', '-t', p, '#{history_size}').trim()));
  results.rss = { lockstep: lsMem, lockstep3: lsMem3, tmuxServer: tmServer, ssh: sshRss, sshCount: sshKids.length, tmuxHistory: history };
  loadAvg.push(load());

  // Time to first frame, again on a warm machine (the first start above warmed caches).
  results.firstFrame = {};
  results.lsReady = {};
  for (const w of LS) {
    tmux(ls[w].sock, 'kill-server');
    const again = await startLockstep(bins[w], `${ls[w].sock}-2`);
    tmux(again.sock, 'kill-server');
    results.firstFrame[w] = [ls[w].firstFrame, again.firstFrame];
    results.lsReady[w] = [ls[w].ready, again.ready];
  }
  tmux(SOCK_TMUX, 'kill-server');
  SOCK_TMUX += '-2';
  const tm2 = await startTmux();
  results.tmReady = [tm.ready, tm2.ready];
} finally {
  spawnSync('tmux', ['-L', SOCK_TMUX, 'kill-server']);
  for (const w of LS) for (const sock of [lsSock(w), `${lsSock(w)}-2`]) spawnSync('tmux', ['-L', sock, 'kill-server']);
}

// ---- report -------------------------------------------------------------------------------

const e = Object.fromEntries(WHO.map((w) => [w, stats(results.echo[w])]));
const i = Object.fromEntries(WHO.map((w) => [w, stats(results.ingest[w])]));
const c = Object.fromEntries(WHO.map((w) => [w, stats(results.cpu[w])]));
const mb = (kb) => `${(kb / 1024).toFixed(0)} MB`;
const mbs = (s) => `${s.median.toFixed(1)} MB/s (${s.min.toFixed(1)}-${s.max.toFixed(1)})`;
const rss = (w) => `${mb(results.rss.lockstep[w].rss)} after 15 s idle (${mb(results.rss.lockstep3[w].rss)} after 3 s; peak ${mb(results.rss.lockstep[w].hwm)})`;
// Columns: tmux, lockstep, [lockstep before], target.
const row = (label, f, target) => [label, ...WHO.map(f), target];
const rows = [
  row('echo latency, broadcast to 3 panes, p50', (w) => ms(e[w].median), `≤ tmux + 5 ms`),
  row('echo latency, broadcast to 3 panes, p99', (w) => ms(e[w].p99), `≤ ${ms(e.tmux.p99 + 5)}`),
  row(`ingest per pane, 3 panes flooding at once (seq, ${(LINES / 1000).toFixed(0)}k lines each), median (min-max)`, (w) => mbs(i[w]), '≥ tmux'),
  row('ingest, MB of the 3 panes per CPU-second (lockstep process; tmux server + its 3 ssh), median (min-max)', (w) => mbs(c[w]).replace(/MB\/s/, 'MB/CPU-s'), ''),
  row(
    'RSS, 3 panes × 10k lines of scrollback, after the floods',
    (w) => (w === 'tmux' ? `${mb(results.rss.tmuxServer.rss)} tmux server + ${mb(results.rss.ssh)} for ${results.rss.sshCount} ssh` : rss(w)),
    '≤ 150 MB',
  ),
  row('time to first frame (cold, warm)', (w) => (w === 'tmux' ? '–' : results.firstFrame[w].map(ms).join(', ')), ''),
  row('time to 3 live prompts (cold, warm)', (w) => (w === 'tmux' ? results.tmReady.map(ms).join(', ') : results.lsReady[w].map(ms).join(', ')), ''),
];
const skipped = LS.filter((w) => results.skippedKiB[w]).map((w) => `${w === 'base' ? 'lockstep before' : 'lockstep'} skipped up to ${results.skippedKiB[w]} KiB of a flood on screen`);
const body = [
  `Command: \`npm run build && ${BASE_BIN ? `BENCH_TUI_BASE_BIN=${BASE_BIN} ` : ''}npm run bench -- tui\` (${new Date().toISOString().slice(0, 10)}; ${machine()}; ${tmuxVersion}; ` +
    `load average during the run ${loadAvg[0]} … ${loadAvg.at(-1)}, the machine shared with other work${NODE_ARGS.length ? `; lockstep node flags: ${NODE_ARGS.join(' ')}` : ''}).`,
  '',
  `Both sides: SSH sessions to the lab's controller0-2 in a ${COLS}×${ROWS} terminal (tmux ${tm?.paneInfo?.[0]?.split(' ')[1] ?? ''} panes with ` +
    `history-limit 10000, synchronize-panes on, one \`ssh -tt\` per pane; lockstep \`run\` with its 3 panes and 10k lines of scrollback, broadcast typing` +
    `${BASE_BIN ? '; "lockstep before" is the earlier build given as BENCH_TUI_BASE_BIN, run alongside' : ''}). ` +
    `${ECHO} echo trials and ${ROUNDS} floods per side, interleaved. Echo: a unique marker typed with send-keys through a control-mode client; ` +
    `tmux is timed until all three panes echoed it, lockstep until its screen shows it in all three panes. ` +
    `Ingest: \`seq 1 ${LINES}\` (${(LINES * 6.9 / 1e6).toFixed(1)} MB) on every node at once, until \`echo END\` after it is on screen in every pane` +
    `${skipped.length ? `; ${skipped.join('; ')}` : '; lockstep skipped nothing'}.`,
  '',
  table(['measure', 'tmux synchronize-panes', 'lockstep', ...(BASE_BIN ? ['lockstep before'] : []), 'target'], rows),
  '',
  `Samples: echo n=${WHO.map((w) => e[w].n).join('/')} (${WHO.map((w) => `${w === 'base' ? 'lockstep before' : w} max ${ms(e[w].max)}`).join(', ')}); tmux history after the floods: ${results.rss.tmuxHistory.join(', ')} lines.`,
].join('\n');
console.log(`## TUI\n\n${body}\n`);
if (env.BENCH_TUI_WRITE !== '0') {
  const file = join(repo, 'BENCHMARKS.md');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  writeFileSync(file, replaceSection(text, '## TUI', body));
  log('wrote the TUI section of BENCHMARKS.md');
}
rmSync(work, { recursive: true, force: true });
