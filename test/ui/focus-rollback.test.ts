// The focused step follows the engine's wait (step list arrow, explanation), `u` rolls back
// the last step that ran when the focused one has not run, and production asks before writing
// as soon as the engine waits (its diffs came first).
import { afterEach, describe, expect, it } from 'vitest';
import { stripVTControlCharacters } from 'node:util';
import type { EventBody } from '../../src/state/index.js';
import { demoOpening, demoStep, stamp } from '../../src/ui/demo/script.js';
import { renderApp, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(() => {
  h?.unmount();
  h = undefined;
});
const plain = (s: string): string => stripVTControlCharacters(s);
const rowOf = (frame: string, title: string): string => plain(frame).split('\n').find((l) => l.includes(title)) ?? '';
/** As the engine does it: step 1 ran and passed; step 2's diffs, then the wait to run it. */
const waitingOnUnit = (reason: 'approval' | 'gate' = 'approval'): EventBody[] => [
  ...demoStep(0),
  ...['controller-0', 'controller-1', 'controller-2'].map(
    (node): EventBody => ({ type: 'file.diff', step: 'etcd/unit', block: 'etcd/unit/file', node, path: '/etc/etcd.conf', existed: true, diff: '-a\n+b\n', changed: true, preview: true }),
  ),
  { type: 'engine.waiting', reason, step: 'etcd/unit' },
];

describe('focus and rollback target', () => {
  it('marks the step the engine waits on with the arrow and explains it (after --from, nothing ran)', async () => {
    h = renderApp({ mode: 'learn', cols: 160 });
    await h.feed(stamp([...demoOpening(), { type: 'engine.waiting', reason: 'approval', step: 'etcd/verify' }]));
    const f = await h.waitFor((x) => plain(x).includes('etcdctl member list'));
    expect(rowOf(f, 'Verify etcd members')).toMatch(/→○ Verify etcd members/);
    expect(rowOf(f, 'Download etcd')).not.toContain('→');
    // the explanation is the waited-on step's, not the first step's
    expect(plain(f)).not.toContain('the tarball goes to /tmp');
  });

  it('moves the arrow off the last step that ran to the step waiting for approval', async () => {
    h = renderApp({ mode: 'learn', cols: 160 });
    await h.feed(stamp([...demoOpening(), ...waitingOnUnit()]));
    const f = await h.waitFor((x) => plain(x).includes('Waiting for approval'));
    expect(rowOf(f, 'Write the etcd unit')).toMatch(/→○ Write the etcd unit/);
    expect(rowOf(f, 'Download etcd')).toMatch(/^ ✓ Download etcd/);
  });

  it('u while waiting on a step that has not run rolls back the last step that ran, and says which', async () => {
    h = renderApp({ cols: 160 });
    await h.feed(stamp([...demoOpening(), ...waitingOnUnit()]));
    await h.waitFor((x) => plain(x).includes('Waiting for approval'));
    await h.key('u');
    expect(plain(await h.waitFor('[y/n]'))).toContain('Roll back "Download etcd" (the last step that ran) on 3 node(s)?');
    await h.key('y');
    expect(h.intents).toContainEqual({ kind: 'rollback', toStep: 'etcd/download' });
  });

  it('u after a failed step rolls that step back, named plainly', async () => {
    h = renderApp({ cols: 160 });
    await h.feed(stamp([...demoOpening(), ...demoStep(0), { type: 'engine.waiting', reason: 'approval', step: 'etcd/unit' }, { type: 'step.started', step: 'etcd/unit' }, { type: 'step.finished', step: 'etcd/unit', status: 'failed' }, { type: 'engine.waiting', reason: 'failed', step: 'etcd/unit' }]));
    await h.waitFor((x) => plain(x).includes('Step failed'));
    await h.key('u');
    expect(plain(await h.waitFor('[y/n]'))).toContain('Roll back "Write the etcd unit" on 3 node(s)?');
  });

  it('u with nothing run yet asks nothing', async () => {
    h = renderApp({ cols: 160 });
    await h.feed(stamp([...demoOpening(), { type: 'engine.waiting', reason: 'approval', step: 'etcd/download' }]));
    await h.waitFor((x) => plain(x).includes('Waiting for approval'));
    await h.key('u');
    await h.key('?');
    await h.waitFor('Keys ');
    expect(plain(h.frame())).not.toContain('[y/n]');
    expect(h.intents.some((i) => i.kind === 'rollback')).toBe(false);
  });
});

describe('production: the write question right when the engine waits', () => {
  it('n at once asks before overwriting (approval)', async () => {
    h = renderApp({ mode: 'production', cols: 160 });
    // no frame awaited: the key goes in as soon as the events are folded
    for (const e of stamp([...demoOpening(), ...waitingOnUnit('approval')])) h.session.ingest(e);
    await h.key('n');
    expect(plain(await h.waitFor('[y/n]'))).toContain('Write 3 changed file(s) for etcd/unit?');
    expect(h.intents.some((i) => i.kind === 'approve' || i.kind === 'next')).toBe(false);
  });

  it('n asks too when run-to-gate stopped before a step that writes files', async () => {
    h = renderApp({ mode: 'production', cols: 160 });
    await h.feed(stamp([...demoOpening(), ...waitingOnUnit('gate')]));
    await h.key('n');
    expect(plain(await h.waitFor('[y/n]'))).toContain('Write 3 changed file(s) for etcd/unit?');
    await h.key('y');
    expect(h.intents).toContainEqual({ kind: 'approve', step: 'etcd/unit' });
  });
});

describe('production: n while a step runs approves nothing ahead', () => {
  /** Step 1 approved and running. */
  const running = (): EventBody[] => [
    { type: 'engine.waiting', reason: 'approval', step: 'etcd/download' },
    { type: 'operator.intent', intent: { kind: 'approve', step: 'etcd/download' } },
    { type: 'step.started', step: 'etcd/download' },
  ];

  it('production: sends no next, says the next step will wait for approval', async () => {
    h = renderApp({ mode: 'production', cols: 160 });
    await h.feed(stamp([...demoOpening(), ...running()]));
    await h.key('n');
    await h.waitFor((x) => plain(x).includes('A step is running: the next step will wait'));
    await h.key('n');
    expect(h.intents.some((i) => i.kind === 'next' || i.kind === 'approve')).toBe(false);
  });

  it('learning: n while a step runs still queues the next step', async () => {
    h = renderApp({ mode: 'learn', cols: 160 });
    await h.feed(stamp([...demoOpening(), ...running()]));
    await h.key('n');
    expect(h.intents).toContainEqual({ kind: 'next' });
  });

  it('production: g before a step that writes files asks the write question first', async () => {
    h = renderApp({ mode: 'production', cols: 160 });
    await h.feed(stamp([...demoOpening(), ...waitingOnUnit('approval')]));
    await h.key('g');
    expect(plain(await h.waitFor('[y/n]'))).toContain('Write 3 changed file(s) for etcd/unit?');
    expect(h.intents.some((i) => i.kind === 'run-to-gate')).toBe(false);
    await h.key('y');
    expect(h.intents).toContainEqual({ kind: 'approve', step: 'etcd/unit' });
  });
});
