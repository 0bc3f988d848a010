import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  checkHostKey,
  formatKnownHostLine,
  hostKeyName,
  hostsFieldMatches,
  keyTypeOf,
  knownKeyTypes,
  parseKnownHosts,
  sha256Fingerprint,
} from '../../src/transport/known-hosts.js';
import { keygen } from './sshd-fixture.js';

let dir: string;
let keyA: Buffer; // ed25519
let keyB: Buffer; // another ed25519
let keyR: Buffer; // rsa
let pubA: string;

function pub(file: string): { line: string; blob: Buffer } {
  const [type, b64] = readFileSync(file + '.pub', 'utf8').split(' ');
  return { line: `${type} ${b64}`, blob: Buffer.from(b64!, 'base64') };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lockstep-kh-'));
  keygen(join(dir, 'a'));
  keygen(join(dir, 'b'));
  keygen(join(dir, 'r'), 'rsa');
  ({ line: pubA, blob: keyA } = pub(join(dir, 'a')));
  keyB = pub(join(dir, 'b')).blob;
  keyR = pub(join(dir, 'r')).blob;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('fingerprint and key type agree with ssh-keygen -lf', () => {
  for (const name of ['a', 'r']) {
    const out = execFileSync('ssh-keygen', ['-lf', join(dir, `${name}.pub`)], { encoding: 'utf8' });
    const { blob } = pub(join(dir, name));
    expect(sha256Fingerprint(blob)).toBe(out.split(' ')[1]);
  }
  expect(keyTypeOf(keyA)).toBe('ssh-ed25519');
  expect(keyTypeOf(keyR)).toBe('ssh-rsa');
  expect(sha256Fingerprint(keyA)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
});

test('hostKeyName uses [host]:port except on port 22', () => {
  expect(hostKeyName('10.0.0.5', 22)).toBe('10.0.0.5');
  expect(hostKeyName('10.0.0.5', 2222)).toBe('[10.0.0.5]:2222');
});

describe('parseKnownHosts', () => {
  test('reads entries with their line numbers and markers, skipping comments and junk', () => {
    const text = [
      '# comment',
      '',
      `host1,10.0.0.1 ${pubA} comment words`,
      `@cert-authority *.example ${pubA}`,
      `@revoked * ${pubA}`,
      '@unknown-marker x ssh-ed25519 AAAA',
      'broken-line',
      `  host2 ${pubA}`,
    ].join('\n');
    const entries = parseKnownHosts(text);
    expect(entries.map((e) => [e.line, e.marker, e.hosts])).toEqual([
      [3, null, 'host1,10.0.0.1'],
      [4, 'cert-authority', '*.example'],
      [5, 'revoked', '*'],
      [8, null, 'host2'],
    ]);
    expect(entries[0]!.key.equals(keyA)).toBe(true);
  });
});

describe('hostsFieldMatches', () => {
  test('plain lists, wildcards, negation and case', () => {
    expect(hostsFieldMatches('a,b,c', 'b')).toBe(true);
    expect(hostsFieldMatches('a,b', 'B')).toBe(true);
    expect(hostsFieldMatches('*.lab', 'controller-0.lab')).toBe(true);
    expect(hostsFieldMatches('controller-?', 'controller-1')).toBe(true);
    expect(hostsFieldMatches('*.lab,!bad.lab', 'bad.lab')).toBe(false);
    expect(hostsFieldMatches('10.0.0.1', '10.0.0.10')).toBe(false);
    expect(hostsFieldMatches('[10.0.0.1]:2222', '[10.0.0.1]:2222')).toBe(true);
    expect(hostsFieldMatches('10.0.0.1', '[10.0.0.1]:2222')).toBe(false);
  });

  test('hashed entries written by ssh-keygen -H match the right name only', () => {
    const f = join(dir, 'kh');
    writeFileSync(f, `controller-0 ${pubA}\n[10.0.0.7]:2222 ${pubA}\n`);
    execFileSync('ssh-keygen', ['-q', '-H', '-f', f], { stdio: 'ignore' });
    const [h1, h2] = parseKnownHosts(readFileSync(f, 'utf8'));
    expect(h1!.hosts).toMatch(/^\|1\|/);
    expect(hostsFieldMatches(h1!.hosts, 'controller-0')).toBe(true);
    expect(hostsFieldMatches(h1!.hosts, 'controller-1')).toBe(false);
    expect(hostsFieldMatches(h2!.hosts, '[10.0.0.7]:2222')).toBe(true);
    expect(hostsFieldMatches(h2!.hosts, '10.0.0.7')).toBe(false);
  });

  test('a hashed line we format is one ssh-keygen -F finds', () => {
    const f = join(dir, 'kh-ours');
    writeFileSync(f, formatKnownHostLine('[127.0.0.1]:2200', keyA, true) + '\n');
    expect(readFileSync(f, 'utf8')).toMatch(/^\|1\|[^|]+\|[^ ]+ ssh-ed25519 /);
    expect(execFileSync('ssh-keygen', ['-F', '[127.0.0.1]:2200', '-f', f], { encoding: 'utf8' })).toContain('found: line 1');
  });
});

describe('checkHostKey', () => {
  const b64 = (b: Buffer) => b.toString('base64');
  test('known, changed, unknown and other key types', () => {
    const entries = parseKnownHosts(`web ssh-ed25519 ${b64(keyA)}\n[db]:2222 ssh-ed25519 ${b64(keyA)}\n`);
    expect(checkHostKey(entries, ['web'], keyA)).toEqual({ status: 'known', line: 1 });
    expect(checkHostKey(entries, ['web'], keyB)).toEqual({ status: 'changed', line: 1 });
    expect(checkHostKey(entries, ['db'], keyA)).toEqual({ status: 'unknown', otherTypes: [] });
    expect(checkHostKey(entries, ['[db]:2222'], keyB)).toEqual({ status: 'changed', line: 2 });
    expect(checkHostKey(entries, ['web'], keyR)).toEqual({ status: 'unknown', otherTypes: ['ssh-ed25519'] });
  });

  test('a second entry for the same host with the right key still matches', () => {
    const entries = parseKnownHosts(`web ssh-ed25519 ${b64(keyB)}\nweb ssh-ed25519 ${b64(keyA)}\n`);
    expect(checkHostKey(entries, ['web'], keyA)).toEqual({ status: 'known', line: 2 });
  });

  test('@revoked wins, @cert-authority never matches a plain key', () => {
    const entries = parseKnownHosts(`web ssh-ed25519 ${b64(keyA)}\n@revoked * ssh-ed25519 ${b64(keyA)}\n`);
    expect(checkHostKey(entries, ['web'], keyA)).toEqual({ status: 'revoked', line: 2 });
    const ca = parseKnownHosts(`@cert-authority web ssh-ed25519 ${b64(keyA)}\n`);
    expect(checkHostKey(ca, ['web'], keyA)).toEqual({ status: 'unknown', otherTypes: [] });
  });

  test('knownKeyTypes lists the plain key types for a host', () => {
    const entries = parseKnownHosts(`web ssh-rsa ${b64(keyR)}\nweb ssh-ed25519 ${b64(keyA)}\n@revoked web ssh-ed25519 ${b64(keyB)}\nother ssh-ed25519 ${b64(keyB)}\n`);
    expect(knownKeyTypes(entries, ['web'])).toEqual(['ssh-rsa', 'ssh-ed25519']);
  });
});
