// The engine shows a step's file diffs before it says it waits for approval (so a view that
// sees the wait already knows what will be overwritten), and a failed gate's reason ends with
// the last line the check printed, redacted.
import { describe, expect, it } from 'vitest';
import type { EngineOptions } from '../../src/engine/index.js';
import { REDACTED } from '../../src/record/redact.js';
import type { LockstepEvent } from '../../src/state/events.js';
import { engineOver, MemorySession, type ScriptHandler } from './memory-session.js';
import { NODES, plan, step } from './plan-builder.js';
import { of, waitFor } from './engine-events.js';

/** Sessions whose file reads take `readMs`, like a real node's side channel. */
function setup(opts: Omit<EngineOptions, 'connect'>, handler: ScriptHandler = () => ({}), readMs = 0) {
  const sessions = new Map(
    NODES.map((n) => {
      const s = new MemorySession(n, handler);
      const read = s.readFile.bind(s);
      s.readFile = async (path: string) => {
        await new Promise((r) => setTimeout(r, readMs));
        return read(path);
      };
      return [n, s] as const;
    }),
  );
  return engineOver(sessions, opts);
}

describe('file diffs before the wait for approval', () => {
  it('emits every node\'s preview diff before engine.waiting, even when reads are slow; writes only after approval', async () => {
    const p = plan([
      step('hello', [{ kind: 'run', script: 'echo hi' }]),
      step('conf', [{ kind: 'file', path: '/etc/app.conf', content: (n) => `name = ${n}\n` }]),
    ]);
    const { engine, sessions, events } = setup({ plan: p }, () => ({}), 150);
    sessions.get('n0')!.files.set('/etc/app.conf', { content: Buffer.from('name = old\n'), mode: 0o644, owner: 'root:root' });
    sessions.get('n1')!.files.set('/etc/app.conf', { content: Buffer.from('name = n1\n'), mode: 0o644, owner: 'root:root' });
    const done = engine.run();
    await waitFor(engine, (e) => e.type === 'engine.waiting' && e.step === 'rb/hello');
    engine.dispatch({ kind: 'next' });
    // The moment the engine says it waits on the file step, the diffs are already there.
    let atWait: LockstepEvent[] = [];
    const off = engine.subscribe((e) => {
      if (e.type === 'engine.waiting' && e.step === 'rb/conf') atWait = [...events];
    });
    await waitFor(engine, (e) => e.type === 'engine.waiting' && e.step === 'rb/conf');
    off();
    const previews = of(atWait, 'file.diff').filter((d) => d.step === 'rb/conf');
    expect(previews.map((d) => [d.node, d.preview, d.existed, d.changed])).toEqual(
      expect.arrayContaining([
        ['n0', true, true, true],
        ['n1', true, true, false],
        ['n2', true, false, true],
      ]),
    );
    expect(previews).toHaveLength(3);
    expect(previews.find((d) => d.node === 'n0')?.diff).toContain('-name = old\n+name = n0');
    expect(of(atWait, 'file.written')).toEqual([]);
    expect(of(atWait, 'step.started').map((e) => e.step)).toEqual(['rb/hello']);
    expect(sessions.get('n2')!.files.has('/etc/app.conf')).toBe(false);

    engine.dispatch({ kind: 'approve', step: 'rb/conf' });
    await waitFor(engine, (e) => e.type === 'step.finished' && e.step === 'rb/conf');
    engine.dispatch({ kind: 'quit' });
    await done;
    // When it writes, the engine diffs again (not a preview) and says what it wrote.
    const written = of(events, 'file.diff').filter((d) => d.step === 'rb/conf' && !d.preview);
    expect(written).toHaveLength(3);
    expect(of(events, 'file.written').map((e) => e.node).sort()).toEqual(['n0', 'n2']);
    expect(sessions.get('n2')!.files.get('/etc/app.conf')?.content.toString()).toBe('name = n2\n');
  });

  it('does not preview steps without file blocks, nor with --yes (nobody is asked)', async () => {
    const p = plan([step('conf', [{ kind: 'file', path: '/etc/x', content: 'x' }]), step('run', [{ kind: 'run', script: 'true' }])]);
    const { engine, events } = setup({ plan: p, autoApprove: true });
    expect(await engine.run()).toBe('completed');
    expect(of(events, 'file.diff').some((d) => d.preview)).toBe(false);
    expect(of(events, 'file.diff')).toHaveLength(3);
  });

  it('a quit while previewing ends the session without waiting for the reads', async () => {
    const p = plan([step('conf', [{ kind: 'file', path: '/etc/x', content: 'x' }])]);
    const { engine, events } = setup({ plan: p }, () => ({}), 60_000);
    const done = engine.run();
    await waitFor(engine, (e) => e.type === 'node.connected');
    await new Promise((r) => setTimeout(r, 20));
    engine.dispatch({ kind: 'quit' });
    expect(await done).toBe('aborted');
    expect(of(events, 'engine.waiting')).toEqual([]);
    expect(of(events, 'file.written')).toEqual([]);
  });
});

describe('a failed gate says what the check printed last', () => {
  it('adds the last non-empty line, trimmed, to the reason', async () => {
    const p = plan([step('ready', [{ kind: 'verify', script: 'test -e /flag', retries: 1, intervalMs: 1 }])]);
    const { engine, events } = setup({ plan: p, autoApprove: true }, ({ node }) =>
      node === 'n2' ? { exitCode: 1, output: 'checking\r\n  \x1b[31mno ready flag on n2\x1b[0m  \r\n\r\n' } : { output: '' },
    );
    expect(await engine.run()).toBe('failed');
    const failed = of(events, 'gate.result').filter((g) => !g.ok);
    expect(failed.map((g) => [g.node, g.reason])).toEqual([['n2', 'exit code 1 (after 2 attempts): no ready flag on n2']]);
    expect(of(events, 'step.finished')[0]?.reason).toContain('n2: exit code 1 (after 2 attempts): no ready flag on n2');
  });

  it('never puts a secret or a private key in the reason', async () => {
    const p = plan([step('login', [{ kind: 'verify', script: 'login', nodes: ['n0', 'n1'] }])], NODES, ['hunter2-token']);
    const { engine, events } = setup({ plan: p, autoApprove: true }, ({ node }) =>
      node === 'n0'
        ? { exitCode: 1, output: 'denied for token hunter2-token\n' }
        : { exitCode: 1, output: '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n' },
    );
    expect(await engine.run()).toBe('failed');
    const reasons = Object.fromEntries(of(events, 'gate.result').map((g) => [g.node, g.reason ?? '']));
    expect(reasons.n0).toBe(`exit code 1: denied for token ${REDACTED}`);
    expect(reasons.n1).not.toContain('MIIEvQIBADANBgkqhkiG9w0BAQEFAASC');
    expect(reasons.n1).toMatch(/^exit code 1/);
  });

  it('leaves the reason alone when the check printed nothing', async () => {
    const p = plan([step('quiet', [{ kind: 'verify', script: 'false', nodes: ['n0'] }])]);
    const { engine, events } = setup({ plan: p, autoApprove: true }, () => ({ exitCode: 1, output: '\r\n' }));
    expect(await engine.run()).toBe('failed');
    expect(of(events, 'gate.result')[0]?.reason).toBe('exit code 1');
  });
});
