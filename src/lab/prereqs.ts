// Checks before the lab touches anything, each failing with what to do about it.
import { accessSync, constants, readFileSync, statfsSync, mkdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { LabConfig } from './config.js';
import { LabError } from './errors.js';
import { run } from './run.js';

/** Whether an executable is on PATH (plus the sbin directories root normally has). */
function have(cmd: string): boolean {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean)];
  return dirs.some((d) => {
    try {
      accessSync(join(d, cmd), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return Number(s.bavail) * Number(s.bsize);
}

export async function checkPrereqs(cfg: LabConfig, opts: { needImageBuild: boolean }): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new LabError('the lab needs root (it creates network namespaces, mounts and containers); run it with sudo');
  }
  const missing: string[] = [];
  for (const [cmd, pkg] of [['systemd-nspawn', 'systemd-container'], ['ip', 'iproute2'], ['ssh-keygen', 'openssh-client'],
    ['mount', 'mount']] as const) {
    if (!have(cmd)) missing.push(`${cmd} (Debian package ${pkg})`);
  }
  if (opts.needImageBuild && !have('debootstrap')) missing.push('debootstrap (Debian package debootstrap)');
  if (missing.length) {
    throw new LabError(`missing: ${missing.join(', ')}; install them with ./scripts/setup or apt-get install`);
  }
  let fs = readFileSync('/proc/filesystems', 'utf8');
  if (!/\boverlay\b/.test(fs)) {
    await run('modprobe', ['overlay'], { allowFail: true }).catch(() => undefined);
    fs = readFileSync('/proc/filesystems', 'utf8');
    if (!/\boverlay\b/.test(fs)) {
      throw new LabError('this kernel has no overlayfs (not in /proc/filesystems); load it with `modprobe overlay` or use a kernel with CONFIG_OVERLAY_FS');
    }
  }
  mkdirSync(cfg.dir, { recursive: true });
  const need = opts.needImageBuild ? 1.5e9 : 3e8;
  const free = freeBytes(cfg.dir);
  if (free < need) {
    throw new LabError(`only ${(free / 1e6).toFixed(0)} MB free in ${cfg.dir}, the lab needs ${(need / 1e6).toFixed(0)} MB; free some disk space or set LOCKSTEP_LAB_DIR to a larger disk`);
  }
}
