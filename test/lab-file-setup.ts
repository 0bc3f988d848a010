// Before each lab test file: every node of the shared lab must answer ssh. A file that leaves a
// node broken (a failed `lab reset` in an afterAll, a node that died under load) would otherwise
// fail every file after it with errors that point nowhere near the cause. When a node does not
// answer, what is known about it goes to stderr (so the cause can be found from a CI log), the
// lab is reset, and the file runs on fresh nodes; if the reset does not help, the file fails
// with that evidence.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll } from 'vitest';
import { labConfig, readState } from '../src/lab/index.js';
import { lockstepAsync } from './lab/helpers/lab.js';

interface Probe {
  node: string;
  ok: boolean;
  detail: string;
}

function probe(sshConfig: string, node: string): Promise<Probe> {
  return new Promise((resolve) => {
    const p = spawn('ssh', ['-F', sshConfig, '-v', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', node, 'true'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (b: Buffer) => (err = (err + b.toString('utf8')).slice(-4000)));
    const timer = setTimeout(() => p.kill('SIGKILL'), 20_000);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      const tail = err.trim().split('\n').slice(-6).join('\n    ');
      resolve({ node, ok: code === 0, detail: `exit ${code ?? signal}; ssh -v said:\n    ${tail}` });
    });
  });
}

async function unhealthy(): Promise<Probe[]> {
  const state = readState(labConfig());
  if (!state) return []; // no lab: the file's own set-up says so
  const cfg = labConfig({ controllers: state.controllers });
  const probes = await Promise.all(cfg.nodes.map((n) => probe(cfg.sshConfigFile, n.name)));
  return probes.filter((p) => !p.ok).map((p) => {
    const pid = state.nodes.find((n) => n.name === p.node)?.pid ?? 0;
    const alive = pid > 0 && existsSync(`/proc/${pid}`);
    const consoleLog = join(cfg.nodesDir, p.node, 'console.log');
    const console = existsSync(consoleLog) ? readFileSync(consoleLog, 'utf8').trim().split('\n').slice(-12).join('\n    ') : '(no console.log)';
    return { ...p, detail: `${p.detail}\n  nspawn pid ${pid} ${alive ? 'alive' : 'gone'}; console.log ends:\n    ${console}` };
  });
}

const describeProbes = (bad: Probe[]): string => bad.map((b) => `${b.node}: ${b.detail}`).join('\n');

beforeAll(async () => {
  const bad = await unhealthy();
  if (!bad.length) return;
  process.stderr.write(`lab check: node(s) not answering ssh before this file; resetting the lab\n${describeProbes(bad)}\n`);
  const r = await lockstepAsync(['lab', 'reset'], process.env, 600_000);
  process.stderr.write(`lab check: lab reset exited ${r.code}\n`);
  const still = await unhealthy();
  if (still.length) {
    throw new Error(`the lab is broken and \`lab reset\` did not mend it (exit ${r.code}): ${r.stderr.trim()}\n${describeProbes(still)}`);
  }
}, 900_000);
