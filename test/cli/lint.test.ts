import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as lintCommand from '../../src/cli/lint.js';
import { runCommand } from './cli-harness.js';

const INV = 'test/fixtures/inventories/three-controllers.yaml';

describe('lockstep lint', () => {
  it('exits 0 and says so when the runbooks are clean', async () => {
    const r = await runCommand(lintCommand, ['lint', 'runbooks/examples/hello-cluster.md', 'runbooks/examples/tiny-etcd.md', '-i', INV]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('lint: 2 runbook(s), 4 step(s), 11 block(s): no problems\n');
  });

  it('reports every problem as file:line:col with a hint, and exits 1', async () => {
    const r = await runCommand(lintCommand, [
      'lint', 'test/fixtures/runbooks/broken/unknown-target.md', 'test/fixtures/runbooks/broken/bad-retries.md', 'test/fixtures/runbooks/broken/secret-echo.md', '-i', INV,
    ]);
    expect(r.exitCode).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toEqual([
      'test/fixtures/runbooks/broken/bad-retries.md:5:22: error: `five` is not a number of retries; write a whole number ≥ 0, e.g. retries=5',
      'test/fixtures/runbooks/broken/secret-echo.md:14:20: error: secret variable `token` is printed by `echo` and would appear on screen and in the recording; redirect the output to a file (> path) or pipe it into the command that needs it',
      expect.stringMatching(/^test\/fixtures\/runbooks\/broken\/unknown-target\.md:5:14: error: unknown group or node `controlers`; /),
      'lint: 3 runbook(s), 3 step(s), 3 block(s): 3 errors, 0 warnings',
    ]);
  });

  it('exits 0 on warnings only', async () => {
    const r = await runCommand(lintCommand, ['lint', 'test/fixtures/runbooks/broken/unknown-variable.md']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('unknown-variable.md:6:8: warning: variable `clustr_name` is not declared');
  });

  it('reports a missing file and a broken inventory as diagnostics, not crashes', async () => {
    const r = await runCommand(lintCommand, ['lint', 'runbooks/examples/none.md', '-i', 'test/fixtures/inventories/broken/bad-port.yaml']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('runbooks/examples/none.md:1:1: error: cannot read runbook: no such file; check the path');
    expect(r.stdout).toContain('test/fixtures/inventories/broken/bad-port.yaml:4:11: error: `99999` is not a port');
  });

  it.runIf(existsSync('dist/cli/lint.js'))('works through the installed `lockstep` command without a stack trace', () => {
    let status = 0;
    let out = '';
    try {
      execFileSync('node', ['bin/lockstep.js', 'lint', 'test/fixtures/runbooks/broken/dotted-typo.md'], { encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      const x = e as { status: number; stdout: string; stderr: string };
      status = x.status;
      out = x.stdout + x.stderr;
    }
    expect(out).not.toMatch(/\n\s+at /);
    expect(status).toBe(1);
    expect(out).toContain('test/fixtures/runbooks/broken/dotted-typo.md:6:26: error: unknown name `node.nmae`');
  });
});
