// Clear errors when a prerequisite is missing: no stack traces, and what to do.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function lockstepAs(args: string[], opts: { uid?: number; env?: NodeJS.ProcessEnv }) {
  const r = spawnSync(process.execPath, ['bin/lockstep.js', ...args], { encoding: 'utf8', ...opts, env: { ...process.env, ...opts.env } });
  return { code: r.status ?? -1, stderr: r.stderr };
}

describe('lab prerequisites', () => {
  it('refuses to run as a normal user and says to use sudo', () => {
    const r = lockstepAs(['lab', 'up'], { uid: 65534, env: { LOCKSTEP_LAB_DIR: mkdtempSync(join(tmpdir(), 'lockstep-nobody-')) } });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/needs root.*sudo/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('names the missing command and the Debian package when systemd-nspawn is not on PATH', () => {
    const r = lockstepAs(['lab', 'up'], { env: { PATH: '/nonexistent', LOCKSTEP_LAB_DIR: mkdtempSync(join(tmpdir(), 'lockstep-nopath-')) } });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/systemd-nspawn \(Debian package systemd-container\)/);
  });

  it('refuses a subnet that is not a /24 with what to set instead', () => {
    const r = lockstepAs(['lab', 'status'], { env: { LOCKSTEP_LAB_SUBNET: '10.0.0.0/8' } });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/LOCKSTEP_LAB_SUBNET=10\.0\.0\.0\/8 is not a \/24/);
  });
});

describe('lab prerequisites: disk space', () => {
  it('says how much space is needed when the lab directory is on a nearly full disk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockstep-small-'));
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'lockstep-test-small', dir]).status).toBe(0);
    try {
      // No image there yet: it would be built on that disk.
      const r = lockstepAs(['lab', 'up'], { env: { LOCKSTEP_LAB_DIR: join(dir, 'lab'), LOCKSTEP_LAB_IMAGE_DIR: '' } });
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/only \d+ MB free in .*lab, the lab needs 1500 MB; free some disk space or set LOCKSTEP_LAB_DIR/);
    } finally {
      spawnSync('umount', [dir]);
    }
  });
});
