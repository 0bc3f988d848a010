// A scripted, realistic session for the demo entry and UI tests: three controllers installing
// etcd, with coloured output, a file diff, a failed-then-passing gate and a divergence.
// Pure data; no ink here so state tests can use it too.
import type { EventBody, LockstepEvent } from '../../state/events.js';

export const DEMO_NODES = ['controller-0', 'controller-1', 'controller-2'] as const;
const N = [...DEMO_NODES];

export const DEMO_PROMPT = '\x1b[1;32mroot@NODE\x1b[0m:\x1b[1;34m~\x1b[0m# ';
export const prompt = (node: string): string => DEMO_PROMPT.replace('NODE', node);

const STEPS = [
  {
    id: 'etcd/download',
    title: 'Download etcd',
    nodes: N,
    explanation:
      'Fetch the **etcd** release on every controller and unpack `etcd` and `etcdctl`.\n\n' +
      '- the tarball goes to `/tmp`\n- binaries land in `/usr/local/bin`\n\nThis step is *safe to repeat*.',
    changes: ['runs 1 command on 3 nodes'],
  },
  {
    id: 'etcd/unit',
    title: 'Write the etcd unit',
    nodes: N,
    explanation: 'Write `/etc/systemd/system/etcd.service`; each node gets its own `--name` and peer URLs.',
  },
  {
    id: 'etcd/verify',
    title: 'Verify etcd members',
    nodes: N,
    explanation: 'List the members with `etcdctl member list`: all three must be **started**.',
  },
  { id: 'apiserver/certs', title: 'Check API server SANs', nodes: N, explanation: 'The serving certificate must name the load balancer.' },
];

const UNIT_DIFF = (node: string): string =>
  '--- /etc/systemd/system/etcd.service\n+++ /etc/systemd/system/etcd.service (new)\n@@ -0,0 +1,4 @@\n+[Unit]\n+Description=etcd\n+[Service]\n+ExecStart=/usr/local/bin/etcd --name ' +
  node +
  '\n';

/** Events up to the first prompt: session start and connections. */
export function demoOpening(cols = 60, rows = 10): EventBody[] {
  return [
    {
      type: 'session.started',
      version: '0.1.0',
      operator: 'alice',
      host: 'jump',
      startedAt: '2026-11-24T20:00:00.000Z',
      runbooks: [{ name: 'etcd', file: 'runbooks/etcd.md', sha256: 'ab'.repeat(32) }],
      nodes: N.map((name, i) => ({ name, address: `10.240.0.1${i}`, groups: ['controllers'] })),
      steps: STEPS,
      cols,
      rows,
    },
    ...N.flatMap((node): EventBody[] => [
      { type: 'node.connecting', node },
      { type: 'node.connected', node },
      { type: 'node.output', node, data: prompt(node) },
    ]),
  ];
}

/** The events one `next` produces, step by step (index 0 = first step). */
export function demoStep(index: number): EventBody[] {
  const step = STEPS[index];
  if (!step) return [];
  const id = step.id;
  const block = `${id}/run`;
  const out: EventBody[] = [{ type: 'step.started', step: id }];
  if (index === 0) {
    out.push({ type: 'block.started', step: id, block, nodes: N });
    for (const node of N) {
      out.push({ type: 'node.output', node, data: 'wget -q https://example.invalid/etcd-v3.5.tar.gz\r\n' });
      out.push({ type: 'node.output', node, data: '\x1b[33mextracting\x1b[0m etcd-v3.5/etcd\r\n' + prompt(node) });
      out.push({ type: 'block.finished', step: id, block, node, exitCode: 0, timedOut: false, interrupted: false });
    }
    out.push({ type: 'step.finished', step: id, status: 'passed' });
  } else if (index === 1) {
    const fileBlock = `${id}/file`;
    for (const node of N) {
      out.push({ type: 'file.diff', step: id, block: fileBlock, node, path: '/etc/systemd/system/etcd.service', existed: false, diff: UNIT_DIFF(node), changed: true, preview: true });
    }
    out.push({ type: 'engine.waiting', reason: 'approval', step: id });
  } else if (index === 2) {
    const gate = `${id}/verify`;
    out.push({ type: 'block.started', step: id, block: gate, nodes: N });
    for (const node of N) {
      out.push({ type: 'gate.attempt', step: id, block: gate, node, attempt: 1 });
      out.push({ type: 'node.output', node, data: 'etcdctl member list\r\n8e9e05c52164694d, \x1b[32mstarted\x1b[0m, controller-0\r\n' + prompt(node) });
    }
    out.push({ type: 'gate.result', step: id, block: gate, node: 'controller-0', ok: true, attempt: 1, exitCode: 0 });
    out.push({ type: 'gate.result', step: id, block: gate, node: 'controller-1', ok: true, attempt: 1, exitCode: 0 });
    out.push({
      type: 'gate.result', step: id, block: gate, node: 'controller-2', ok: false, attempt: 1, exitCode: 1,
      reason: 'pattern "started" not found', tail: 'Error: context deadline exceeded',
    });
    out.push({
      type: 'divergence', step: id, block: gate, majority: ['controller-0', 'controller-1'],
      outliers: [{ node: 'controller-2', diff: '-8e9e05c52164694d, started, controller-0\n+Error: context deadline exceeded\n' }],
    });
    out.push({ type: 'step.finished', step: id, status: 'failed', reason: 'gate failed on controller-2' });
    out.push({ type: 'engine.waiting', reason: 'failed', step: id });
  }
  return out;
}

/** After approval of step 2: the files are written and the step passes. */
export function demoApproved(): EventBody[] {
  const id = 'etcd/unit';
  return [
    ...N.map((node): EventBody => ({ type: 'file.written', step: id, block: `${id}/file`, node, path: '/etc/systemd/system/etcd.service' })),
    { type: 'step.finished', step: id, status: 'passed' },
  ];
}

/** Stamps bodies with increasing `t`. */
export function stamp(bodies: EventBody[], start = 0): LockstepEvent[] {
  return bodies.map((b, i) => ({ ...b, t: start + i }) as LockstepEvent);
}
