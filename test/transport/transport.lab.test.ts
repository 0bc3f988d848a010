// The transports against the practice lab's real Debian nodes: the inventory the lab writes,
// its known_hosts, the lab user with sudo, all nodes at once, and a node whose connection dies.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadInventory, type Inventory } from '../../src/inventory/index.js';
import { connectNode, connectSsh, HostKeyError, type PaneSession, type SshSession } from '../../src/transport/index.js';
import type { EventBody } from '../../src/state/events.js';
import { cfg } from '../lab/helpers/lab.js';

let inv: Inventory;
let sessions: SshSession[] = [];

beforeAll(async () => {
  const parsed = loadInventory(cfg().inventoryFile);
  if (!parsed.value) throw new Error(`lab inventory: ${JSON.stringify(parsed.diagnostics)}`);
  // The lab's SSH nodes (the inventory also names the local workstation, which has no address).
  inv = { ...parsed.value, nodes: parsed.value.nodes.filter((n) => n.address) };
  sessions = await Promise.all(
    inv.nodes.map((n) => connectSsh(n, { knownHostsFile: inv.knownHosts, agent: null, paneAsRoot: true })),
  );
});
afterAll(async () => {
  await Promise.all(sessions.map((s) => s.close()));
});

describe('lab nodes over SSH', () => {
  test('every node is verified against the lab known_hosts and runs blocks as root, with state kept', async () => {
    expect(sessions.map((s) => s.node)).toEqual(inv.nodes.map((n) => n.name));
    for (const s of sessions) expect(s.hostKeys[0]).toMatchObject({ status: 'known', knownHosts: inv.knownHosts });
    const first = await Promise.all(sessions.map((s) => s.runScript('who', 'NODE=$(hostname); id -un; cd /etc')));
    expect(first.map((r) => r.output)).toEqual(sessions.map(() => 'root\n'));
    const second = await Promise.all(sessions.map((s) => s.runScript('state', 'echo "$NODE $PWD"')));
    expect(second.map((r) => r.output)).toEqual(inv.nodes.map((n) => `${n.name} /etc\n`));
  });

  test('a trivial block on all nodes is fast (persistent sessions)', async () => {
    await Promise.all(sessions.map((s) => s.runScript('warm', 'true')));
    const t0 = performance.now();
    const rounds = 10;
    for (let i = 0; i < rounds; i++) await Promise.all(sessions.map((s) => s.runScript('trivial', 'true')));
    const perStep = (performance.now() - t0) / rounds;
    // Generous bound for a loaded CI machine; the benchmark measures it properly.
    expect(perStep).toBeLessThan(200);
  });

  test('files are written as root with mode and owner, and restored', async () => {
    const s = sessions[0]!;
    const path = '/etc/lockstep-transport-test/demo.conf';
    await s.writeFileAtomic(path, Buffer.from('demo\n'), { mode: 0o640, owner: 'root:lockstep' });
    expect(await s.statFile(path)).toEqual({ mode: 0o640, owner: 'root:lockstep' });
    expect((await s.readFile(path))?.toString()).toBe('demo\n');
    await s.removeFile(path);
    expect(await s.readFile(path)).toBeNull();
    await s.exec('sudo -n rmdir /etc/lockstep-transport-test');
  });

  test('a changed host key is refused and names the node, fingerprint and known_hosts line', async () => {
    // controller0's entry carrying controller1's key, as after a forged or rebuilt node.
    const lines = readFileSync(inv.knownHosts!, 'utf8').trim().split('\n');
    const i0 = lines.findIndex((l) => l.startsWith('controller0,'));
    const k1 = lines.find((l) => l.startsWith('controller1,'))!.split(' ');
    lines[i0] = `${lines[i0]!.split(' ')[0]} ${k1[1]} ${k1[2]}`;
    const dir = mkdtempSync(join(tmpdir(), 'lockstep-lab-kh-'));
    const forged = join(dir, 'known_hosts');
    writeFileSync(forged, lines.join('\n') + '\n');
    const events: EventBody[] = [];
    const node = inv.nodes.find((n) => n.name === 'controller0')!;
    const err = await connectNode(node, { knownHostsFile: forged, agent: null, acceptNewHostKeys: true }, { emit: (e) => events.push(e) }).then(
      (s: PaneSession) => s.close().then(() => null),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HostKeyError);
    expect((err as Error).message).toContain('controller0');
    expect((err as Error).message).toContain(`${forged}:${i0 + 1}`);
    expect(events).toEqual([expect.objectContaining({ type: 'hostkey.unknown', node: 'controller0', changed: true, line: i0 + 1 })]);
    expect((err as HostKeyError).facts.fingerprint).toMatch(/^SHA256:/);
    rmSync(dir, { recursive: true, force: true });
  });

  test("a node whose sshd connection is killed is lost within seconds; the others finish", async () => {
    const victim = await connectSsh(inv.nodes[1]!, { knownHostsFile: inv.knownHosts, agent: null });
    const closed = new Promise<{ lost: boolean; reason: string }>((r) => victim.onClose(r));
    const pending = victim.runScript('long', 'sleep 60');
    const others = Promise.all([sessions[0]!, sessions[2]!].map((s) => s.runScript('others', 'sleep 1; echo fine')));
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    // Kill this connection's sshd from inside the node (the exec shell's parent is it).
    void victim.exec('kill -9 $PPID').catch(() => undefined);
    expect((await closed).lost).toBe(true);
    expect((await pending).exitCode).toBeNull();
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(await others).toEqual([0, 0].map(() => ({ exitCode: 0, output: 'fine\n', timedOut: false, interrupted: false })));
  });
});
