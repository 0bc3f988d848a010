import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

describe('lockstep CLI', () => {
  it('prints its version from package.json', () => {
    const out = execFileSync('node', ['bin/lockstep.js', '--version'], { encoding: 'utf8' });
    expect(out.trim()).toBe(pkg.version);
  });
});
