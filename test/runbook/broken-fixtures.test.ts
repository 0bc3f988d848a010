// Every broken fixture produces exactly the expected `file:line:col: message` (first line of
// lint output for it), so a regression in positions or wording shows up here.
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/cli/diagnostics.js';
import { lint } from '../../src/cli/lint.js';

const RB = 'test/fixtures/runbooks/broken';
const INV = 'test/fixtures/inventories';
const GOOD_INV = `${INV}/three-controllers.yaml`;

const runbookCases: [string, string][] = [
  ['unknown-variable.md', '6:8: error: unknown variable `clustr_name`'],
  ['unknown-target.md', '5:14: error: unknown group or node `controlers`'],
  ['block-outside-step.md', '5:1: error: this run block is outside any step'],
  ['file-without-path.md', '5:1: error: this file block has no path'],
  ['bad-retries.md', '5:22: error: `five` is not a number of retries'],
  ['unknown-attribute.md', '5:14: error: unknown attribute `retry=`'],
  ['duplicate-step-id.md', '11:19: error: step id `setup` is already used at line 4'],
  ['duplicate-block-id.md', '9:17: error: block id `go` is already used at line 5'],
  ['missing-require.md', '2:17: error: required runbook `no-such-runbook` was not found'],
  ['secret-echo.md', '14:20: error: secret variable `token` is printed by `echo` and would appear on screen and in the recording'],
  ['secret-in-expect.md', '11:22: error: secret variable `password` used where it would be shown'],
  ['cycle-a.md', '2:12: error: requirement cycle: cycle-b → cycle-a → cycle-b'],
  ['bad-duration.md', '5:19: error: `30` is not a duration'],
  ['unknown-front-matter-key.md', '2:1: error: unknown front matter key `require`'],
  ['dotted-typo.md', '6:26: error: unknown name `node.nmae`'],
  ['unterminated-quote.md', '5:21: error: unterminated quote in the value of `expect`'],
  ['bad-front-matter-yaml.md', '3:16: error: invalid YAML:'],
];

describe('broken runbook fixtures', () => {
  it.each(runbookCases)('%s', (name, expected) => {
    const r = lint([`${RB}/${name}`], GOOD_INV);
    const lines = r.diagnostics.map(formatDiagnostic);
    const file = `${RB}/${name}`;
    expect(lines.length).toBeGreaterThan(0);
    expect(lines[0]).toContain(`${file}:${expected}`);
    // Every problem says what to do.
    for (const d of r.diagnostics) expect(d.hint, formatDiagnostic(d)).toBeTruthy();
  });
});

const inventoryCases: [string, string][] = [
  ['no-address.yaml', '4:5: error: node `controller1` has no address'],
  ['duplicate-node.yaml', '4:5: error: duplicate node name `controller0` (first at line 2)'],
  ['bad-port.yaml', '4:11: error: `99999` is not a port'],
  ['unknown-key.yaml', '3:5: error: unknown key `adress` in node controller0'],
  ['ansible-bad-port.yaml', '5:9: error: ansible_port `ssh` of controller0 is not a port'],
  ['unknown-alias.yaml', '3:5: error: ssh alias `c9` is not a Host in'],
];

describe('broken inventory fixtures', () => {
  it.each(inventoryCases)('%s', (name, expected) => {
    const file = `${INV}/broken/${name}`;
    const r = lint(['runbooks/examples/hello-cluster.md'], file);
    const lines = r.diagnostics.map(formatDiagnostic).filter((l) => l.startsWith(file));
    expect(lines.some((l) => l.startsWith(`${file}:${expected}`)), lines.join('\n')).toBe(true);
  });
});

describe('clean inputs', () => {
  it('the example runbooks lint clean against both example inventories', () => {
    for (const inv of [GOOD_INV, `${INV}/three-controllers.ansible.yaml`, undefined]) {
      const r = lint(['runbooks/examples/hello-cluster.md', 'runbooks/examples/tiny-etcd.md'], inv);
      expect(r.diagnostics.map(formatDiagnostic)).toEqual([]);
    }
  });
});
