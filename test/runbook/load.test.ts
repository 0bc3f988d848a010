import { describe, expect, it } from 'vitest';
import { loadRunbooks } from '../../src/runbook/index.js';

describe('loadRunbooks', () => {
  it('pulls required runbooks from the same directory and orders them first', () => {
    const r = loadRunbooks(['runbooks/examples/tiny-etcd.md']);
    expect(r.diagnostics).toEqual([]);
    expect(r.value!.map((x) => [x.name, x.file])).toEqual([
      ['hello-cluster', 'runbooks/examples/hello-cluster.md'],
      ['tiny-etcd', 'runbooks/examples/tiny-etcd.md'],
    ]);
  });

  it('loads a file named twice only once, and keeps command-line order otherwise', () => {
    const r = loadRunbooks(['runbooks/examples/hello-cluster.md', './runbooks/examples/hello-cluster.md', 'test/fixtures/runbooks/broken/pki.md']);
    expect(r.value!.map((x) => x.name)).toEqual(['hello-cluster', 'pki']);
  });

  it('reports unreadable paths as diagnostics', () => {
    const r = loadRunbooks(['runbooks/examples/missing.md', 'runbooks/examples']);
    expect(r.value).toEqual([]);
    expect(r.diagnostics.map((d) => `${d.file}:${d.line}:${d.column}: ${d.message}`)).toEqual([
      'runbooks/examples/missing.md:1:1: cannot read runbook: no such file',
      'runbooks/examples:1:1: cannot read runbook: it is a directory',
    ]);
  });
});
