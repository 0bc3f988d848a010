import { describe, expect, it } from 'vitest';
import { buildPlan, varScope, type Plan } from '../../src/runbook/index.js';
import { renderExplanation } from '../../src/runbook/explanation.js';
import type { RenderContext } from '../../src/runbook/render.js';
import { inv, rb, show, THREE } from './helpers.js';

const RB = rb(
  'rb/greet.md',
  `---
targets: controllers
vars:
  e2e_tag:
    description: per run
  port: "2380"
---
# Greet

## Write the greeting

Writes \`/tmp/e2e-\${e2e_tag}-dir/greeting.conf\` on \${node.name} (\${node.address}), cluster \${cluster},
peers \${nodes(controllers, "{name}={ip}", ",")}; shell \${HOME:-/root} and $\${e2e_tag} stay.

\`\`\`ini file path=/tmp/e2e-\${e2e_tag}-dir/greeting.conf
greeting = hello from \${node.name}
\`\`\`

## Only the first

Runs on \${node.name} only, at \${node.address}.

\`\`\`sh on=c0
true
\`\`\`

## Prose only

The cluster is \${cluster}; this step has no blocks, so the runbook's targets count.
`,
);

describe('the explanation in the plan', () => {
  const inventory = inv(THREE);

  it('substitutes what every node of the step shares, marks node-specific values, keeps shell syntax', () => {
    const { plan, diagnostics } = buildPlan([RB], inventory, { vars: { e2e_tag: '42' } });
    expect(show(diagnostics)).toEqual([]);
    const [write, first, prose] = (plan as Plan).steps;
    expect(write!.explanation).toBe(
      'Writes `/tmp/e2e-42-dir/greeting.conf` on <node.name per node> (<node.address per node>), cluster lab,\n' +
        'peers c0=192.168.0.10,c1=192.168.0.11,c2=192.168.0.12; shell ${HOME:-/root} and ${e2e_tag} stay.',
    );
    // One node: its own values are the step's values.
    expect(first!.explanation).toBe('Runs on c0 only, at 10.0.0.10.');
    expect(prose!.explanation).toBe("The cluster is lab; this step has no blocks, so the runbook's targets count.");
    expect(prose!.nodes).toEqual([]);
  });

  it('leaves a variable without a value as written', () => {
    const { plan } = buildPlan([rb('rb/x.md', '---\ntargets: controllers\n---\n# X\n\n## S\n\nUses ${nowhere} and ${node.name}.\n\n```sh on=c1\ntrue\n```\n')], inventory);
    expect((plan as Plan).steps[0]!.explanation).toBe('Uses ${nowhere} and c1.');
  });
});

describe('renderExplanation', () => {
  const inventory = inv(THREE);
  const secretRb = rb('rb/s.md', '---\nvars:\n  token:\n    secret: true\n  user: admin\n---\n# S\n');
  const ctx = (): RenderContext => ({ inventory, scope: varScope(secretRb, new Map([['s', secretRb]]), inventory), cliVars: { token: 'hunter2' }, redactSecrets: false, secretsSeen: new Set() });

  it('never reveals a secret, even when the plan keeps real values', () => {
    const c = ctx();
    const text = renderExplanation('log in as ${user} with ${token}; all: ${nodes(controllers, "{name}={token}", " ")}', inventory.nodes.slice(0, 3), c);
    expect(text).toBe('log in as admin with <secret:token>; all: c0=<secret:token> c1=<secret:token> c2=<secret:token>');
    expect(text).not.toContain('hunter2');
    expect([...(c.secretsSeen ?? [])]).toEqual([]);
  });

  it('returns prose without expressions unchanged', () => {
    expect(renderExplanation('plain *prose* with $HOME', inventory.nodes, ctx())).toBe('plain *prose* with $HOME');
  });
});
