// Property: the parser and the inventory loader never throw, whatever they are given; every
// problem comes back as a diagnostic with a position inside the input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseInventory } from '../../src/inventory/index.js';
import { buildPlan, parseRunbook, validateRunbooks, type Runbook } from '../../src/runbook/index.js';
import { inv, THREE } from './helpers.js';

// Fragments that exercise lockstep's syntax more often than random text would.
const piece = fc.constantFrom(
  '---\n', '# ', '## ', '### ', '\n', '\n\n', '```', '~~~', 'sh ', 'bash ', 'ini ', 'yaml ', 'file ', 'verify ', 'rollback ',
  'san-check ', 'run ', 'once ', 'skip ', 'path=/etc/x ', 'path=', 'mode=0644 ', 'mode=9 ', 'retries=3 ', 'interval=2s ',
  'timeout=', 'expect="', '"', 'on=controllers ', 'on=', 'id=x ', 'id=', '<!-- lockstep: ', ' -->', '${', '}', '$${', 'node.name',
  '${nodes(controllers, "{name}", ",")}', 'nodes(', 'vars:\n  a: 1\n', 'requires: [x]\n', 'targets: all\n', 'secret: true', '  ', '- ', '> ', '\\',
);
const markdownish = fc.oneof(fc.string({ maxLength: 300 }), fc.array(fc.oneof(piece, fc.string({ maxLength: 8 })), { maxLength: 60 }).map((a) => a.join('')));

const yamlPiece = fc.constantFrom(
  'nodes:\n', 'all:\n', '  children:\n', '  hosts:\n', '    c0:\n', '      ansible_host: 1.2.3.4\n', '      ansible_port: x\n', '  - name: ',
  '    address: ', '    port: 99999\n', '    groups: [a, all]\n', '    ssh_alias: c\n', '    local: true\n', 'vars:\n', '  x: [1]\n',
  'known_hosts: ./k\n', 'groups:\n', '  a:\n', '    vars: {}\n', ': ', '- ', '{', '[', '"', '\n', '  ', 'c0', 'gw',
);
const yamlish = fc.oneof(fc.string({ maxLength: 200 }), fc.array(fc.oneof(yamlPiece, fc.string({ maxLength: 6 })), { maxLength: 40 }).map((a) => a.join('')));

describe('never throws', () => {
  it('parseRunbook, validateRunbooks and buildPlan return diagnostics for any text', () => {
    const inventory = inv(THREE);
    fc.assert(
      fc.property(markdownish, (text) => {
        const r = parseRunbook('p.md', text);
        const lines = text.split('\n').length;
        for (const d of r.diagnostics) {
          expect(d.file).toBe('p.md');
          expect(d.line).toBeGreaterThanOrEqual(1);
          expect(d.line).toBeLessThanOrEqual(lines + 1);
          expect(d.column).toBeGreaterThanOrEqual(1);
          expect(d.code).not.toBe('internal');
        }
        if (r.value) {
          validateRunbooks([r.value as Runbook], inventory);
          buildPlan([r.value as Runbook], inventory, { redactSecrets: true });
        }
      }),
      { numRuns: 400 },
    );
  });

  it('parseInventory returns diagnostics for any text', () => {
    const env = { home: '/h', readFile: () => 'Host c\n  HostName 10.0.0.1\n' };
    fc.assert(
      fc.property(yamlish, (text) => {
        const r = parseInventory('i.yaml', text, env);
        for (const d of r.diagnostics) {
          expect(d.file).toBe('i.yaml');
          expect(d.line).toBeGreaterThanOrEqual(1);
          expect(d.code).not.toBe('internal');
        }
        if (r.value) expect(r.value.groups.all).toEqual(r.value.nodes.map((n) => n.name));
      }),
      { numRuns: 400 },
    );
  });
});
