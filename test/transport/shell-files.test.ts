import { describe, expect, test } from 'vitest';
import { parseStat, writeProgram } from '../../src/transport/shell-files.js';
import { parseProxyJump } from '../../src/transport/ssh-client.js';
import { markLabel, shQuote, typedRunLine } from '../../src/transport/shell-protocol.js';
import { echoOffInLineMode } from '../../src/transport/pane.js';

describe('shell-files helpers', () => {
  test('parseStat reads mode in octal and owner', () => {
    expect(parseStat('640 root:etcd\n')).toEqual({ mode: 0o640, owner: 'root:etcd' });
    expect(parseStat('4755 root:root')).toEqual({ mode: 0o4755, owner: 'root:root' });
    expect(() => parseStat('garbage')).toThrow(/unexpected stat output/);
  });
  test('writeProgram refuses bad modes and owners instead of running them', () => {
    expect(() => writeProgram('/x', { mode: 0o10000 })).toThrow(/invalid file mode/);
    expect(() => writeProgram('/x', { owner: 'a b' })).toThrow(/invalid owner/);
    expect(writeProgram("/etc/it's", { mode: 0o600 })).toContain(`p='/etc/it'\\''s'`);
  });
});

test('shQuote survives any text', () => {
  expect(shQuote(`a'b"c$d`)).toBe(`'a'\\''b"c$d'`);
});

test('markLabel keeps ids readable and safe to type', () => {
  expect(markLabel('bootstrap-etcd/2')).toBe('bootstrap-etcd/2');
  expect(markLabel('a b;$(rm)')).toBe('a_b___rm_');
  expect(markLabel('')).toBe('block');
});

test('typedRunLine clears half-typed input only when asked', () => {
  expect(typedRunLine(3, 'x')).toBe(' __ls 3 x\r');
  expect(typedRunLine(3, 'x', true)).toBe('\x05\x15 __ls 3 x\r');
});

test('parseProxyJump reads user, host and port, with defaults', () => {
  expect(parseProxyJump('bastion', 'root')).toEqual([{ user: 'root', host: 'bastion', port: 22 }]);
  expect(parseProxyJump('ops@jump:2222,ssh://[fe80::1]:22', 'root')).toEqual([
    { user: 'ops', host: 'jump', port: 2222 },
    { user: 'root', host: 'fe80::1', port: 22 },
  ]);
  expect(parseProxyJump('none', 'root')).toEqual([]);
  expect(() => parseProxyJump('a:b:c', 'root')).toThrow(/invalid ProxyJump/);
});

test('echoOffInLineMode: a password prompt, not readline or raw mode', () => {
  const base = 'speed 38400 baud; rows 24; columns 80;\n';
  expect(echoOffInLineMode(base + 'isig icanon -echo echoe')).toBe(true);
  expect(echoOffInLineMode(base + 'isig -icanon -echo echoe')).toBe(false);
  expect(echoOffInLineMode(base + 'isig icanon echo echoe')).toBe(false);
});
