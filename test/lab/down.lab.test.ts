// `lab down` removes everything the lab made and nothing else, also after a crash that lost
// the state file; `lab up` then brings it back (so later test files still have a lab).
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { rmSync, existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { cfg, lockstep, lockstepAsync } from './helpers/lab.js';

function leftovers() {
  const c = cfg();
  const netns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith(c.netnsPrefix));
  const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).split('\n')
    .filter((l) => l.includes(`: ${c.bridge}:`) || new RegExp(`: ${c.vethPrefix}\\d+[@:]`).test(l));
  const mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n').filter((l) => l.includes(c.nodesDir));
  const procs = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes('systemd-nspawn') && l.includes(c.nodesDir));
  return { netns, links, mounts, procs };
}

const NOTHING = { netns: [], links: [], mounts: [], procs: [] };

describe('lab down', () => {
  afterAll(async () => {
    await lockstepAsync(['lab', 'up']);
  });

  it('leaves no namespace, bridge, veth, mount or node process behind', () => {
    expect(leftovers().procs.length).toBeGreaterThan(0);
    // Something of the host's own that must survive: the loopback and the default route.
    const routesBefore = execFileSync('ip', ['route', 'show', 'default'], { encoding: 'utf8' });
    const r = lockstep(['lab', 'down']);
    expect(r.code, r.stderr).toBe(0);
    expect(leftovers()).toEqual(NOTHING);
    expect(existsSync(cfg().stateFile)).toBe(false);
    expect(execFileSync('ip', ['route', 'show', 'default'], { encoding: 'utf8' })).toBe(routesBefore);
    // The image and key pair are kept for a fast next `up`.
    expect(existsSync(cfg().imageDir)).toBe(true);
    const s = JSON.parse(lockstep(['lab', 'status', '--json']).stdout);
    expect(s.up).toBe(false);
    expect(s.nodes.every((n: { state: string }) => n.state === 'stopped')).toBe(true);
  });

  it('cleans up after a crash that lost the state file', async () => {
    // (Once seen exiting 3 under load: a node's /run/nologin kept the lab user out while it
    // booted; `lab up` now waits for that and says so.)
    const up = await lockstepAsync(['lab', 'up']);
    expect(up.code, up.stderr).toBe(0);
    rmSync(cfg().stateFile);
    const r = lockstep(['lab', 'down']);
    expect(r.code, r.stderr).toBe(0);
    expect(leftovers()).toEqual(NOTHING);
  });

  it('down on a lab that is already down is a no-op', () => {
    const r = lockstep(['lab', 'down']);
    expect(r.code).toBe(0);
    expect(leftovers()).toEqual(NOTHING);
  });
});
