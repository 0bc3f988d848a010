// The engine's logic, driven by in-memory sessions.
import { describe, expect, it } from 'vitest';
import { createEngine, type EngineOptions } from '../../src/engine/index.js';
import type { LockstepEvent } from '../../src/state/events.js';
import { engineOver, MemorySession, type ScriptHandler } from './memory-session.js';
import { NODES, plan, step } from './plan-builder.js';
import { of, waitFor } from './engine-events.js';

function setup(opts: Omit<EngineOptions, 'connect'>, handler: ScriptHandler = () => ({})) {
  return engineOver(new Map(NODES.map((n) => [n, new MemorySession(n, handler)])), opts);
}

describe('engine', () => {
  it('runs every step on every node with --yes and ends completed', async () => {
    const p = plan([step('one', [{ kind: 'run', script: 'echo one' }]), step('two', [{ kind: 'run', script: 'echo two' }, { kind: 'verify', script: 'true' }])]);
    const { engine, sessions, events } = setup({ plan: p, autoApprove: true });
    expect(await engine.run()).toBe('completed');
    for (const s of sessions.values()) expect(s.scripts.map((x) => x.script)).toEqual(['echo one', 'echo two', 'true']);
    expect(of(events, 'step.finished').map((e) => [e.step, e.status])).toEqual([
      ['rb/one', 'passed'],
      ['rb/two', 'passed'],
    ]);
    expect(of(events, 'gate.result').every((g) => g.ok)).toBe(true);
    expect(events[0]?.type).toBe('session.started');
    expect(events.at(-1)).toMatchObject({ type: 'session.ended', status: 'completed' });
    expect(of(events, 'node.status').map((e) => e.status)).toEqual(['closed', 'closed', 'closed']);
  });

  it('stops at a gate that fails on one node and names the node, the exit code and the last lines', async () => {
    const p = plan([
      step('check', [{ kind: 'verify', script: 'systemctl is-active etcd', retries: 2, intervalMs: 5 }]),
      step('after', [{ kind: 'run', script: 'echo never' }]),
    ]);
    const { engine, sessions, events } = setup({ plan: p, autoApprove: true }, ({ node }) => (node === 'n1' ? { exitCode: 3, output: 'line1\r\ninactive\r\n' } : { output: 'active\r\n' }));
    expect(await engine.run()).toBe('failed');
    const failed = of(events, 'gate.result').filter((g) => !g.ok);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ node: 'n1', attempt: 3, exitCode: 3, tail: 'line1\ninactive' });
    expect(failed[0]?.reason).toBe('exit code 3 (after 3 attempts): inactive');
    const fin = of(events, 'step.finished');
    expect(fin).toHaveLength(1);
    expect(fin[0]?.reason).toContain('n1: exit code 3');
    expect(sessions.get('n0')?.scripts.map((s) => s.script)).not.toContain('echo never');
    expect(of(events, 'gate.attempt').filter((a) => a.node === 'n1').map((a) => a.attempt)).toEqual([1, 2, 3]);
  });

  it('retries a gate until its expected output appears', async () => {
    let calls = 0;
    const p = plan([step('wait', [{ kind: 'verify', script: 'curl', retries: 5, intervalMs: 1, expect: '^ok$', nodes: ['n0'] }])]);
    const { engine, events } = setup({ plan: p, autoApprove: true }, () => ({ output: ++calls < 3 ? 'starting\n' : 'ok\n' }));
    expect(await engine.run()).toBe('completed');
    expect(of(events, 'gate.result')).toMatchObject([{ node: 'n0', ok: true, attempt: 3 }]);
  });

  it('says which pattern was not matched', async () => {
    const p = plan([step('s', [{ kind: 'verify', script: 'x', expect: 'healthy', nodes: ['n0'] }])]);
    const { engine, events } = setup({ plan: p, autoApprove: true }, () => ({ output: 'unhealthy: no\n' }));
    // "unhealthy" contains "healthy": the pattern is a regex, so anchor it in real runbooks.
    expect(await engine.run()).toBe('completed');
    expect(of(events, 'gate.result')[0]?.ok).toBe(true);
    const p2 = plan([step('s', [{ kind: 'verify', script: 'x', expect: '^healthy', nodes: ['n0'] }])]);
    const r2 = setup({ plan: p2, autoApprove: true }, () => ({ output: 'unhealthy: no\n' }));
    expect(await r2.engine.run()).toBe('failed');
    expect(of(r2.events, 'gate.result')[0]?.reason).toBe('output did not match /^healthy/: unhealthy: no');
  });

  it('writes files with a diff and rolls back byte for byte, removing created files', async () => {
    const original = Buffer.from([0x61, 0x0d, 0x0a, 0xff, 0x00, 0x62]); // CRLF, invalid UTF-8, NUL
    const p = plan([
      step('write', [
        { kind: 'file', path: '/etc/existing.conf', content: (n) => `name=${n}\n`, mode: 0o640 },
        { kind: 'file', path: '/etc/new.conf', content: 'new\n' },
        { kind: 'rollback', script: 'systemctl daemon-reload' },
      ]),
    ]);
    const { engine, sessions, events } = setup({ plan: p });
    for (const s of sessions.values()) s.files.set('/etc/existing.conf', { content: original, mode: 0o600, owner: 'etcd:etcd' });
    const run = engine.run();
    await waitFor(engine, (e) => e.type === 'engine.waiting' && e.reason === 'approval');
    engine.dispatch({ kind: 'next' });
    await waitFor(engine, (e) => e.type === 'step.finished');
    const n1 = sessions.get('n1') as MemorySession;
    expect(n1.files.get('/etc/existing.conf')).toMatchObject({ content: Buffer.from('name=n1\n'), mode: 0o640 });
    expect(n1.files.get('/etc/new.conf')?.content.toString()).toBe('new\n');
    // The write's own diffs (the previews shown while it waited for approval come first).
    const diffs = of(events, 'file.diff').filter((d) => d.node === 'n1' && !d.preview);
    expect(diffs.map((d) => [d.path, d.existed, d.changed])).toEqual([
      ['/etc/existing.conf', true, true],
      ['/etc/new.conf', false, true],
    ]);
    expect(diffs[0]?.diff).toContain('Binary file');
    expect(diffs[1]?.diff).toContain('+++ b/etc/new.conf');
    expect(diffs[1]?.diff).toContain('+new');
    expect(of(events, 'file.written')).toHaveLength(6);

    engine.dispatch({ kind: 'rollback', toStep: 'write' });
    await waitFor(engine, (e) => e.type === 'step.finished' && e.status === 'rolled-back');
    for (const s of sessions.values()) {
      const f = s.files.get('/etc/existing.conf');
      expect(f?.content.equals(original)).toBe(true);
      expect(f?.mode).toBe(0o600);
      expect(f?.owner).toBe('etcd:etcd');
      expect(s.files.has('/etc/new.conf')).toBe(false);
      expect(s.scripts.map((x) => x.script)).toEqual(['systemctl daemon-reload']);
    }
    expect(of(events, 'file.restored').filter((r) => r.node === 'n0').map((r) => [r.path, r.removed])).toEqual([
      ['/etc/new.conf', true],
      ['/etc/existing.conf', false],
    ]);
    engine.dispatch({ kind: 'quit' });
    expect(await run).toBe('aborted');
  });

  it('does not rewrite an unchanged file, and keeps the first backup across a retry', async () => {
    const p = plan([step('w', [{ kind: 'file', path: '/f', content: 'v2\n', nodes: ['n0'] }, { kind: 'run', script: 'fail-once', nodes: ['n0'] }])], ['n0']);
    let runs = 0;
    const { engine, sessions, events } = setup({ plan: p }, () => ({ exitCode: runs++ === 0 ? 1 : 0 }));
    const s = sessions.get('n0') as MemorySession;
    s.files.set('/f', { content: Buffer.from('v1\n'), mode: 0o644, owner: 'root:root' });
    const run = engine.run();
    await waitFor(engine, (e) => e.type === 'engine.waiting');
    engine.dispatch({ kind: 'next' });
    await waitFor(engine, (e) => e.type === 'engine.waiting' && e.reason === 'failed');
    engine.dispatch({ kind: 'retry', step: 'w' });
    await waitFor(engine, (e) => e.type === 'step.finished' && e.status === 'passed');
    expect(of(events, 'file.diff').filter((d) => !d.preview).map((d) => d.changed)).toEqual([true, false]);
    expect(of(events, 'file.written')).toHaveLength(1);
    engine.dispatch({ kind: 'rollback', toStep: 'rb/w' });
    await waitFor(engine, (e) => e.type === 'step.finished' && e.status === 'rolled-back');
    expect(s.files.get('/f')?.content.toString()).toBe('v1\n');
    engine.dispatch({ kind: 'quit' });
    await run;
  });

  it('rolls back to step N in reverse order', async () => {
    const p = plan(
      ['a', 'b', 'c'].map((id) => step(id, [{ kind: 'run', script: `do-${id}`, nodes: ['n0'] }, { kind: 'rollback', script: `undo-${id}`, nodes: ['n0'] }])),
      ['n0'],
    );
    const { engine, sessions, events } = setup({ plan: p, autoApprove: true, stayAtEnd: true });
    const run = engine.run();
    await waitFor(engine, (e) => e.type === 'engine.waiting' && e.reason === 'done');
    engine.dispatch({ kind: 'rollback', toStep: 'a' });
    await waitFor(engine, (e) => e.type === 'step.finished' && e.step === 'rb/a' && e.status === 'rolled-back');
    engine.dispatch({ kind: 'quit' });
    await run;
    const scripts = sessions.get('n0')?.scripts.map((s) => s.script) ?? [];
    expect(scripts.slice(0, 6)).toEqual(['do-a', 'do-b', 'do-c', 'undo-c', 'undo-b', 'undo-a']);
    expect(of(events, 'rollback.started').map((e) => e.step)).toEqual(['rb/c', 'rb/b', 'rb/a']);
  });

  it('reports a lost node at once while the others finish, and fails the step naming it', async () => {
    const p = plan([step('s', [{ kind: 'run', script: 'long' }])]);
    const { engine, sessions, events } = setup({ plan: p, autoApprove: true }, ({ node }) => (node === 'n2' ? new Promise(() => {}) : { output: 'done\n' }));
    const run = engine.run();
    await waitFor(engine, (e) => e.type === 'block.finished' && e.node === 'n1');
    expect(of(events, 'block.finished').map((e) => e.node).sort()).toEqual(['n0', 'n1']);
    sessions.get('n2')?.drop('keepalive timeout');
    expect(await run).toBe('failed');
    expect(of(events, 'node.status').find((e) => e.node === 'n2')).toMatchObject({ status: 'lost', reason: 'keepalive timeout' });
    expect(of(events, 'step.finished')[0]?.reason).toContain('n2 (node lost: keepalive timeout)');
  });

  it('reports divergence when one node prints something different', async () => {
    const p = plan([step('s', [{ kind: 'run', script: 'hostname; cat /etc/x' }])]);
    const { engine, events } = setup({ plan: p, autoApprove: true }, ({ node }) => ({ output: `${node}\r\n${node === 'n2' ? 'v=2' : 'v=1'}\r\n` }));
    await engine.run();
    const d = of(events, 'divergence');
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ majority: ['n0', 'n1'], outliers: [{ node: 'n2' }] });
    expect(d[0]?.outliers[0]?.diff).toContain('-v=1');
    expect(d[0]?.outliers[0]?.diff).toContain('+v=2');
  });

  it('waits for approval, skips when told, pauses before the next block and resumes', async () => {
    const release: (() => void)[] = [];
    const p = plan(
      [
        step('a', [{ kind: 'run', script: 'a1', nodes: ['n0'] }, { kind: 'run', script: 'a2', nodes: ['n0'] }]),
        step('b', [{ kind: 'run', script: 'b', nodes: ['n0'] }]),
        step('c', [{ kind: 'run', script: 'c', nodes: ['n0'] }]),
      ],
      ['n0'],
    );
    const { engine, sessions, events } = setup({ plan: p }, ({ script }) => (script === 'a1' ? new Promise((r) => release.push(() => r({})) ) : {}));
    const run = engine.run();
    await waitFor(engine, (e) => e.type === 'engine.waiting' && e.step === 'rb/a');
    expect(sessions.get('n0')?.scripts).toEqual([]);
    engine.dispatch({ kind: 'next' });
    await waitFor(engine, (e) => e.type === 'block.started');
    engine.dispatch({ kind: 'pause' });
    release[0]?.();
    await waitFor(engine, (e) => e.type === 'engine.waiting' && e.reason === 'paused');
    expect(sessions.get('n0')?.scripts.map((s) => s.script)).toEqual(['a1']);
    engine.dispatch({ kind: 'resume' });
    await waitFor(engine, (e) => e.type === 'engine.waiting' && e.step === 'rb/b');
    engine.dispatch({ kind: 'skip', step: 'rb/b' });
    await waitFor(engine, (e) => e.type === 'engine.waiting' && e.step === 'rb/c');
    engine.dispatch({ kind: 'approve', step: 'rb/c' });
    await waitFor(engine, (e) => e.type === 'engine.waiting' && e.reason === 'done');
    engine.dispatch({ kind: 'quit' });
    expect(await run).toBe('completed');
    expect(sessions.get('n0')?.scripts.map((s) => s.script)).toEqual(['a1', 'a2', 'c']);
    expect(of(events, 'step.finished').map((e) => e.status)).toEqual(['passed', 'skipped', 'passed']);
    expect(of(events, 'operator.intent').map((e) => e.intent.kind)).toEqual(['next', 'pause', 'resume', 'skip', 'approve', 'quit']);
  });

  it('runs to the next gate, starts at a given step, broadcasts input and interrupts', async () => {
    const p = plan(
      [step('a', [{ kind: 'run', script: 'a' }]), step('b', [{ kind: 'run', script: 'b' }, { kind: 'verify', script: 'vb' }]), step('c', [{ kind: 'run', script: 'sleep' }])],
    );
    const { engine, sessions, events } = setup({ plan: p, startAt: 'b' }, ({ script, signal }) =>
      script === 'sleep' ? new Promise((r) => signal?.addEventListener('abort', () => r({ exitCode: 130, interrupted: true }))) : {},
    );
    const run = engine.run();
    await waitFor(engine, (e) => e.type === 'engine.waiting');
    engine.dispatch({ kind: 'run-to-gate' });
    await waitFor(engine, (e) => e.type === 'engine.waiting' && e.reason === 'gate');
    expect(sessions.get('n0')?.scripts.map((s) => s.script)).toEqual(['b', 'vb']);
    engine.dispatch({ kind: 'input', nodes: ['n0', 'n2'], data: 'ls\r' });
    expect(sessions.get('n0')?.written).toEqual(['ls\r']);
    expect(sessions.get('n1')?.written).toEqual([]);
    expect(of(events, 'node.input')).toMatchObject([{ nodes: ['n0', 'n2'], data: 'ls\r' }]);
    engine.dispatch({ kind: 'next' });
    await waitFor(engine, (e) => e.type === 'block.started' && e.step === 'rb/c');
    engine.dispatch({ kind: 'interrupt' });
    await waitFor(engine, (e) => e.type === 'step.finished' && e.step === 'rb/c');
    expect(of(events, 'step.finished').at(-1)).toMatchObject({ status: 'failed', reason: expect.stringContaining('interrupted') });
    engine.dispatch({ kind: 'quit' });
    // Quit while idle: the session ends as its steps stand (one failed).
    expect(await run).toBe('failed');
    expect(of(events, 'step.started').map((e) => e.step)).toEqual(['rb/b', 'rb/c']);
  });

  it('marks a node that cannot connect as refused and fails the steps that need it', async () => {
    const p = plan([step('s', [{ kind: 'run', script: 'x' }])]);
    const engine = createEngine({
      plan: p,
      autoApprove: true,
      connect: async (node) => {
        if (node === 'n1') throw new Error('host key for n1 changed: SHA256:abc (known_hosts line 3)');
        return new MemorySession(node, () => ({}));
      },
    });
    const events: LockstepEvent[] = [];
    engine.subscribe((e) => events.push(e));
    expect(await engine.run()).toBe('failed');
    expect(of(events, 'node.status').find((e) => e.node === 'n1')).toMatchObject({ status: 'refused', reason: expect.stringContaining('SHA256:abc') });
    expect(of(events, 'step.finished')[0]?.reason).toContain('n1');
  });
});
