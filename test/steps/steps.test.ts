import { describe, expect, it } from 'vitest';
import { FileJournal, fileDiff, judgeAttempt, type NodeRun } from '../../src/steps/index.js';

const run = (r: Partial<NodeRun['result']>, gone?: string): NodeRun => ({ node: 'n0', result: { exitCode: 0, output: '', timedOut: false, interrupted: false, ...r }, gone });

describe('fileDiff', () => {
  it('gives a unified diff for a change, a creation, and nothing for identical content', () => {
    const d = fileDiff('/etc/x.conf', Buffer.from('a\nb\n'), Buffer.from('a\nc\n'));
    expect(d.changed).toBe(true);
    expect(d.diff.split('\n').slice(0, 2)).toEqual(['--- a/etc/x.conf', '+++ b/etc/x.conf']);
    expect(d.diff).toContain('-b\n+c');
    const created = fileDiff('/new', null, Buffer.from('x\n'));
    expect(created.diff).toContain('--- /dev/null');
    expect(created.diff).toContain('+x');
    expect(fileDiff('/same', Buffer.from('s\n'), Buffer.from('s\n'))).toEqual({ diff: '', changed: false });
  });

  it('does not print binary content', () => {
    const d = fileDiff('/bin', Buffer.from([0, 1, 2]), Buffer.from('text\n'));
    expect(d.diff).toBe('Binary file /bin differs (5 bytes)\n');
  });
});

describe('judgeAttempt', () => {
  it('explains every way a gate attempt fails', () => {
    expect(judgeAttempt(run({}), undefined)).toEqual({ ok: true });
    expect(judgeAttempt(run({ exitCode: 2 }), undefined)).toEqual({ ok: false, reason: 'exit code 2' });
    expect(judgeAttempt(run({ exitCode: null, timedOut: true }), undefined, 5000)).toEqual({ ok: false, reason: 'timed out after 5s' });
    expect(judgeAttempt(run({ exitCode: null, interrupted: true }), undefined)).toEqual({ ok: false, reason: 'interrupted' });
    expect(judgeAttempt(run({ exitCode: null }, 'connection reset'), undefined)).toEqual({ ok: false, reason: 'node lost: connection reset' });
    expect(judgeAttempt(run({ output: 'status: \x1b[32mactive\x1b[0m\r\n' }), '^status: active$')).toEqual({ ok: true });
    expect(judgeAttempt(run({ output: 'inactive' }), '^active')).toEqual({ ok: false, reason: 'output did not match /^active/' });
    expect(judgeAttempt(run({}), '(')).toMatchObject({ ok: false, reason: expect.stringContaining('not a valid regular expression') });
  });
});

describe('FileJournal', () => {
  it('keeps the first backup of a file and restores newest first', () => {
    const j = new FileJournal();
    j.remember({ node: 'n', path: '/a', content: Buffer.from('1') });
    j.remember({ node: 'n', path: '/b', content: null });
    j.remember({ node: 'n', path: '/a', content: Buffer.from('2') });
    expect(j.newestFirst().map((b) => [b.path, b.content?.toString() ?? null])).toEqual([
      ['/b', null],
      ['/a', '1'],
    ]);
  });
});
