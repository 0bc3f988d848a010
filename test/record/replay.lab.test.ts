// Issue 9 on real nodes: a session on the lab's controllers over SSH is recorded, and the
// recording rebuilds every node's screen, before each step, exactly as the live store showed it
// (colours, cursor, a full-screen program's alternate screen, per-node output).
import { describe, expect, it } from 'vitest';
import { loadInventory, type Inventory } from '../../src/inventory/index.js';
import { connectSsh } from '../../src/transport/index.js';
import { plan, step } from '../engine/plan-builder.js';
import { cfg } from '../lab/helpers/lab.js';
import { expectReplayMatches, recordWithLiveScreens } from './screens-check.js';

const CONTROLLERS = ['controller0', 'controller1', 'controller2'];

describe('replay of a recorded lab session', () => {
  it("rebuilds every controller's screen before each step exactly as it was live", async () => {
    const parsed = loadInventory(cfg().inventoryFile);
    const inv = parsed.value as Inventory;
    const size = { cols: 80, rows: 16 };
    const p = plan([
      step('who', [{ kind: 'run', nodes: CONTROLLERS, script: 'HOST=$(hostname); printf "\\033[1;33m%s\\033[0m on %s\\n" "$(id -un)" "$HOST"; ip -4 -o addr show scope global | awk \'{print $4}\'' }], 'Who and where'),
      step('fullscreen', [{ kind: 'run', nodes: CONTROLLERS, script: 'printf "\\033[?1049h\\033[2J\\033[5;10Hfull screen on %s" "$HOST"; sleep 0.3; printf "\\033[?1049l"; echo "back from full screen on $HOST"' }], 'Alternate screen'),
      step('gate', [{ kind: 'verify', nodes: CONTROLLERS, script: 'test -n "$HOST" && echo "gate ok on $HOST"' }], 'Gate'),
    ], CONTROLLERS);
    const run = await recordWithLiveScreens(
      p,
      async (name) => connectSsh(inv.nodes.find((n) => n.name === name)!, { knownHostsFile: inv.knownHosts, agent: null, paneAsRoot: true, ...size }),
      size,
    );
    expect(run.end).toBe('completed');
    expect(run.captures).toHaveLength(3);
    // The live screens are the nodes' own: each names itself and its address.
    for (const n of CONTROLLERS) {
      const address = inv.nodes.find((x) => x.name === n)!.address!;
      expect(run.captures[1]!.screens.get(n)).toContain(`root on ${n}`);
      expect(run.captures[1]!.screens.get(n)).toContain(address);
      expect(run.captures[2]!.screens.get(n)).toContain(`back from full screen on ${n}`);
      // The alternate screen (its line at row 5, column 10) is gone again.
      expect(run.captures[2]!.screens.get(n)!.split('\n').some((l) => /^ {9}full screen on/.test(l))).toBe(false);
    }
    await expectReplayMatches(run, size);
  }, 90_000);
});
