#!/usr/bin/env node
// `npm run bench -- engine`: what a trivial step (`true`) costs on the lab's controller0-2
// through lockstep's engine with persistent sessions, against parallel-ssh, ansible ad-hoc
// (-m raw, -m command) and a loop of `ssh` over ControlMaster connections (the practical floor
// for a command over SSH); a step on 3 vs 30 sessions; and the time to connect N nodes.
//
// All peers run in ONE process, interleaved round by round (each round runs every tool once,
// in a rotating order), so load changes on the shared machine hit them all alike.
//
// Options (environment):
//   BENCH_ENGINE_ROUNDS=25      rounds; the fast tools run several times per round
//   BENCH_ENGINE_LAB30=1        also boot a SEPARATE 30-controller lab (own dir, name, subnet;
//                               image hard-linked from the main lab's; taken down afterwards)
//   BENCH_ENGINE_LAB30_SUBNET=10.219.0.0/24   its subnet (lab up refuses one in use)
//   With BENCH_ENGINE_LAB30=1 the 3-node comparison runs on that lab's controller0-2 (where
//   Python is installed for ansible -m command); without it, on the shared lab's.
//   BENCH_ENGINE_WRITE=0        do not write the section into BENCHMARKS.md
//   BENCH_ENGINE_PROFILE=1      skip the peers (lockstep only; for --cpu-prof runs)
//   BENCH_ENGINE_AB=DIR         also run the engine steps from another build (a copy of dist/
//                               taken before a change; DIR/../node_modules must resolve, e.g. a
//                               symlink), interleaved with this one: a before → after table
// Node-side CPU: the panes' bash processes (with the block subshells they reap) and their sshd
// processes are found in the host's /proc (the lab's containers share its kernel) and their CPU
// time is read around the measured steps, so the report says what a step costs on each side.
// Needs root (the lab), `npm run build` done (it imports dist/), the lab up (it runs `lab up`,
// which is idempotent), and installs Debian's pssh and ansible with apt-get when missing.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { load, machine, ms, now, ratio, replaceSection, run, runOk, stats, table, time } from './bench-lib.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;
const ROUNDS = Number(env.BENCH_ENGINE_ROUNDS || 25);
const FAST_PER_ROUND = 5;
const LAB30 = env.BENCH_ENGINE_LAB30 === '1';
const PROFILE = env.BENCH_ENGINE_PROFILE === '1';
// The lab the 3-node rows use without BENCH_ENGINE_LAB30 (LOCKSTEP_LAB_DIR, as `lockstep lab` reads it).
const LAB = env.LOCKSTEP_LAB_DIR || '/var/lib/lockstep/lab';
/** The Debian image the separate 30-node lab hard-links (LOCKSTEP_LAB_IMAGE_DIR, as `lockstep lab` reads it). */
const IMAGE = env.LOCKSTEP_LAB_IMAGE_DIR || join(LAB, 'image');
const NODES = ['controller0', 'controller1', 'controller2'];
const log = (m) => process.stderr.write(`bench-engine: ${m}\n`);
const cli = (args, extraEnv = {}) => runOk(process.execPath, [join(repo, 'bin/lockstep.js'), ...args], { env: { ...env, ...extraEnv } });

// ---- prerequisites ------------------------------------------------------------------------

async function have(cmd) {
  return (await run('sh', ['-c', `command -v ${cmd}`])).code === 0;
}

async function ensurePeers() {
  const missing = [];
  if (!(await have('parallel-ssh'))) missing.push('pssh');
  if (!(await have('ansible'))) missing.push('ansible');
  if (missing.length === 0) return;
  log(`installing the peers to compare with: apt-get install -y ${missing.join(' ')}`);
  await runOk('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env: { ...env, DEBIAN_FRONTEND: 'noninteractive' } });
}

async function ensureLab(extraEnv = {}, controllers) {
  const status = JSON.parse((await cli(['lab', 'status', '--json'], extraEnv)).stdout);
  const want = controllers ?? 3;
  if (status.up && status.nodes.filter((n) => n.state === 'running').length >= want + 1) return status;
  log(`lab not up${extraEnv.LOCKSTEP_LAB_DIR ? ` in ${extraEnv.LOCKSTEP_LAB_DIR}` : ''}: running \`lockstep lab up${controllers ? ` --controllers ${controllers}` : ''}\``);
  await cli(['lab', 'up', ...(controllers ? ['--controllers', String(controllers)] : [])], extraEnv);
  return JSON.parse((await cli(['lab', 'status', '--json'], extraEnv)).stdout);
}

// ---- lockstep -------------------------------------------------------------------------------

const dist = (p, base = join(repo, 'dist')) => import(pathToFileURL(join(base, p)).href);
const AB = env.BENCH_ENGINE_AB || '';

/** The pane shells (`bash --rcfile <dir>/rc -i`) running right now, by pid. */
function panePids() {
  const out = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (/^bash\0--rcfile\0\/tmp\/lockstep-[0-9a-f]+\/rc\0-i\0/.test(readFileSync(`/proc/${p}/cmdline`, 'utf8'))) out.push(Number(p));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
/** utime+stime (and, with `children`, the reaped children's) of a process, in ms; ppid too. */
function procCpu(pid, children) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(f[11]) + Number(f[12]) + (children ? Number(f[13]) + Number(f[14]) : 0);
    return { ms: ticks * 10, ppid: Number(f[1]) };
  } catch {
    return { ms: 0, ppid: 0 };
  }
}
/** CPU ms so far of these panes' shells (with their block subshells) and of their sshd processes. */
function nodeCpu(pids) {
  let bash = 0;
  let sshd = 0;
  for (const pid of pids) {
    const b = procCpu(pid, true);
    bash += b.ms;
    if (b.ppid > 1) sshd += procCpu(b.ppid, false).ms;
  }
  return { bash, sshd };
}

/**
 * Where a step's time goes: the transport uploads each block as `<dir>/b-<hash>.sh` with ssh2's
 * SFTP writeFile (open, write, close: three round trips) before typing the run line; the engine
 * uploads the next steps' blocks ahead (prepareScript). Wrap that method (observation only) to
 * time the uploads, and to see how long a step still waited for one (`uploadDone`: file name →
 * when its uploads finished).
 */
const uploads = [];
const uploadDone = new Map();
// b<12 hex> since 2026-11-25; b-<20 hex>.sh before (BENCH_ENGINE_AB may run such a build).
const isBlockFile = (path) => /\/(b[0-9a-f]{12}|b-[0-9a-f]+\.sh|block\.sh)$/.test(String(path));
function watchUploads() {
  const require = createRequire(join(repo, 'package.json'));
  const mod = require('ssh2/lib/protocol/SFTP.js');
  const proto = (mod.SFTP ?? mod).prototype;
  const orig = proto.writeFile;
  proto.writeFile = function (path, data, options, cb) {
    const t = now();
    const done = typeof options === 'function' ? options : cb;
    const timed = (err) => {
      if (isBlockFile(path)) {
        const end = now();
        uploads.push(end - t);
        const name = String(path).replace(/^.*\//, '');
        uploadDone.set(name, Math.max(uploadDone.get(name) ?? 0, end));
      }
      done?.(err);
    };
    return typeof options === 'function' ? orig.call(this, path, data, timed) : orig.call(this, path, data, options, timed);
  };
}

/**
 * A plan of `count` one-block steps (`true` on every node). Each step's script differs (a comment
 * naming the plan and step) so no step can reuse an earlier step's uploaded file.
 */
const stepScript = (tag, i) => `true # ${tag} s${i}`;
function benchPlan(nodes, count, tag) {
  const names = nodes.map((n) => n.name);
  const pos = { file: 'bench.md', line: 1, column: 1 };
  const steps = Array.from({ length: count }, (_, i) => ({
    id: `bench/s${i}`,
    runbook: 'bench',
    title: `trivial step ${i}`,
    source: pos,
    explanation: '',
    nodes: names,
    actions: [
      {
        id: `bench/s${i}/b0`,
        kind: 'run',
        source: pos,
        nodes: names,
        perNode: Object.fromEntries(names.map((n) => [n, { kind: 'run', script: stepScript(tag, i) }])),
      },
    ],
    gates: [],
    rollbacks: [],
  }));
  return {
    runbooks: [{ name: 'bench', title: 'bench', file: 'bench.md', sha256: '' }],
    nodes: nodes.map((n) => ({ name: n.name, address: n.address, groups: n.groups })),
    steps,
    secrets: [],
  };
}

/**
 * The real code path: createEngine with a plan of trivial steps and the ssh2 connector;
 * each `step()` dispatches `next` and resolves when the step has finished on every node.
 */
async function startEngine(nodes, knownHosts, steps, tag, base) {
  const { createEngine } = await dist('engine/index.js', base);
  const { blockFileName } = await dist('transport/shell-protocol.js', base);
  const { connectSsh } = await dist('transport/index.js', base);
  const before = new Set(panePids());
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const sessions = [];
  const engine = createEngine({
    plan: benchPlan(nodes, steps, tag),
    connect: async (name) => {
      const s = await connectSsh(byName.get(name), { knownHostsFile: knownHosts, acceptNewHostKey: false });
      sessions.push(s);
      return s;
    },
    autoApprove: false,
    stayAtEnd: false,
    nodeVars: Object.fromEntries(nodes.map((n) => [n.name, n.vars ?? {}])),
  });
  let waiting;
  let finished;
  const problems = [];
  engine.subscribe((e) => {
    if (e.type === 'engine.waiting') waiting?.();
    if (e.type === 'step.finished') {
      if (e.status !== 'passed') problems.push(`${e.step}: ${e.status} ${e.reason ?? ''}`);
      finished?.(e);
    }
    if (e.type === 'node.status' && e.status !== 'closed') problems.push(`${e.node}: ${e.status} ${e.reason}`);
  });
  const until = (set) => new Promise((r) => set(r));
  const t0 = now();
  const ready = until((r) => (waiting = r));
  const ended = engine.run();
  await ready;
  const connectMs = now() - t0;
  if (problems.length) throw new Error(`lockstep could not connect: ${problems.join('; ')}`);
  // This engine's pane shells: the ones that appeared while it connected.
  const pids = panePids().filter((p) => !before.has(p));
  if (pids.length !== nodes.length) log(`note: ${tag}: found ${pids.length} pane shells for ${nodes.length} nodes; node CPU is for those`);
  let stepNo = 0;
  return {
    connectMs,
    sessions,
    nodeCpu: () => nodeCpu(pids),
    /** The last step's wait for its block's uploads (0 when they were done before `next`). */
    uploadWait: 0,
    async step() {
      const file = blockFileName(stepScript(tag, stepNo++));
      const done = until((r) => (finished = r));
      const next = until((r) => (waiting = r));
      const t = now();
      engine.dispatch({ kind: 'next' });
      const e = await done;
      const dt = now() - t;
      this.uploadWait = Math.max(0, (uploadDone.get(file) ?? 0) - t);
      await next;
      if (e.status !== 'passed') throw new Error(`step failed: ${problems.join('; ')}`);
      return dt;
    },
    async quit() {
      engine.dispatch({ kind: 'quit' });
      await ended;
    },
  };
}

/** The transport alone: runScript on every session at once (what a step costs, minus the engine). */
async function transportStep(sessions, seq) {
  const t = now();
  const rs = await Promise.all(sessions.map((s) => s.runScript(`bench/raw${seq}`, `true # raw ${seq}`)));
  const dt = now() - t;
  if (rs.some((r) => r.exitCode !== 0)) throw new Error(`runScript: ${JSON.stringify(rs.find((r) => r.exitCode !== 0))}`);
  return dt;
}

async function connectTimes(nodes, knownHosts, reps) {
  const { connectSsh } = await dist('transport/index.js');
  const out = [];
  for (let i = 0; i < reps; i++) {
    const t = now();
    const ss = await Promise.all(nodes.map((n) => connectSsh(n, { knownHostsFile: knownHosts, acceptNewHostKey: false })));
    out.push(now() - t);
    await Promise.all(ss.map((s) => s.close()));
  }
  return out;
}

// ---- peers ----------------------------------------------------------------------------------

function peerFiles(dir, lab, nodes) {
  const sshConfig = join(lab, 'ssh_config');
  writeFileSync(join(dir, 'hosts'), nodes.join('\n') + '\n');
  // Ansible: the lab's ssh_config (key, user, known_hosts, strict checking) for every host;
  // ansible's own ControlPersist multiplexing stays on (its default), facts are never gathered
  // by ad-hoc commands.
  writeFileSync(
    join(dir, 'inventory.ini'),
    `[lab]\n${nodes.join('\n')}\n\n[lab:vars]\nansible_ssh_common_args=-F ${sshConfig}\nansible_python_interpreter=auto_silent\n`,
  );
  writeFileSync(
    join(dir, 'ansible.cfg'),
    `[defaults]\ninventory = ${join(dir, 'inventory.ini')}\nhost_key_checking = True\ngathering = explicit\nforks = 50\nretry_files_enabled = False\ninterpreter_python = auto_silent\nlocal_tmp = ${join(dir, 'ansible-tmp')}\n[ssh_connection]\ncontrol_path_dir = ${join(dir, 'ansible-cp')}\n`,
  );
  const cm = (host) => ['-F', sshConfig, '-o', 'ControlMaster=auto', '-o', `ControlPath=${join(dir, 'cm-%n')}`, '-o', 'ControlPersist=60', host, 'true'];
  const ok = (r, what) => {
    if (r.code !== 0) throw new Error(`${what} exited ${r.code ?? r.signal}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' / ')}`);
  };
  const ansibleEnv = { ...env, ANSIBLE_CONFIG: join(dir, 'ansible.cfg'), ANSIBLE_NOCOLOR: '1' };
  return {
    cmWarm: () => Promise.all(nodes.map(async (h) => ok(await run('ssh', cm(h)), 'ssh (ControlMaster warm-up)'))),
    cmClose: () => Promise.all(nodes.map((h) => run('ssh', ['-F', sshConfig, '-o', `ControlPath=${join(dir, 'cm-%n')}`, '-O', 'exit', h]))),
    cmSeq: async () => {
      for (const h of nodes) ok(await run('ssh', cm(h)), 'ssh (ControlMaster)');
    },
    cmPar: async () => {
      for (const r of await Promise.all(nodes.map((h) => run('ssh', cm(h))))) ok(r, 'ssh (ControlMaster)');
    },
    pssh: async () => ok(await run('parallel-ssh', ['-h', join(dir, 'hosts'), '-x', `-F ${sshConfig}`, '-i', 'true']), 'parallel-ssh'),
    ansibleRaw: async () => ok(await run('ansible', ['lab', '-m', 'raw', '-a', 'true'], { env: ansibleEnv }), 'ansible -m raw'),
    ansibleCommand: async () => ok(await run('ansible', ['lab', '-m', 'command', '-a', 'true'], { env: ansibleEnv }), 'ansible -m command'),
    hasPython: async () => {
      const rs = await Promise.all(nodes.map((h) => run('ssh', ['-F', sshConfig, h, 'command -v python3 || command -v python3.11'])));
      return rs.every((r) => r.code === 0);
    },
  };
}

// ---- the 30-controller lab ------------------------------------------------------------------

function lab30Env() {
  return {
    LOCKSTEP_LAB_DIR: env.BENCH_ENGINE_LAB30_DIR || '/var/lib/lockstep/bench-engine',
    LOCKSTEP_LAB_NAME: 'benchng',
    LOCKSTEP_LAB_SUBNET: env.BENCH_ENGINE_LAB30_SUBNET || '10.219.0.0/24',
  };
}

const INOTIFY = '/proc/sys/fs/inotify/max_user_instances';
let inotifyBefore;

async function lab30Up(e) {
  const image = join(e.LOCKSTEP_LAB_DIR, 'image');
  if (!existsSync(join(image, 'manifest.json')) && existsSync(join(IMAGE, 'manifest.json'))) {
    // The same Debian image as the main lab, hard-linked (no download, no copy): nodes only
    // ever use it as overlayfs' read-only lower layer.
    log(`hard-linking the main lab's image into ${image}`);
    mkdirSync(e.LOCKSTEP_LAB_DIR, { recursive: true });
    await runOk('cp', ['-al', IMAGE, image]);
  }
  // 31 containers need about 5 inotify instances each; the default 128 per user is too few
  // (systemd in a node then fails with "Too many open files"). Raised for the run, restored after.
  const limit = Number(readFileSync(INOTIFY, 'utf8'));
  if (limit < 1024) {
    log(`raising fs.inotify.max_user_instances from ${limit} to 1024 for the 30-node lab (restored afterwards)`);
    inotifyBefore = limit;
    writeFileSync(INOTIFY, '1024\n');
  }
  log(`booting a separate 30-controller lab (${e.LOCKSTEP_LAB_DIR}, ${e.LOCKSTEP_LAB_SUBNET}); it is taken down at the end`);
  const t = now();
  await ensureLab(e, 30);
  log(`lab30 up in ${ms(now() - t)}`);
  await installPython(e, NODES);
  return e;
}

/**
 * `ansible -m command` needs Python on the node, which the lab image lacks. On the separate
 * lab's controller0-2 only (never the shared lab), install Debian's python3.11 from the host's
 * apt cache (the same Debian 12 packages; `apt-get download` fetches them when missing).
 */
async function installPython(e, hosts) {
  const cache = '/var/cache/apt/archives';
  const pkgs = ['libpython3.11-minimal', 'python3.11-minimal', 'libpython3.11-stdlib'];
  const dir = mkdtempSync(join(tmpdir(), 'bench-engine-debs-'));
  try {
    const debs = [];
    for (const p of pkgs) {
      const have = (await run('sh', ['-c', `ls ${cache}/${p}_*_amd64.deb 2>/dev/null | tail -1`])).stdout.trim();
      if (have) debs.push(have);
      else {
        await runOk('apt-get', ['download', p], { cwd: dir });
        debs.push(join(dir, (await run('sh', ['-c', `ls ${p}_*.deb`], { cwd: dir })).stdout.trim()));
      }
    }
    const cfg = join(e.LOCKSTEP_LAB_DIR, 'ssh_config');
    log(`installing python3.11 on the separate lab's ${hosts.join(', ')} (for ansible -m command)`);
    await Promise.all(
      hosts.map(async (h) => {
        await runOk('scp', ['-q', '-F', cfg, ...debs, `${h}:/tmp/`]);
        const names = debs.map((d) => `/tmp/${d.split('/').pop()}`).join(' ');
        await runOk('ssh', ['-F', cfg, h, `sudo -n dpkg -i --force-depends ${names} >/dev/null 2>&1; sudo -n ln -sf python3.11 /usr/bin/python3; rm -f ${names}; python3 -c 'import json, subprocess, shlex'`]);
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function lab30Down(e) {
  log('taking the 30-controller lab down');
  await cli(['lab', 'down'], e).catch((err) => log(`lab down failed: ${err.message}`));
  if (inotifyBefore !== undefined) writeFileSync(INOTIFY, `${inotifyBefore}\n`);
}

// ---- main -----------------------------------------------------------------------------------

// 30 nodes' step blocks add an abort listener each to the step's signal; the engine raises the
// signal's limit for that, so this warning means a regression. Said once instead of once per step.
let warned = false;
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name === 'MaxListenersExceededWarning') {
    if (!warned) log(`note: ${w.message} (from the engine with 30 nodes; shown once)`);
    warned = true;
  } else log(`warning: ${w.message}`);
});

async function main() {
  if (!existsSync(join(repo, 'dist/engine/index.js'))) {
    log('dist/ is missing: running `npm run build`');
    await runOk('npm', ['run', 'build'], { cwd: repo });
  }
  if (process.getuid?.() !== 0) throw new Error('run as root (the lab needs it)');
  watchUploads();
  if (!PROFILE) await ensurePeers();
  const loadStart = load();
  const started = new Date();
  const { loadInventory } = await dist('inventory/index.js');
  let lab30;
  let labDir = LAB;
  const samples = {};
  const add = (k, v) => (samples[k] ??= []).push(v);
  const engines = [];
  const dir = mkdtempSync(join(tmpdir(), 'bench-engine-'));
  try {
    if (LAB30) {
      lab30 = lab30Env();
      await lab30Up(lab30);
      labDir = lab30.LOCKSTEP_LAB_DIR;
    } else {
      await ensureLab();
    }
    const inv = loadInventory(join(labDir, 'inventory.yaml')).value;
    const nodes = NODES.map((n) => inv.nodes.find((x) => x.name === n));
    const knownHosts = inv.knownHosts;
    const real30 = LAB30 ? inv.nodes.filter((n) => n.groups.includes('controllers')) : null;
    const peers = peerFiles(dir, labDir, NODES);
    // Time to connect N nodes (ssh2 handshake, SFTP, pane shell up to its first prompt).
    log('connect times');
    const sim30 = nodes.flatMap((n) => Array.from({ length: 10 }, (_, i) => ({ ...n, name: `${n.name}-${i}`, vars: { ...n.vars } })));
    const connect = {
      1: await connectTimes(nodes.slice(0, 1), knownHosts, 5),
      3: await connectTimes(nodes, knownHosts, 5),
      '30 sessions on 3 nodes (simulated)': await connectTimes(sim30, knownHosts, 3),
    };
    if (real30) connect['30 nodes (separate lab)'] = await connectTimes(real30, knownHosts, 3);

    const stepsNeeded = (ROUNDS + 2) * FAST_PER_ROUND + 5;
    log('connecting the engines');
    const e3 = await startEngine(nodes, knownHosts, stepsNeeded, 'e3');
    engines.push(e3);
    const e30 = await startEngine(sim30, knownHosts, stepsNeeded, 'e30sim');
    engines.push(e30);
    const eLab30 = real30 ? await startEngine(real30, knownHosts, stepsNeeded, 'lab30') : null;
    if (eLab30) engines.push(eLab30);
    add('engine connect 3', e3.connectMs);
    add('engine connect 30 sim', e30.connectMs);

    const python = PROFILE ? false : await peers.hasPython();
    if (!PROFILE) await peers.cmWarm();
    let seq = 0;
    // Wall time per step, and the CPU time this process (lockstep's side) spent on it.
    // Node-side CPU is read per round (5 steps): /proc counts in 10 ms ticks, so it is reported
    // as a mean over all rounds (total / steps), not a median.
    const nodeTotals = {};
    const engineSteps = (k, e) => async () => {
      const n0 = e.nodeCpu();
      for (let i = 0; i < FAST_PER_ROUND; i++) {
        const c = process.cpuUsage();
        uploads.length = 0;
        add(k, await e.step());
        const d = process.cpuUsage(c);
        add(`${k}.cpu`, (d.user + d.system) / 1000);
        add(`${k}.upload`, e.uploadWait);
      }
      const n1 = e.nodeCpu();
      const t = (nodeTotals[k] ??= { bash: 0, sshd: 0, steps: 0 });
      t.bash += n1.bash - n0.bash;
      t.sshd += n1.sshd - n0.sshd;
      t.steps += FAST_PER_ROUND;
    };
    const tools = [
      ['lockstep', engineSteps('lockstep', e3)],
      ['transport', async () => {
        for (let i = 0; i < FAST_PER_ROUND; i++) {
          uploads.length = 0;
          add('transport', await transportStep(e3.sessions, seq++));
          if (uploads.length) add('transport.upload', Math.max(...uploads));
        }
      }],
      ['lockstep30sim', engineSteps('lockstep30sim', e30)],
    ];
    if (eLab30) {
      tools.push(['lab30', engineSteps('lab30', eLab30)]);
    }
    if (AB) {
      // The other build, on the same nodes, interleaved with this one.
      log(`connecting the engines of ${AB} (BENCH_ENGINE_AB)`);
      const b3 = await startEngine(nodes, knownHosts, stepsNeeded, 'ab3', AB);
      engines.push(b3);
      tools.push(['ab:lockstep', engineSteps('ab:lockstep', b3)]);
      const b30 = await startEngine(real30 ?? sim30, knownHosts, stepsNeeded, 'ab30', AB);
      engines.push(b30);
      tools.push([`ab:${eLab30 ? 'lab30' : 'lockstep30sim'}`, engineSteps(`ab:${eLab30 ? 'lab30' : 'lockstep30sim'}`, b30)]);
    }
    if (!PROFILE) {
      tools.push(
        ['cmSeq', async () => { for (let i = 0; i < FAST_PER_ROUND; i++) add('cmSeq', await time(peers.cmSeq)); }],
        ['cmPar', async () => { for (let i = 0; i < FAST_PER_ROUND; i++) add('cmPar', await time(peers.cmPar)); }],
        ['pssh', async () => add('pssh', await time(peers.pssh))],
        ['ansibleRaw', async () => add('ansibleRaw', await time(peers.ansibleRaw))],
      );
      if (python) tools.push(['ansibleCommand', async () => add('ansibleCommand', await time(peers.ansibleCommand))]);
    }
    // Warm-up round (discarded), then the measured rounds in a rotating order.
    log(`warm-up, then ${ROUNDS} rounds of ${tools.map((t) => t[0]).join(', ')}`);
    for (const [, fn] of tools) await fn();
    for (const k of Object.keys(samples)) if (!k.startsWith('engine connect')) delete samples[k];
    for (const k of Object.keys(nodeTotals)) delete nodeTotals[k];
    const loads = [];
    for (let r = 0; r < ROUNDS; r++) {
      for (let j = 0; j < tools.length; j++) await tools[(r + j) % tools.length][1]();
      loads.push(load().split(' ')[0]);
      if ((r + 1) % 5 === 0) log(`round ${r + 1}/${ROUNDS} (load ${load()})`);
    }
    const loadEnd = load();
    if (!PROFILE) await peers.cmClose();
    for (const e of engines.splice(0)) await e.quit();

    // ---- report ----
    const S = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, stats(v)]));
    const cores = cpus().length;
    const base = S.cmSeq?.median;
    const row = (label, k) => (S[k] ? [label, ms(S[k].median), ms(S[k].p90), ms(S[k].p99), String(S[k].n), ratio(S[k].median, base)] : null);
    const rows = [
      row('**lockstep**: engine, one-step plan, persistent sessions (dispatch `next` → `step.finished`)', 'lockstep'),
      row('lockstep transport only: `runScript` on the 3 sessions at once (no engine)', 'transport'),
      row('`ssh` ControlMaster loop, sequential over 3 nodes (masters warm)', 'cmSeq'),
      row('`ssh` ControlMaster, 3 in parallel (masters warm)', 'cmPar'),
      row('`parallel-ssh -h hosts -x "-F ssh_config" -i true`', 'pssh'),
      row('`ansible lab -m raw -a true`', 'ansibleRaw'),
      row('`ansible lab -m command -a true`', 'ansibleCommand'),
    ].filter(Boolean);
    if (!S.ansibleCommand && !PROFILE) rows.push(['`ansible lab -m command -a true`', 'not run: the lab nodes have no Python (the command module needs it)', '', '', '', '']);
    const scaleRows = [
      ['engine step, 3 nodes (controller0-2)', ms(S.lockstep?.median), ms(S.lockstep?.p90), ms(S['lockstep.upload']?.median), ms(S['lockstep.cpu']?.median), '1.00×'],
      ['engine step, 30 sessions: 10 per node on controller0-2 (**simulated** 30 nodes)', ms(S.lockstep30sim?.median), ms(S.lockstep30sim?.p90), ms(S['lockstep30sim.upload']?.median), ms(S['lockstep30sim.cpu']?.median), ratio(S.lockstep30sim?.median, S.lockstep?.median)],
    ];
    if (S.lab30) scaleRows.push(['engine step, **30 real nodes**: controller0-29 of the separate lab', ms(S.lab30.median), ms(S.lab30.p90), ms(S['lab30.upload']?.median), ms(S['lab30.cpu']?.median), ratio(S.lab30.median, S.lockstep.median)]);
    const connRows = Object.entries(connect).map(([k, v]) => {
      const s = stats(v);
      return [`connect ${k} in parallel (\`connectSsh\`: handshake, SFTP, pane prompt)`, ms(s.median), ms(s.max), String(s.n)];
    });
    connRows.push(['engine `run()` until all 3 connected and waiting', ms(S['engine connect 3'].median), '', '1']);
    connRows.push(['engine `run()` until 30 sessions (simulated) connected', ms(S['engine connect 30 sim'].median), '', '1']);

    const lk = S.lockstep?.median;
    const verdicts = [];
    if (!PROFILE) {
      verdicts.push(`- lockstep step / ControlMaster loop = **${ratio(lk, base)}** (target ≤ 0.60×): ${lk <= 0.6 * base ? '**met**' : '**missed**'}`);
      verdicts.push(`- lockstep step / parallel-ssh = **1/${(S.pssh.median / lk).toFixed(0)}** (target about 1/30 or better): ${S.pssh.median / lk >= 30 ? '**met**' : '**missed**'}`);
    }
    verdicts.push(`- 30 sessions / 3 nodes (simulated, 10 sessions per node) = **${ratio(S.lockstep30sim.median, lk)}** (target < 1.5×): ${S.lockstep30sim.median < 1.5 * lk ? '**met**' : '**missed**'}`);
    if (S.lab30) verdicts.push(`- 30 real nodes / 3 nodes (separate lab) = **${ratio(S.lab30.median, lk)}** (target < 1.5×): ${S.lab30.median < 1.5 * lk ? '**met**' : '**missed**'}`);
    const big = S.lab30 ? 'lab30' : 'lockstep30sim';
    const up3 = S['lockstep.upload']?.median;
    const extraCpu = S[`${big}.cpu`]?.median - S['lockstep.cpu']?.median;
    const t3 = nodeTotals.lockstep;
    const tBig = nodeTotals[big];
    const perNode = (t, k, n) => (t ? (S[`${k}.cpu`]?.median + (t.bash + t.sshd) / t.steps) / n : NaN);
    const analysis = [
      `- 3 nodes: the engine step waits ${ms(up3)} for block uploads (the engine uploads each step's blocks while it waits for approval`,
      `  of the step before; without that, as in the transport-only row, the slowest upload, SFTP open, write, close, takes ${ms(S['transport.upload']?.median)});`,
      `  the ${ms(lk)} are the pane's round trip: the typed \`__ls\` line, the block in a subshell, saving and restoring the shell's state, the end mark.`,
      `  CPU per node and step: ${ms(perNode(t3, 'lockstep', 3))} (lockstep, bash and sshd together).`,
      `- ${S.lab30 ? '30 real nodes' : '30 simulated sessions'}: ${ms(S[`${big}.upload`]?.median)} of ${ms(S[big]?.median)} is waiting for uploads. The step is CPU-bound: it needs`,
      `  ${ms(perNode(tBig, big, 30))} of CPU per node (table above), ${ms(perNode(tBig, big, 30) * 30)} for 30, on ${cores} cores shared with the other jobs: at least`,
      `  ${ms((perNode(tBig, big, 30) * 30) / cores)}. For 30 nodes to cost less than 1.5× the 3-node step (${ms(1.5 * lk)}) here, a node could cost at most`,
      `  ${ms((1.5 * lk * cores) / 30)} of CPU per step, all sides together.`,
      `- Estimate for 30 separate machines (not measured): node-side work runs in parallel there, so a step would cost about the`,
      `  3-node step plus lockstep's extra CPU: ${ms(lk + extraCpu)} = ${ratio(lk + extraCpu, lk)} of 3 nodes.`,
    ];
    // What a step costs on each side, per node: lockstep (this process), the panes' bash
    // (with the block subshells), their sshd. With everything on `cores` cores, the CPU a step
    // needs divided by the cores is the least wall time it can take.
    const costRow = (label, k, n) => {
      const t = nodeTotals[k];
      const l = S[`${k}.cpu`]?.median;
      if (!t || !S[k]) return null;
      const bash = t.bash / t.steps;
      const sshd = t.sshd / t.steps;
      const total = l + bash + sshd;
      return [label, ms(S[k].median), `${ms(l)} (${ms(l / n)})`, `${ms(bash)} (${ms(bash / n)})`, `${ms(sshd)} (${ms(sshd / n)})`, ms(total), ms(total / cores)];
    };
    const costRows = [
      costRow('3 nodes', 'lockstep', 3),
      costRow('30 sessions on 3 nodes (simulated)', 'lockstep30sim', 30),
      costRow('30 real nodes', 'lab30', 30),
    ].filter(Boolean);
    let abBlock = [];
    if (AB) {
      const k30 = S.lab30 ? 'lab30' : 'lockstep30sim';
      const abRow = (label, pre) => {
        const c3 = costRow('', `${pre}lockstep`, 3);
        const c30 = costRow('', `${pre}${k30}`, 30);
        return [label, c3?.[1], c30?.[1], ratio(S[`${pre}${k30}`]?.median, S[`${pre}lockstep`]?.median), c30?.[2], c30?.[3], c30?.[4]];
      };
      abBlock = [
        '',
        `### Before → after, interleaved in this run (\`BENCH_ENGINE_AB=${AB}\`)`,
        '',
        `Both builds' engines are connected at once and their steps alternate round by round, on the same nodes.`,
        '',
        table(['build', 'step, 3 nodes (median)', `step, 30 ${S.lab30 ? 'real nodes' : 'sessions'} (median)`, '30 / 3', 'lockstep CPU per step at 30 (per node)', 'bash CPU (per node)', 'sshd CPU (per node)'], [
          abRow(`before (${AB})`, 'ab:'),
          abRow('after (dist/)', ''),
        ]),
      ];
    }
    const loadsSorted = loads.map(Number).sort((a, b) => a - b);
    const body = [
      `Command: \`npm run build && ${LAB30 ? 'BENCH_ENGINE_LAB30=1 ' : ''}${AB ? `BENCH_ENGINE_AB=${AB} ` : ''}npm run bench -- engine\` (scripts/bench-engine.mjs; ${ROUNDS} interleaved rounds,`,
      `${FAST_PER_ROUND} samples per round for the fast tools, 1 for parallel-ssh and ansible; a warm-up round discarded).`,
      `Run ${started.toISOString().replace(/\.\d+Z$/, 'Z')}, ${machine()}, shared machine: load average ${loadStart} at the start, ${loadEnd} at the end`,
      `(1-min load over the rounds: median ${loadsSorted[Math.floor(loadsSorted.length / 2)]}, max ${loadsSorted[loadsSorted.length - 1]}).`,
      `Nodes: controller0-2 of ${LAB30 ? `a separate 30-controller practice lab (\`lab up --controllers 30\` with LOCKSTEP_LAB_DIR/NAME/SUBNET, Python added on controller0-2 for \`-m command\`)` : 'the practice lab'} (systemd-nspawn, Debian 12, local bridge, all on this 2-core machine), with the lab's inventory, ssh_config and known_hosts.`,
      `The step is \`true\`. lockstep is measured through the real code path (\`createEngine\` from dist/, ssh2 connector, one-step`,
      `plan per measurement, sessions connected beforehand, each step's script different): the block is uploaded over SFTP ahead (while the engine waits), then the run line is typed into the pane and the end mark awaited.`,
      '',
      '### A trivial step on 3 nodes',
      '',
      table(['what', 'median', 'p90', 'p99', 'n', 'vs ControlMaster loop'], rows),
      '',
      '### 3 vs 30',
      '',
      table(['what', 'median', 'p90', 'of which: waiting for block uploads (median)', 'lockstep CPU per step (median)', 'vs 3'], scaleRows),
      '',
      '### What a step costs on each side',
      '',
      `CPU per step (and per node): lockstep is this process (median); bash is the panes' shells with their block subshells, sshd their`,
      `sshd processes (means: /proc counts 10 ms ticks). Everything shares ${cores} cores, so total CPU / ${cores} is the least a step can take here.`,
      '',
      table(['what', 'step (median)', 'lockstep CPU', 'bash CPU', 'sshd CPU', 'total CPU', `total / ${cores} cores`], costRows),
      ...abBlock,
      '',
      '### Time to connect',
      '',
      table(['what', 'median', 'max', 'n'], connRows),
      '',
      '### Targets',
      '',
      ...verdicts,
      '',
      '### Where the time goes',
      '',
      ...analysis,
    ].join('\n');
    console.log(`## Engine\n\n${body}\n`);
    if (env.BENCH_ENGINE_WRITE !== '0' && !PROFILE) {
      const file = join(repo, 'BENCHMARKS.md');
      const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n\nEach section names the exact command that produced its numbers.\n';
      writeFileSync(file, replaceSection(text, '## Engine', body));
      log('wrote the Engine section of BENCHMARKS.md');
    }
    writeFileSync(join(tmpdir(), 'bench-engine-samples.json'), JSON.stringify(samples));
  } finally {
    for (const e of engines) await e.quit().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    if (lab30 && env.BENCH_ENGINE_LAB30_KEEP !== '1') await lab30Down(lab30);
    else if (lab30) log(`kept the separate lab up (BENCH_ENGINE_LAB30_KEEP=1); take it down with: LOCKSTEP_LAB_DIR=${lab30.LOCKSTEP_LAB_DIR} LOCKSTEP_LAB_NAME=${lab30.LOCKSTEP_LAB_NAME} LOCKSTEP_LAB_SUBNET=${lab30.LOCKSTEP_LAB_SUBNET} node bin/lockstep.js lab down`);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`bench-engine: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  },
);
