// The lab's Debian 12 image: built once with debootstrap into a temporary directory and
// renamed into place only when complete, so a half-built image is never booted.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, renameSync, symlinkSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import type { LabConfig } from './config.js';
import { LabError } from './errors.js';
import { hostMirror } from './mirror.js';
import type { Progress } from './progress.js';
import { run } from './run.js';

/** Bump when the image recipe changes: a cached image with another version is rebuilt. */
export const IMAGE_VERSION = 5;

/** systemd as PID 1 plus what the runbooks and the practice doubles use. */
export const IMAGE_PACKAGES = [
  'systemd', 'systemd-sysv', 'dbus', 'openssh-server', 'sudo', 'etcd-server', 'etcd-client',
  'haproxy', 'keepalived', 'nginx', 'curl', 'iproute2', 'iputils-ping', 'procps', 'openssl',
  'ca-certificates', 'kubernetes-client', 'nodejs', 'ipvsadm', 'less',
  // Debian's nginx loads its stream proxy (the nginx VIP variant) as a separate module.
  'libnginx-mod-stream',
];

/** Services the runbooks install and start themselves. */
const DISABLED_SERVICES = ['etcd', 'haproxy', 'keepalived', 'nginx'];

export function rootfsPath(cfg: LabConfig): string {
  return join(cfg.imageDir, 'rootfs');
}

export function imageReady(cfg: LabConfig): boolean {
  try {
    const m = JSON.parse(readFileSync(join(cfg.imageDir, 'manifest.json'), 'utf8')) as { version?: number };
    return m.version === IMAGE_VERSION;
  } catch {
    return false;
  }
}

async function retry<T>(what: string, tries: number, progress: Progress, fn: () => Promise<T>): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= tries) throw err;
      progress(`${what} failed (attempt ${i}/${tries}), retrying: ${(err as Error).message.split('\n').slice(-1)[0]}`);
      await new Promise((r) => setTimeout(r, 3000 * i));
    }
  }
}

/** Runs a command inside the image under construction (its own /proc, /dev; host network). */
function inRoot(root: string, args: string[], onLine?: (l: string) => void): ReturnType<typeof run> {
  return run(
    'systemd-nspawn',
    ['-q', '-D', root, '--register=no', '--keep-unit', '-E', 'DEBIAN_FRONTEND=noninteractive', '-E', 'LC_ALL=C', ...args],
    { onLine },
  );
}

export async function buildImage(cfg: LabConfig, progress: Progress): Promise<void> {
  if (imageReady(cfg)) return;
  const mirror = cfg.mirror || hostMirror();
  const tmp = `${cfg.imageDir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const root = join(tmp, 'rootfs');
  mkdirSync(root, { recursive: true });
  try {
    progress(`building the lab image (Debian 12, once; about 2 minutes) from ${mirror}`);
    let fetched = 0;
    await retry('debootstrap', 3, progress, async () => {
      rmSync(root, { recursive: true, force: true });
      mkdirSync(root, { recursive: true });
      await run('debootstrap', ['--variant=minbase', 'bookworm', root, mirror], {
        onLine: (l) => {
          // debootstrap prints one line per package; report every 25th and each phase.
          if (/^I: Retrieving/.test(l) && ++fetched % 25 === 0) progress(`debootstrap: ${fetched} packages retrieved`);
          else if (/^I: (Installing core|Unpacking the base|Configuring the base|Base system installed)/.test(l)) progress(`debootstrap: ${l.slice(3)}`);
        },
      });
    });
    writeFileSync(join(root, 'etc/apt/sources.list'), `deb ${mirror} bookworm main\n`);
    // Keep package scripts from starting services inside the build.
    writeFileSync(join(root, 'usr/sbin/policy-rc.d'), '#!/bin/sh\nexit 101\n', { mode: 0o755 });
    progress(`installing ${IMAGE_PACKAGES.length} packages in the image`);
    await retry('apt-get', 3, progress, () =>
      inRoot(root, ['sh', '-c',
        'apt-get -o Acquire::Retries=3 -qq update && ' +
        `apt-get -o Acquire::Retries=3 -y -q --no-install-recommends install ${IMAGE_PACKAGES.join(' ')}`],
      (l) => {
        if (/^(Unpacking|Setting up) (etcd-server|openssh-server|kubernetes-client|nodejs|systemd |nginx|haproxy)/.test(l)) progress(`apt: ${l}`);
      }),
    );
    progress('configuring the image');
    await configureImage(root);
    writeFileSync(
      join(tmp, 'manifest.json'),
      JSON.stringify({ version: IMAGE_VERSION, mirror, packages: IMAGE_PACKAGES, built: new Date().toISOString() }, null, 2) + '\n',
    );
    rmSync(cfg.imageDir, { recursive: true, force: true });
    renameSync(tmp, cfg.imageDir);
    progress('image ready');
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    if (err instanceof LabError && /No space left/i.test(err.message)) {
      throw new LabError(`the disk is full while building the lab image in ${cfg.dir}; free some space (it needs about 1 GB) or set LOCKSTEP_LAB_DIR to a larger disk`);
    }
    throw err;
  }
}

async function configureImage(root: string): Promise<void> {
  await inRoot(root, ['systemctl', 'disable', ...DISABLED_SERVICES.map((s) => `${s}.service`)]);
  // The normal user the runbooks run as, with passwordless sudo like the articles assume.
  await inRoot(root, ['useradd', '-m', '-s', '/bin/bash', '-G', 'sudo,adm,systemd-journal', 'lockstep']);
  writeFileSync(join(root, 'etc/sudoers.d/lockstep'), 'lockstep ALL=(ALL:ALL) NOPASSWD: ALL\n', { mode: 0o440 });
  writeFileSync(join(root, 'etc/ssh/sshd_config.d/lockstep-lab.conf'),
    'PasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\nUseDNS no\n');
  // Each node generates its own host keys at first boot; the image carries none.
  await run('sh', ['-c', `rm -f ${root}/etc/ssh/ssh_host_*`]);
  writeFileSync(join(root, 'etc/systemd/system/lockstep-hostkeys.service'), [
    '[Unit]',
    'Description=Generate this lab node\'s own SSH host keys',
    'Before=ssh.service',
    'ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key',
    '',
    '[Service]',
    'Type=oneshot',
    'ExecStart=/usr/bin/ssh-keygen -A',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n'));
  const wants = join(root, 'etc/systemd/system/multi-user.target.wants');
  mkdirSync(wants, { recursive: true });
  if (!existsSync(join(wants, 'lockstep-hostkeys.service'))) {
    symlinkSync('/etc/systemd/system/lockstep-hostkeys.service', join(wants, 'lockstep-hostkeys.service'));
  }
  // An empty machine-id: every node gets its own at first boot.
  writeFileSync(join(root, 'etc/machine-id'), '');
  rmSync(join(root, 'var/lib/dbus/machine-id'), { force: true });
  rmSync(join(root, 'usr/sbin/policy-rc.d'), { force: true });
  await run('sh', ['-c', `rm -rf ${root}/var/lib/apt/lists/* ${root}/var/cache/apt/archives/*.deb`]);
  chmodSync(join(root, 'etc/sudoers.d/lockstep'), 0o440);
}
