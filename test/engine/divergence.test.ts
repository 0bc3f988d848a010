import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalize, detectDivergence, type NodeIdentity } from '../../src/engine/divergence.js';

const ids: NodeIdentity[] = [
  { name: 'controller0', address: '10.240.0.10', vars: { internal_ip: '10.240.0.10', pod_cidr: '10.200.0.0/24', cluster: 'k8s' } },
  { name: 'controller1', address: '10.240.0.11', vars: { internal_ip: '10.240.0.11', pod_cidr: '10.200.1.0/24', cluster: 'k8s' } },
  { name: 'controller2', address: '10.240.0.12', vars: { internal_ip: '10.240.0.12', pod_cidr: '10.200.2.0/24', cluster: 'k8s' } },
];
const outs = (f: (i: number) => string) => ids.map((id, i) => ({ node: id.name, output: f(i) }));

describe('detectDivergence', () => {
  it('sees no divergence when outputs differ only by node identity', () => {
    expect(detectDivergence(outs((i) => `controller${i}\n`), ids)).toBeNull();
    expect(detectDivergence(outs((i) => `inet 10.240.0.1${i}/24 brd 10.240.0.255\r\n`), ids)).toBeNull();
    expect(detectDivergence(outs((i) => `podCIDR: 10.200.${i}.0/24\nname: controller${i}.lab.local\n`), ids)).toBeNull();
    // A list naming every node is identical everywhere, and stays so.
    const members = 'controller0=https://10.240.0.10:2380,controller1=https://10.240.0.11:2380,controller2=https://10.240.0.12:2380';
    expect(detectDivergence(outs((i) => `self: controller${i}\n${members}\n`), ids)).toBeNull();
    // The node's own name next to the member list on one line, as `systemctl cat etcd` shows.
    expect(detectDivergence(outs((i) => `ExecStart=etcd --name controller${i} --initial-cluster ${members} --listen-peer-urls https://10.240.0.1${i}:2380\n`), ids)).toBeNull();
    // Every node naming the same bootstrap node.
    expect(detectDivergence(outs(() => 'bootstrap: controller0 (10.240.0.10)\n'), ids)).toBeNull();
    // Names inside longer words: pod names, per-node file names, markers.
    expect(detectDivergence(outs((i) => `kube-apiserver-controller${i} Running\n/etc/etcd/controller${i}-key.pem\nmark-controller${i}\n`), ids)).toBeNull();
    // "peer X connected" naming one other node.
    expect(detectDivergence(outs((i) => `peer controller${(i + 1) % 3} connected\n`), ids)).toBeNull();
  });

  it('masks timestamps, PIDs, durations and escape sequences', () => {
    const status = (i: number) =>
      [
        `\x1b[0;1;32m●\x1b[0m etcd.service - etcd`,
        `     Active: active (running) since Tue 2026-11-24 20:0${i}:1${i} UTC; ${i + 3}s ago`,
        `   Main PID: ${4100 + i * 7} (etcd)`,
        `     Memory: 1${i}.2M`,
        `        CPU: ${120 + i}ms`,
        `Nov 2${i} 20:07:2${i} controller${i} etcd[${4100 + i * 7}]: ready to serve, took 1.${i}2s`,
      ].join('\r\n');
    expect(detectDivergence(outs(status), ids)).toBeNull();
  });

  it('reports the node that differs from the majority, with a diff of real lines', () => {
    const report = detectDivergence(outs((i) => (i === 2 ? 'ca.pem: OK\nkey mismatch\n' : 'ca.pem: OK\nkey matches\n')), ids);
    expect(report).not.toBeNull();
    expect(report?.majority).toEqual(['controller0', 'controller1']);
    expect(report?.tie).toBe(false);
    expect(report?.outliers.map((o) => o.node)).toEqual(['controller2']);
    const diff = report?.outliers[0]?.diff ?? '';
    expect(diff.startsWith('--- controller0\n+++ controller2\n')).toBe(true);
    expect(diff).toContain('+++ controller2');
    expect(diff).toContain('-key matches');
    expect(diff).toContain('+key mismatch');
    expect(diff).toContain(' ca.pem: OK');
  });

  it("catches a node printing another node's address where the others print their own", () => {
    const report = detectDivergence(outs((i) => `--advertise-address=10.240.0.1${i === 1 ? 0 : i}\n`), ids);
    expect(report?.outliers.map((o) => o.node)).toEqual(['controller1']);
    expect(report?.outliers[0]?.diff).toContain('+--advertise-address=10.240.0.10');
    expect(report?.outliers[0]?.diff).toContain('---advertise-address=10.240.0.10');
  });

  it('catches a wrong address in a line that also lists every node', () => {
    const members = 'controller0=https://10.240.0.10:2380,controller1=https://10.240.0.11:2380,controller2=https://10.240.0.12:2380';
    const report = detectDivergence(outs((i) => `--name controller${i} --initial-cluster ${members} --advertise https://10.240.0.1${i === 2 ? 1 : i}:2380\n`), ids);
    expect(report?.outliers.map((o) => o.node)).toEqual(['controller2']);
  });

  it('does not confuse 10.240.0.1 with 10.240.0.10 or node1 with node10', () => {
    const two: NodeIdentity[] = [
      { name: 'node1', address: '10.0.0.1' },
      { name: 'node10', address: '10.0.0.10' },
      { name: 'node2', address: '10.0.0.2' },
    ];
    const c = canonicalize(
      [
        { node: 'node1', output: 'node10 at 10.0.0.10' },
        { node: 'node10', output: 'node1 at 10.0.0.1' },
      ],
      two,
    );
    expect(c.get('node1')?.canonical).toEqual(['‹other:name› at ‹other:address›']);
    expect(c.get('node10')?.canonical).toEqual(['‹other:name› at ‹other:address›']);
  });

  it('reports a tie with the first node as reference, and ignores a shared variable', () => {
    const report = detectDivergence(
      [
        { node: 'controller0', output: 'cluster k8s: one' },
        { node: 'controller1', output: 'cluster k8s: two' },
      ],
      ids.slice(0, 2),
    );
    expect(report?.tie).toBe(true);
    expect(report?.majority).toEqual(['controller0']);
    expect(report?.outliers[0]?.diff).toContain('-cluster k8s: one');
  });

  it('handles added lines and missing trailing newline', () => {
    const report = detectDivergence(outs((i) => (i === 0 ? 'a\nb\nextra\nc' : 'a\nb\nc\n')), ids);
    expect(report?.outliers.map((o) => o.node)).toEqual(['controller0']);
    expect(report?.outliers[0]?.diff).toMatch(/^\+extra$/m);
  });
});

describe('detectDivergence (property)', () => {
  // Lines built from pieces that legitimately differ between nodes must never diverge.
  const PIECES = [
    (i: number) => `controller${i}`,
    (i: number) => `10.240.0.1${i}`,
    (i: number) => `https://10.240.0.1${i}:2379`,
    (i: number) => `10.200.${i}.0/24`,
    (i: number) => `etcd-controller${i}.service`,
    () => 'controller0,controller1,controller2',
    () => 'k8s',
    (i: number) => `pid ${1000 + i * 37}`,
    (i: number) => `2026-11-24T20:0${i}:1${i}Z`,
    (i: number) => `took ${i + 1}.${i}s`,
    () => 'ready',
  ];
  const SEPS = [' ', ': ', '=', ',', '/', ' -> ', '\t'];
  // Words separated as real output separates them (glued names are not names).
  const doc = fc.array(fc.array(fc.tuple(fc.nat(PIECES.length - 1), fc.nat(SEPS.length - 1)), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 6 });
  const render = (lines: [number, number][][], i: number) => lines.map((l) => l.map(([p, s]) => (PIECES[p] as (i: number) => string)(i) + SEPS[s]).join('')).join('\r\n');

  it('never reports nodes whose outputs differ only by identity, time, PIDs and durations', () => {
    fc.assert(
      fc.property(doc, (lines) => {
        expect(detectDivergence(outs((i) => render(lines, i)), ids)).toBeNull();
      }),
      { numRuns: 300 },
    );
  });

  it('always reports a node whose output has an extra real difference', () => {
    fc.assert(
      fc.property(doc, fc.integer({ min: 0, max: 2 }), (lines, odd) => {
        const report = detectDivergence(outs((i) => render(lines, i) + (i === odd ? '\nERROR: disk full' : '')), ids);
        expect(report?.outliers.map((o) => o.node)).toEqual([`controller${odd}`]);
        expect(report?.outliers[0]?.diff).toContain('+ERROR: disk full');
      }),
      { numRuns: 100 },
    );
  });
});
