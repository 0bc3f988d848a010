// `lockstep lab`: the built-in practice lab of Debian nodes (wiring only; see src/lab).
import { spawnSync } from 'node:child_process';
import type { Command } from 'commander';
import { applyScenario, labConfig, labDown, labReset, labStatus, labUp, readState, SCENARIOS, stderrProgress } from '../lab/index.js';
import { UserError } from './errors.js';

/** System errors (disk full, busy mount, permissions) are the operator's to fix: no stack trace. */
function act<A extends unknown[]>(fn: (...args: A) => Promise<void> | void): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e && typeof e.code === 'string' && !(err instanceof UserError)) {
        const hint = e.code === 'ENOSPC' ? '; free some disk space or set LOCKSTEP_LAB_DIR to a larger disk' : '';
        throw new UserError(`lab: ${e.message}${hint}`, 3);
      }
      throw err;
    }
  };
}

function controllersOption(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 50) throw new UserError(`--controllers ${v}: give a whole number from 1 to 50`);
  return n;
}

export function register(program: Command): void {
  const lab = program.command('lab').description('the practice lab: real Debian nodes (systemd-nspawn) on this machine');
  lab
    .command('up')
    .description('build the image once, then boot controller0..N-1 and gateway; writes inventory, known_hosts, ssh_config')
    .option('--controllers <n>', 'number of controllers (default 3)', controllersOption)
    .action(act(async (o: { controllers?: number }) => {
      await labUp({ controllers: o.controllers, progress: stderrProgress() });
      const s = await labStatus();
      process.stdout.write(`inventory:   ${s.files.inventory}\nssh config:  ${s.files.sshConfig} (ssh -F ${s.files.sshConfig} controller0)\nknown_hosts: ${s.files.knownHosts}\n`);
    }));
  lab
    .command('down')
    .description('stop every node and remove the namespaces, bridge and mounts the lab made')
    .action(act(async () => labDown({ progress: stderrProgress() })));
  lab
    .command('status')
    .description('nodes, addresses, state and the paths of the lab files')
    .option('--json', 'machine-readable output')
    .action(act(async (o: { json?: boolean }) => {
      const s = await labStatus();
      if (o.json) {
        process.stdout.write(JSON.stringify(s, null, 2) + '\n');
        return;
      }
      process.stdout.write(`lab ${s.up ? 'up' : 'down'} (${s.dir}); image ${s.image.ready ? 'built' : 'not built'}; subnet ${s.subnet}; VIP ${s.vip}\n`);
      for (const n of s.nodes) process.stdout.write(`  ${n.name.padEnd(12)} ${n.address.padEnd(15)} ${n.state.padEnd(8)} ${n.groups.join(',')}\n`);
      for (const [k, v] of Object.entries(s.scenarios)) process.stdout.write(`  scenario ${k} on ${v}\n`);
      process.stdout.write(`inventory ${s.files.inventory}\nssh config ${s.files.sshConfig}\nknown_hosts ${s.files.knownHosts}\nbinaries ${s.binDir.host} (in nodes: ${s.binDir.node})\n`);
    }));
  lab
    .command('reset')
    .description('recreate every node fresh (undoes scenarios and everything run on the nodes)')
    .action(act(async () => {
      await labReset({ progress: stderrProgress() });
    }));
  lab
    .command('ssh')
    .description('open a shell on a node (or run a command after --), with the lab key and known_hosts')
    .argument('<node>', 'node name, e.g. controller0')
    .argument('[command...]', 'command to run instead of a shell')
    .action((node: string, command: string[]) => {
      const cfg = labConfig({ controllers: readState(labConfig())?.controllers });
      if (!readState(cfg)) throw new UserError('the lab is not up; run `lockstep lab up` first');
      if (!cfg.nodes.some((n) => n.name === node)) {
        throw new UserError(`no lab node named ${node}; nodes: ${cfg.nodes.map((n) => n.name).join(', ')}`);
      }
      const tty = process.stdin.isTTY && command.length === 0 ? ['-t'] : [];
      const r = spawnSync('ssh', ['-F', cfg.sshConfigFile, ...tty, node, ...command], { stdio: 'inherit' });
      process.exitCode = r.status ?? 1;
    });
  lab
    .command('scenario')
    .description(`break the lab on purpose: ${Object.keys(SCENARIOS).join(', ')} (\`lab reset\` undoes)`)
    .argument('<name>', Object.keys(SCENARIOS).join('|'))
    .argument('[node]', 'node to break (default: controller0 for stale-cert, controller1 for diverge, controller2 for node-down)')
    .action(act(async (name: string, node: string | undefined) => {
      const msg = await applyScenario(name, node, stderrProgress());
      process.stdout.write(msg + '\n');
    }));
}
