import { describe, expect, it } from 'vitest';
import { parseRunbook, type Block, type Runbook } from '../../src/runbook/index.js';

const parse = (text: string, file = 'rb/sample.md'): { rb: Runbook; msgs: string[] } => {
  const r = parseRunbook(file, text);
  expect(r.value).toBeDefined();
  return { rb: r.value as Runbook, msgs: r.diagnostics.map((d) => `${d.line}:${d.column} ${d.severity} ${d.message}`) };
};

const SAMPLE = `---
name: demo
title: Demo runbook
description: for tests
requires: [pki, etcd]
targets: controllers
vars:
  a: one
  port: 2379
  b:
    default: two
    description: the b
  token:
    secret: true
---

# Heading title

Intro paragraph.

\`\`\`console
$ shown only
\`\`\`

## First step
<!-- lockstep: on=gateway once timeout=1m -->

Explain the first step.

\`\`\`sh
echo run
\`\`\`

### Deeper heading is prose

\`\`\`ini file path=/etc/x.conf mode=0600 owner=root:adm id=conf
k = \${a}
\`\`\`

\`\`\`sh verify retries=3 interval=500ms timeout=10s expect="is (healthy|ok)"
check
\`\`\`

\`\`\`bash rollback on=controller0,controller1
undo
\`\`\`

\`\`\`yaml san-check retries=2
endpoints: [\${node.address}:6443]
names: [kubernetes, \${node.name}]
\`\`\`

\`\`\`sh skip
never run
\`\`\`

\`\`\`text
a sample
\`\`\`

## First step

\`\`\`sh run
true
\`\`\`

\`\`\`sh run
true
\`\`\`
`;

describe('parseRunbook', () => {
  const { rb, msgs } = parse(SAMPLE);

  it('reads the front matter into typed fields', () => {
    expect(msgs).toEqual([]);
    expect(rb.name).toBe('demo');
    expect(rb.title).toBe('Demo runbook');
    expect(rb.description).toBe('for tests');
    expect(rb.requires).toEqual(['pki', 'etcd']);
    expect(rb.targets).toEqual({ names: ['controllers'], once: false });
    expect(rb.vars.map((v) => [v.name, v.default, v.secret])).toEqual([
      ['a', 'one', false],
      ['port', '2379', false],
      ['b', 'two', false],
      ['token', undefined, true],
    ]);
    expect(rb.vars[2]?.description).toBe('the b');
    expect(rb.vars[0]?.pos).toEqual({ file: 'rb/sample.md', line: 8, column: 3 });
    expect(rb.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps the introduction, with documentation fences, and no title', () => {
    expect(rb.intro).toBe('Intro paragraph.\n\n```console\n$ shown only\n```');
  });

  it('makes each ## a step with a slug id, -2 for a repeat, and step attributes', () => {
    expect(rb.steps.map((s) => s.id)).toEqual(['first-step', 'first-step-2']);
    const s = rb.steps[0]!;
    expect(s.title).toBe('First step');
    expect(s.depth).toBe(2);
    expect(s.targets).toEqual({ names: ['gateway'], once: true });
    expect(s.range.start).toEqual({ file: 'rb/sample.md', line: 25, column: 1 });
    expect(s.range.end).toEqual({ line: 61, column: 1 });
    expect(s.explanation).toContain('Explain the first step.');
    expect(s.explanation).toContain('### Deeper heading is prose');
    expect(s.explanation).toContain('never run');
    expect(s.explanation).not.toContain('echo run');
    expect(s.explanation).not.toContain('lockstep:');
  });

  it('types every block kind and its attributes; documentation fences are not blocks', () => {
    const blocks = rb.steps[0]!.blocks;
    expect(blocks.map((b) => [b.id, b.kind, b.lang])).toEqual([
      ['first-step-run', 'run', 'sh'],
      ['conf', 'file', 'ini'],
      ['first-step-verify', 'verify', 'sh'],
      ['first-step-rollback', 'rollback', 'bash'],
      ['first-step-san-check', 'san-check', 'yaml'],
    ]);
    const [run, file, verify, rollback, san] = blocks as [Block, Block, Block, Block, Block];
    expect(run.timeoutMs).toBe(60_000); // the step's timeout applies
    expect(file).toMatchObject({ path: '/etc/x.conf', mode: 0o600, owner: 'root:adm', body: 'k = ${a}' });
    expect(verify).toMatchObject({ retries: 3, intervalMs: 500, timeoutMs: 10_000, expect: 'is (healthy|ok)', body: 'check' });
    expect(rollback.targets).toEqual({ names: ['controller0', 'controller1'], once: false });
    expect(san).toMatchObject({ retries: 2, intervalMs: 2000, options: { endpoints: ['${node.address}:6443'], names: ['kubernetes', '${node.name}'] } });
    expect(run.range.start).toEqual({ file: 'rb/sample.md', line: 30, column: 1 });
    expect(run.bodyStart).toEqual({ file: 'rb/sample.md', line: 31, column: 1 });
    expect(rb.steps[1]!.blocks.map((b) => b.id)).toEqual(['first-step-2-run', 'first-step-2-run-2']);
  });

  it('uses the file name and the H1 when front matter is absent', () => {
    const { rb: r } = parse('# Just a title\n\n## Só Ação!\n\n```sh\ntrue\n```\n', 'x/etcd.md');
    expect(r.name).toBe('etcd');
    expect(r.title).toBe('Just a title');
    expect(r.targets).toEqual({ names: ['all'], once: false });
    expect(r.steps[0]!.id).toBe('só-ação');
  });

  it('never reserves a generated id that is given explicitly later', () => {
    const { rb: r } = parse('# T\n\n## A\n\n```sh\ntrue\n```\n\n## B\n<!-- lockstep: id=a -->\n\n```sh id=a-run\ntrue\n```\n');
    expect(r.steps.map((s) => s.id)).toEqual(['a-2', 'a']);
    expect(r.steps.flatMap((s) => s.blocks.map((b) => b.id))).toEqual(['a-2-run', 'a-run']);
  });

  it('finds blocks inside list items, with columns shifted by the indentation', () => {
    const { rb: r } = parse('# T\n\n## S\n\n1. First:\n\n   ```sh\n   echo ${x}\n   ```\n');
    const b = r.steps[0]!.blocks[0]!;
    expect(b.body).toBe('echo ${x}');
    expect(b.range.start).toEqual({ file: 'rb/sample.md', line: 7, column: 4 });
    expect(b.bodyStart).toEqual({ file: 'rb/sample.md', line: 8, column: 4 });
  });

  it('reports bad attributes at their exact column and keeps going', () => {
    const { msgs } = parse('# T\n\n## S\n\n```sh verify once=yes bogus interval=2 mode=0644\ntrue\n```\n\n```python\nprint()\n```\n\n```python run\nx\n```\n');
    expect(msgs).toEqual([
      '5:14 error `once` is a flag and takes no value',
      '5:23 error unknown attribute `bogus`',
      '5:38 error `2` is not a duration',
      '5:40 error `mode=` does not apply to a verify block',
      '13:4 error a run block must be a shell script, not `python`',
    ]);
  });

  it('reports a second title, a misplaced lockstep comment and an unterminated ${ in a file', () => {
    const { msgs } = parse('# T\n\n<!-- lockstep: once -->\n\n## S\n\ntext\n\n<!-- lockstep: once -->\n\n# Again\n');
    expect(msgs).toEqual([
      '3:1 error a `lockstep:` comment belongs right under a `##` step heading',
      '9:1 error a `lockstep:` comment belongs right under the step heading',
      '11:1 error a runbook has one `#` title; this is a second one',
    ]);
  });

  it('checks front matter types and variable names', () => {
    const { msgs } = parse('---\nname: bad name\nrequires: {a: 1}\ntargets: []\nvars:\n  good-name: x\n  ok:\n    secret: maybe\n    colour: red\n---\n# T\n');
    expect(msgs).toEqual([
      '2:7 error `bad name` is not a valid runbook name',
      '3:11 error `requires` must be a list of runbook names',
      '4:10 error `targets` must name groups or nodes',
      '6:3 error `good-name` is not a valid variable name',
      '8:13 error `secret` of `ok` must be true or false',
      '9:5 error unknown key `colour` in variable `ok`',
    ]);
  });

  it('accepts `targets: controllers once` and a single requires string', () => {
    const { rb: r, msgs: m } = parse('---\ntargets: controllers once\nrequires: pki\n---\n# T\n');
    expect(m).toEqual([]);
    expect(r.targets).toEqual({ names: ['controllers'], once: true });
    expect(r.requires).toEqual(['pki']);
  });

  it('warns about lockstep attributes on a fence that never runs', () => {
    const { msgs: m } = parse('# T\n\n## S\n\n```yaml path=/etc/x.yaml\na: 1\n```\n');
    expect(m).toEqual(['5:9 warning `path=` on a `yaml` fence that never runs']);
  });

  it('reports a san-check body that is not a YAML mapping at the body line', () => {
    const { msgs: m } = parse('# T\n\n## S\n\n```yaml san-check\n- a\n```\n\n```yaml san-check\na: [\n```\n');
    expect(m[0]).toBe('5:1 error a san-check block body must be a YAML mapping of options');
    expect(m[1]).toMatch(/^1[01]:\d+ error invalid YAML/);
  });
});
