import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventRedactor, REDACTED, StreamRedactor, redactText } from '../../src/record/redact.js';
import type { EventBody, LockstepEvent } from '../../src/state/events.js';

const KEY = ['-----BEGIN RSA PRIVATE KEY-----', 'MIIEowIBAAKCAQEAsecretkeymaterial', 'QWERTYsecretline2', '-----END RSA PRIVATE KEY-----'].join('\n');

describe('redactText', () => {
  it('removes secret values and private key bodies, keeps certificates', () => {
    const cert = '-----BEGIN CERTIFICATE-----\nMIIBcert\n-----END CERTIFICATE-----';
    const out = redactText(`token=s3cr3t-Val\n${KEY}\n${cert}\n`, ['s3cr3t-Val']);
    expect(out).not.toContain('s3cr3t-Val');
    expect(out).not.toContain('secretkeymaterial');
    expect(out).toContain('-----BEGIN RSA PRIVATE KEY-----');
    expect(out).toContain(cert);
    expect(out).toContain(`token=${REDACTED}`);
  });

  it('redacts an unterminated key and keys inside a unified diff', () => {
    expect(redactText('-----BEGIN PRIVATE KEY-----\nabcdef', [])).not.toContain('abcdef');
    const diff = `+-----BEGIN EC PRIVATE KEY-----\n+ecsecret\n+-----END EC PRIVATE KEY-----\n`;
    expect(redactText(diff, [])).not.toContain('ecsecret');
  });
});

describe('StreamRedactor', () => {
  it('never lets a secret or key through, however the stream is split', () => {
    const secret = 'hunter2-very-secret';
    const text = `a${secret}b\r\n${KEY}\r\ntail ${secret}`;
    fc.assert(
      fc.property(fc.array(fc.nat({ max: text.length }), { maxLength: 8 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const chunks: string[] = [];
        let prev = 0;
        for (const p of points) {
          chunks.push(text.slice(prev, p));
          prev = p;
        }
        chunks.push(text.slice(prev));
        const r = new StreamRedactor([secret]);
        const out = chunks.map((c) => r.push(c)).join('') + r.flush();
        expect(out).not.toContain(secret);
        expect(out).not.toContain('secretkeymaterial');
        expect(out).not.toContain('hunter2');
        expect(out).toContain('-----END RSA PRIVATE KEY-----');
        expect(out.startsWith(`a${REDACTED}b\r\n`)).toBe(true);
        expect(out.endsWith(`tail ${REDACTED}`)).toBe(true);
      }),
    );
  });

  it('passes ordinary output through promptly', () => {
    const r = new StreamRedactor(['zzzz']);
    expect(r.push('hello world\r\n')).toBe('hello world\r\n');
    expect(r.push('ends with z')).toBe('ends with ');
    expect(r.push('!')).toBe('z!');
  });
});

describe('EventRedactor', () => {
  const ev = (e: EventBody): LockstepEvent => ({ t: 1, ...e });

  it('hides what is typed at a password prompt until Enter, then shows input again', () => {
    const r = new EventRedactor([]);
    r.redact(ev({ type: 'node.output', node: 'n1', data: '[sudo] password for kube: ' }));
    const typed = r.redact(ev({ type: 'node.input', nodes: ['n1', 'n2'], data: 'pa55word\r', redacted: false }));
    expect(typed).toEqual([{ t: 1, type: 'node.input', nodes: ['n1', 'n2'], data: `${REDACTED}\r`, redacted: true }]);
    r.redact(ev({ type: 'node.output', node: 'n1', data: '\r\nok\r\n$ ' }));
    const next = r.redact(ev({ type: 'node.input', nodes: ['n1'], data: 'ls\r', redacted: false }));
    expect(next[0]).toMatchObject({ data: 'ls\r', redacted: false });
  });

  it('sees a password prompt at the end of a long chunk (a whole socket read), and the end of it after one', () => {
    const r = new EventRedactor([]);
    const log = '\x1b[32mok\x1b[0m build step\r\n'.repeat(2000);
    r.redact(ev({ type: 'node.output', node: 'n1', data: `${log}Enter passphrase for key: ` }));
    expect(r.redact(ev({ type: 'node.input', nodes: ['n1'], data: 'hunter2\r', redacted: false }))[0]).toMatchObject({ data: `${REDACTED}\r`, redacted: true });
    // A long chunk that does not end in a prompt ends the password prompt, even if its tail is blank.
    r.redact(ev({ type: 'node.output', node: 'n1', data: 'Password: ' }));
    r.redact(ev({ type: 'node.output', node: 'n1', data: `${log}\x1b[2J\x1b[H${' '.repeat(2000)}` }));
    expect(r.redact(ev({ type: 'node.input', nodes: ['n1'], data: 'ls\r', redacted: false }))[0]).toMatchObject({ data: 'ls\r', redacted: false });
  });

  it('redacts secrets in every string field and in typed input', () => {
    const r = new EventRedactor(['topsecret']);
    const [diff] = r.redact(ev({ type: 'file.diff', step: 's', block: 'b', node: 'n', path: '/p', existed: false, diff: '+key: topsecret\n', changed: true }));
    expect(JSON.stringify(diff)).not.toContain('topsecret');
    const [input] = r.redact(ev({ type: 'node.input', nodes: ['n'], data: 'echo topsecret', redacted: false }));
    expect(input).toMatchObject({ data: `echo ${REDACTED}`, redacted: true });
    const [intent] = r.redact(ev({ type: 'operator.intent', intent: { kind: 'input', nodes: ['n'], data: 'x' } }));
    expect(JSON.stringify(intent)).not.toContain('"x"');
  });

  it('releases held-back output at session end', () => {
    const r = new EventRedactor(['secretvalue']);
    expect(r.redact(ev({ type: 'node.output', node: 'n', data: 'abc secr' }))).toEqual([{ t: 1, type: 'node.output', node: 'n', data: 'abc ' }]);
    const end = r.redact({ t: 9, type: 'session.ended', status: 'completed' });
    expect(end).toEqual([
      { t: 9, type: 'node.output', node: 'n', data: 'secr' },
      { t: 9, type: 'session.ended', status: 'completed' },
    ]);
  });
});
