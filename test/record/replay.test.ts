import { describe, expect, it } from 'vitest';
import type { Node } from '../../src/inventory/types.js';
import { readRecording } from '../../src/record/index.js';
import { buildReplayIndex, findStepSpan, indexAtTime, nextMark, stateAt } from '../../src/record/replay-index.js';
import { openReplay } from '../../src/record/replay-source.js';
import { screensAt, storeAt } from '../../src/record/screens.js';
import { atSpeed, capIdle, clampSpeed } from '../../src/record/timeline.js';
import { initialSessionState, reduceAll } from '../../src/state/index.js';
import { connectLocal } from '../../src/transport/index.js';
import * as replayCli from '../../src/cli/replay.js';
import { runCommand } from '../cli/cli-harness.js';
import { plan, step } from '../engine/plan-builder.js';
import { syntheticSession } from './synthetic-session.js';
import { expectReplayMatches, recordWithLiveScreens } from './screens-check.js';

const localNode = (name: string): Node => ({ name, transport: 'local', port: 0, groups: ['all'], vars: {}, pos: { file: 'inv.yaml', line: 1, column: 1 } });

describe('timeline transforms', () => {
  it('caps idle gaps and scales time, keeping order', () => {
    const ev = [{ t: 0 }, { t: 100 }, { t: 60_100 }, { t: 60_150 }];
    expect(capIdle(ev, 1000).map((e) => e.t)).toEqual([0, 100, 1100, 1150]);
    expect(capIdle(ev, 0).map((e) => e.t)).toEqual([0, 100, 60_100, 60_150]);
    expect(atSpeed(ev, 4).map((e) => e.t)).toEqual([0, 25, 15_025, 15_037.5]);
    expect(atSpeed(ev, 100).at(-1)!.t).toBe(60_150 / 16);
    expect([clampSpeed(0.1), clampSpeed(3), clampSpeed(NaN)]).toEqual([0.5, 3, 1]);
  });
});

describe('replay index', () => {
  const events = syntheticSession();
  const index = buildReplayIndex(events, 7);

  it('knows every step run, gate, failure and decision', () => {
    const configure = findStepSpan(index, 2)!;
    expect(configure.id).toBe('etcd/configure');
    expect(configure.starts).toHaveLength(2);
    expect(findStepSpan(index, 'start')?.number).toBe(3);
    expect(index.marks.filter((m) => m.kind === 'failure').map((m) => m.label)).toEqual(['gate etcd/configure/verify-2 failed on n1: exit code 1', 'etcd/configure failed: gate failed on n1']);
    expect(nextMark(index, 'decision', configure.starts[0]!)?.label).toBe('retry');
    expect(indexAtTime(index, 0)).toBe(0);
    expect(indexAtTime(index, events[9]!.t)).toBe(10);
    expect(indexAtTime(index, Infinity)).toBe(events.length);
  });

  it('gives the same state from checkpoints as folding from the start', () => {
    for (const n of [0, 1, 6, 7, 8, 30, events.length]) expect(stateAt(index, events, n)).toEqual(reduceAll(initialSessionState(), events.slice(0, n)));
  });
});

describe('replay screens', () => {
  it("rebuild every node's screen at the end of each step exactly as the live store showed it", async () => {
    const size = { cols: 60, rows: 12 };
    const p = plan([
      step('colors', [{ kind: 'run', script: (n) => `export GREETING=hello-${n}; printf '\\033[1;32m%s\\033[0m ok\\n' "$GREETING"; seq 1 5` }], 'Colours'),
      step('vars', [{ kind: 'run', script: 'echo "still $GREETING"; printf "\\033[2J\\033[Hcleared at top\\n"' }], 'Shell variables persist'),
      step('gate', [{ kind: 'verify', script: 'test -n "$GREETING" && echo gate-ok' }], 'Gate'),
    ]);
    const run = await recordWithLiveScreens(p, async (name) => connectLocal(localNode(name), size), size);
    const { file, captures } = run;
    expect(run.end).toBe('completed');
    expect(captures).toHaveLength(3); // before steps 1, 2 and 3
    await expectReplayMatches(run, size);
    const rec = readRecording(file);
    // And the screens are what the steps printed: step 2 cleared and printed its line on top.
    const afterVars = await screensAt(rec.events, captures[2]!.count);
    expect(afterVars.get('n1')).toMatch(/^cleared at top/);
    expect(captures[1]!.styled).toContain('"text":"hello-n0","fg":"green","bold":true');
    expect(captures[1]!.screens.get('n2')).toMatch(/hello-n2 ok\n1\n2\n3\n4\n5\n/);

    // The CLI prints the same screens at the end of step 2.
    const cli = await runCommand(replayCli, ['replay', file, '--to-step', '2', '--screens']);
    expect(cli.exitCode).toBe(0);
    expect(cli.stdout).toContain('at the end of step 2: Shell variables persist');
    expect(cli.stdout).toMatch(/ 2\. passed +Shell variables persist/);
    expect(cli.stdout).toMatch(/── n1 \(60x12\) ─+\ncleared at top/);
    await expect(runCommand(replayCli, ['replay', file, '--to-step', '9', '--screens'])).rejects.toThrow(/--to-step 9: no such step in .*rec\.jsonl; steps are: 1 rb\/colors, 2 rb\/vars, 3 rb\/gate/);
  }, 60_000);
});

describe('replay controller', () => {
  const events = syntheticSession();

  it('plays to the end at high speed with idle time capped, feeding the store and subscribers', async () => {
    const replay = openReplay(events, { speed: 16, idleLimitMs: 100, cols: 40, rows: 6 });
    const seen: string[] = [];
    replay.subscribe((e) => seen.push(e.type));
    const done = new Promise<void>((resolve) => replay.onStatus((s) => s.ended && !s.playing && resolve()));
    const started = Date.now();
    replay.play();
    await done;
    // 78 s recorded, ~0.25 s gaps at x16 and the minute-long pause capped: about 1 s.
    expect(Date.now() - started).toBeLessThan(5000);
    expect(seen).toHaveLength(events.length);
    expect(replay.store.state.getState().ended).toBe('aborted');
    replay.dispose();
  });

  it('seeks back and forth and jumps to steps, gates, failures and decisions', async () => {
    const replay = openReplay(events, { cols: 40, rows: 6 });
    const screenOf = async (n: number) => {
      const s = await storeAt(events, n, { cols: 40, rows: 6 });
      const text = s.panes.get('n1').text();
      s.dispose();
      return text;
    };
    await replay.jumpTo({ step: 3, at: 'end' });
    const endOf3 = findStepSpan(replay.index, 3)!.ends.at(-1)!;
    expect(replay.status().position).toBe(endOf3);
    expect(replay.store.panes.get('n1').text()).toBe(await screenOf(endOf3));
    // Backward: a new store, same screens and state as a fresh fold.
    let swapped = 0;
    replay.onStore(() => swapped++);
    expect(await replay.jumpTo({ step: 2 })).toBe(true);
    expect(swapped).toBe(1);
    const start2 = findStepSpan(replay.index, 2)!.starts[0]!;
    expect(replay.status().position).toBe(start2);
    expect(replay.store.state.getState()).toEqual(reduceAll(initialSessionState(), events.slice(0, start2)));
    expect(replay.store.panes.get('n1').text()).toBe(await screenOf(start2));
    // Next step from the start of step 2 is step 2's second run (a retry), then step 3.
    expect(await replay.jumpTo({ next: 'step' })).toBe(true);
    expect(replay.status().position).toBe(findStepSpan(replay.index, 2)!.starts[1]);
    expect(await replay.jumpTo({ next: 'step' })).toBe(true);
    expect(replay.status().position).toBe(findStepSpan(replay.index, 3)!.starts[0]);
    await replay.jumpTo({ step: 2 });
    expect(await replay.jumpTo({ next: 'failure' })).toBe(true);
    expect(replay.store.state.getState().steps[1]!.gates.n1?.['etcd/configure/verify-2']?.state).toBe('failed');
    expect(await replay.jumpTo({ next: 'decision' })).toBe(true);
    expect(events[replay.status().position - 1]).toMatchObject({ type: 'operator.intent', intent: { kind: 'retry' } });
    await replay.seek(events.at(-1)!.t);
    expect(replay.status().ended).toBe(true);
    expect(await replay.jumpTo({ next: 'gate' })).toBe(false);
    replay.dispose();
  });
});
