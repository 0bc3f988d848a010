import { describe, expect, it } from 'vitest';
import { answerToIntent, exitCodeFor, HeadlessFormatter } from '../../src/engine/index.js';
import type { EventBody, LockstepEvent } from '../../src/state/events.js';

const ev = (e: EventBody, t = 0): LockstepEvent => ({ t, ...e });

function started(f: HeadlessFormatter): void {
  f.format(
    ev({
      type: 'session.started',
      version: '0',
      operator: 'op',
      host: 'h',
      startedAt: '',
      runbooks: [{ name: 'etcd', file: 'etcd.md', sha256: '' }],
      nodes: [{ name: 'controller0', groups: [] }, { name: 'c1', groups: [] }],
      steps: [{ id: 'etcd/install', title: 'Install etcd', nodes: ['controller0', 'c1'] }],
      cols: 80,
      rows: 24,
    }),
  );
}

describe('HeadlessFormatter', () => {
  it('prints only block output, line by line with aligned node prefixes, and ends unfinished lines', () => {
    const f = new HeadlessFormatter({ secrets: ['hunter22'] });
    started(f);
    expect(f.format(ev({ type: 'step.started', step: 'etcd/install' }))).toEqual(['', '━━ Step 1/1: Install etcd  (etcd/install)']);
    expect(f.format(ev({ type: 'node.output', node: 'c1', data: 'root@c1:~# __ls 1 x\r\n' }))).toEqual([]);
    expect(f.format(ev({ type: 'node.output', node: 'c1', data: '\x1b]133;C;lockstep=1;id=x\x07hel' }))).toEqual([]);
    expect(f.format(ev({ type: 'node.output', node: 'c1', data: 'lo hunter22\r\nno newline' }))).toEqual(['c1          │ hello «redacted»']);
    expect(f.format(ev({ type: 'node.output', node: 'c1', data: '\x1b]133;D;0;lockstep=1\x07root@c1:~# ' }))).toEqual(['c1          │ no newline']);
    expect(f.format(ev({ type: 'block.finished', step: 's', block: 'x', node: 'c1', exitCode: 2, timedOut: false, interrupted: false }))).toEqual(['c1          │ ✗ x: exit 2']);
  });

  it('prints gate failures with their reason and last lines, and divergence with its diff', () => {
    const f = new HeadlessFormatter({ secrets: [] });
    started(f);
    f.format(ev({ type: 'gate.attempt', step: 's', block: 'g', node: 'c1', attempt: 1 }));
    expect(f.format(ev({ type: 'block.finished', step: 's', block: 'g', node: 'c1', exitCode: 1, timedOut: false, interrupted: false }))).toEqual([]);
    expect(f.format(ev({ type: 'gate.result', step: 's', block: 'g', node: 'c1', ok: false, attempt: 3, exitCode: 1, reason: 'exit code 1 (after 3 attempts)', tail: 'inactive' }))).toEqual([
      'c1          │ ✗ gate g FAILED: exit code 1 (after 3 attempts)',
      'c1          │   last lines:',
      'c1          │     inactive',
    ]);
    const lines = f.format(ev({ type: 'divergence', step: 's', block: 'b', majority: ['controller0'], outliers: [{ node: 'c1', diff: '--- controller0\n+++ c1\n@@ -1 +1 @@\n-a\n+b\n' }], tie: true }));
    expect(lines[0]).toBe('! divergence in b: c1 differs from the first node (controller0)');
    expect(lines).toContain('    +b');
  });
});

describe('headless answers', () => {
  it('maps typed answers to intents for each kind of wait', () => {
    expect(answerToIntent('', 'approval', 'a/b')).toEqual({ kind: 'approve', step: 'a/b' });
    expect(answerToIntent('s', 'approval', 'a/b')).toEqual({ kind: 'skip', step: 'a/b' });
    expect(answerToIntent('g', 'approval', 'a/b')).toEqual({ kind: 'run-to-gate' });
    expect(answerToIntent('r', 'failed', 'a/b')).toEqual({ kind: 'retry', step: 'a/b' });
    expect(answerToIntent('r', 'approval', 'a/b')).toBeNull();
    expect(answerToIntent('b', 'failed', 'a/b')).toEqual({ kind: 'rollback', toStep: 'a/b' });
    expect(answerToIntent('b a/x', 'done', undefined)).toEqual({ kind: 'rollback', toStep: 'a/x' });
    expect(answerToIntent('', 'paused', 'a/b')).toEqual({ kind: 'resume' });
    expect(answerToIntent('q', 'failed', 'a/b')).toEqual({ kind: 'quit' });
    expect([exitCodeFor('completed'), exitCodeFor('failed'), exitCodeFor('aborted'), exitCodeFor('interrupted')]).toEqual([0, 1, 3, 130]);
  });
});
