// Round trip: every source position the parser records points at the text it describes, in
// the example runbooks, the real runbooks and a fixture written to be awkward.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunbook, type Runbook, type SourcePos } from '../../src/runbook/index.js';

/** The text of `source` from a 1-based line:column on. */
function from(source: string, pos: { line: number; column: number }): string {
  const lines = source.split('\n');
  return [(lines[pos.line - 1] ?? '').slice(pos.column - 1), ...lines.slice(pos.line)].join('\n');
}

const AWKWARD = `---
name: awkward
vars:
  x: "1"
---
# Awkward

> a quote

## Step \`one\`
<!-- lockstep: id=first on=all timeout=5s -->

- a list item with a block:

  \`\`\`sh verify retries=2 expect="a b"
  echo \${x}
  echo two
  \`\`\`

~~~ini file path=/etc/\${x}.conf mode=644
[a]
~~~

## Ünïcödé step ✓

\`\`\`\`bash run on=all
echo \`\`\`
\`\`\`\`
`;

function files(): [string, string][] {
  const out: [string, string][] = [['awkward.md', AWKWARD]];
  for (const dir of ['runbooks', 'runbooks/examples']) {
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.md')).sort()) out.push([join(dir, f), readFileSync(join(dir, f), 'utf8')]);
  }
  return out;
}

describe('source positions', () => {
  it.each(files())('%s: steps, blocks, attributes, variables and prose point at their text', (file, text) => {
    const r = parseRunbook(file, text);
    const rb = r.value as Runbook;
    expect(rb).toBeDefined();
    const check = (p: SourcePos, expected: string): void => {
      expect(p.file).toBe(file);
      expect(from(text, p).startsWith(expected), `${file}:${p.line}:${p.column} should start with ${JSON.stringify(expected)}`).toBe(true);
    };
    for (const v of rb.vars) check(v.pos, v.name);
    for (const [i, req] of rb.requires.entries()) check(rb.frontMatterPos![`requires.${i}`]!, req);
    rb.introMap?.forEach((seg, i) => {
      const next = rb.introMap![i + 1]?.offset ?? rb.intro.length;
      check({ file, ...seg }, rb.intro.slice(seg.offset, next).replace(/\n\n$/, '').split('\n')[0]!);
    });
    for (const step of rb.steps) {
      check(step.range.start, `${'#'.repeat(step.depth)} `);
      expect(from(text, step.range.start).split('\n')[0]).toContain(step.title.split(' ')[0]!);
      for (const [key, pos] of Object.entries(step.attrPos ?? {})) check(pos, key === 'once' ? 'once' : '');
      step.explanationMap?.forEach((seg, i) => {
        const next = step.explanationMap![i + 1]?.offset ?? step.explanation.length;
        check({ file, ...seg }, step.explanation.slice(seg.offset, next).split('\n')[0]!);
      });
      for (const block of step.blocks) {
        const fenceLine = from(text, block.range.start).split('\n')[0]!;
        expect(fenceLine).toMatch(/^(```|~~~)/);
        expect(fenceLine).toContain(block.lang);
        // The body, line by line, is the file's text at bodyStart.
        const bodyLines = block.body.split('\n');
        bodyLines.forEach((line, k) => {
          check({ ...block.bodyStart, line: block.bodyStart.line + k }, line);
        });
        for (const [key, pos] of Object.entries(block.attrPos ?? {})) {
          if (key === 'kind') check(pos, block.kind);
          else if (key === 'once') check(pos, 'once');
          else if (key === 'expect' && block.kind === 'verify') check(pos, block.expect ?? '');
          else if (key === 'path' && block.kind === 'file') check(pos, block.path);
        }
      }
    }
  });

  it('records the awkward fixture exactly', () => {
    const rb = parseRunbook('awkward.md', AWKWARD).value as Runbook;
    expect(rb.steps.map((s) => [s.id, s.range.start.line, s.range.end.line])).toEqual([
      ['first', 10, 24],
      ['ünïcödé-step-', 24, 29],
    ]);
    const [verify, file] = rb.steps[0]!.blocks;
    expect(verify!.range.start).toEqual({ file: 'awkward.md', line: 15, column: 3 });
    expect(verify!.body).toBe('echo ${x}\necho two');
    expect(file!.range.start).toEqual({ file: 'awkward.md', line: 20, column: 1 });
    expect(rb.steps[1]!.blocks[0]!.body).toBe('echo ```');
  });
});
