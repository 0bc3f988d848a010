import { describe, expect, it } from 'vitest';
import { validateRunbooks } from '../../src/runbook/index.js';
import { inv, rb, show, THREE } from './helpers.js';

describe('validateRunbooks', () => {
  const inventory = inv(THREE);

  it('is clean for a runbook that uses declared, inventory and required variables', () => {
    const base = rb('pki.md', '---\nvars:\n  ca_days: "365"\n---\n# PKI\n');
    const user = rb('etcd.md', '---\nrequires: [pki]\n---\n# E\n\n## S\n\n```ini file path=/etc/e/${node.name}.conf\ndays=${ca_days} ip=${ip} ${cluster}\n```\n');
    expect(show(validateRunbooks([user, base], inventory))).toEqual([]);
  });

  it('reports unknown variables: an error with an inventory, a warning without', () => {
    const r = rb('a.md', '# A\n\n## S\n\n```ini file path=/x\n${ip} ${nope}\n```\n');
    expect(show(validateRunbooks([r], inventory))).toEqual(['a.md:6:7: error: unknown variable `nope`']);
    expect(show(validateRunbooks([r]))).toEqual([
      'a.md:6:1: warning: variable `ip` is not declared; only an inventory can set it',
      'a.md:6:7: warning: variable `nope` is not declared; only an inventory can set it',
    ]);
  });

  it('checks targets of the runbook, steps, blocks and nodes() against the inventory', () => {
    const r = rb('t.md', '---\ntargets: controlers\n---\n# T\n\n## S\n<!-- lockstep: on=gw,nobody -->\n\n```sh run on=gateway,ghost\necho ${nodes(ctrl, "{name}")}\n```\n');
    expect(show(validateRunbooks([r], inventory))).toEqual([
      't.md:2:10: error: unknown group or node `controlers`',
      't.md:7:22: error: unknown group or node `nobody`',
      't.md:9:22: error: unknown group or node `ghost`',
      't.md:10:14: error: unknown group or node `ctrl` in nodes(…)',
    ]);
  });

  it('warns when a block would run on no node', () => {
    const empty = inv('groups:\n  workers: {}\nnodes:\n  - name: c0\n    address: 10.0.0.1\n');
    const r = rb('w.md', '# W\n\n## S\n\n```sh run on=workers\ntrue\n```\n');
    expect(show(validateRunbooks([r], empty))).toEqual(['w.md:5:14: warning: this run block runs on no node (workers is empty in the inventory)']);
  });

  it('finds every way a secret would be echoed, and allows safe uses', () => {
    const r = rb(
      's.md',
      [
        '---', 'vars:', '  pw:', '    secret: true', '---', '# S', '', 'Intro mentions ${pw}.', '', '## Use ${pw}', '', 'Prose with ${pw}.', '',
        '```sh', 'echo "${pw}" > /root/pw', 'printf %s "${pw}" | chpasswd', 'tool --password "${pw}"', 'sudo echo ${pw}', 'true && printf "%s" ${pw}', '# echo ${pw} in a comment', '```', '',
        '```sh verify expect="${pw}"', 'true', '```', '',
        '```sh', 'set -eux', 'login "${pw}"', 'set +x', 'login "${pw}"', '```', '',
      ].join('\n'),
    );
    expect(show(validateRunbooks([r]))).toEqual([
      's.md:8:16: error: secret variable `pw` appears in the prose, which is shown on screen and recorded',
      's.md:10:8: error: secret variable `pw` appears in the prose, which is shown on screen and recorded',
      's.md:12:12: error: secret variable `pw` appears in the prose, which is shown on screen and recorded',
      's.md:18:11: error: secret variable `pw` is printed by `echo` and would appear on screen and in the recording',
      's.md:19:21: error: secret variable `pw` is printed by `printf` and would appear on screen and in the recording',
      's.md:23:22: error: secret variable `pw` used where it would be shown: an `expect=` pattern is shown and recorded',
      's.md:29:8: error: secret variable `pw` is printed by `set -x` and would appear on screen and in the recording',
    ]);
  });

  it('reports bad expressions in files but leaves shell syntax alone in shell blocks', () => {
    const r = rb('e.md', '# E\n\n## S\n\n```sh\necho ${HOME:-/root} ${1} ${arr[@]}\n```\n\n```ini file path=/x\n${HOME:-/root}\n${nodes(gw "x")}\n```\n');
    expect(show(validateRunbooks([r]))).toEqual([
      'e.md:10:1: error: `${HOME:-/root}` is not a lockstep expression',
      'e.md:11:1: error: `nodes(…)` needs a quoted template after the selector',
    ]);
  });

  it('reports duplicate runbook names, missing requirements and cycles at the requires entry', () => {
    const a = rb('dir/a.md', '---\nrequires: [b, zz]\n---\n# A\n');
    const b = rb('dir/b.md', '---\nrequires:\n  - a\n---\n# B\n');
    const a2 = rb('other/a.md', '# A again\n');
    expect(show(validateRunbooks([a, b, a2]))).toEqual([
      'other/a.md:1:1: error: runbook name `a` is also used by dir/a.md',
      'dir/b.md:3:5: error: requirement cycle: a → b → a',
      'dir/a.md:2:15: error: required runbook `zz` was not found',
    ]);
  });

  it('checks san-check options with the SAN checker: keys at lint time, values per node at plan time', () => {
    const r = rb('c.md', '# C\n\n## S\n\n```yaml san-check\nnames: [a]\nendpoint: 1.2.3.4:6443\n```\n\n```yaml san-check\ntimeout: soon\n```\n\n```yaml san-check\ntimeout: ${t}\n```\n');
    expect(show(validateRunbooks([r]))).toEqual([
      'c.md:7:1: error: unknown key "endpoint"; known keys: endpoints, names, cert, key, ca, certDir, unit, timeout',
      'c.md:11:1: error: "timeout" must be a number of seconds',
      'c.md:15:10: warning: variable `t` is not declared; only an inventory can set it',
    ]);
  });

  it('warns when two runbooks give one variable different defaults', () => {
    const a = rb('a.md', '---\nvars:\n  v: one\n---\n# A\n');
    const b = rb('b.md', '---\nvars:\n  v: two\n---\n# B\n');
    expect(show(validateRunbooks([a, b]))).toEqual(['b.md:3:3: warning: variable `v` has default `two` here but `one` in a.md']);
  });
});
