// A hand-written session covering every kind of event, for record tests: 3 nodes, 3 steps
// (the second fails its gate on n1, is retried and passes), a file written and rolled back,
// a divergence, a host key accepted, operator decisions and typing.
import type { EventBody, LockstepEvent } from '../../src/state/events.js';

export const NODES = ['n0', 'n1', 'n2'];

export function syntheticSession(options: { end?: boolean } = {}): LockstepEvent[] {
  const b: EventBody[] = [];
  const out = (node: string, data: string) => b.push({ type: 'node.output', node, data });
  b.push({
    type: 'session.started',
    version: '0.1.0',
    operator: 'alice',
    host: 'bastion',
    startedAt: '2026-11-24T20:00:00.000Z',
    runbooks: [{ name: 'etcd', file: 'runbooks/etcd.md', sha256: 'ab'.repeat(32) }],
    nodes: NODES.map((name, i) => ({ name, address: `10.0.0.${i + 10}`, groups: ['controllers'] })),
    steps: [
      { id: 'etcd/download', title: 'Download etcd', nodes: NODES },
      { id: 'etcd/configure', title: 'Configure etcd', nodes: NODES },
      { id: 'etcd/start', title: 'Start etcd', nodes: NODES },
    ],
    cols: 40,
    rows: 6,
  });
  b.push({ type: 'hostkey.unknown', node: 'n2', fingerprint: 'SHA256:abc', keyType: 'ssh-ed25519', knownHosts: '/home/alice/.ssh/known_hosts', changed: false });
  b.push({ type: 'hostkey.accepted', node: 'n2', fingerprint: 'SHA256:abc', keyType: 'ssh-ed25519', by: 'prompt' });
  for (const n of NODES) b.push({ type: 'node.connected', node: n });
  for (const n of NODES) out(n, `\x1b[32m${n}\x1b[0m$ `);
  // Step 1: passes everywhere.
  b.push({ type: 'operator.intent', intent: { kind: 'approve', step: 'etcd/download' } });
  b.push({ type: 'step.started', step: 'etcd/download' });
  b.push({ type: 'block.started', step: 'etcd/download', block: 'etcd/download/run-1', nodes: NODES });
  for (const n of NODES) out(n, `curl etcd on ${n}\r\ndownloaded 21 MB\r\n${n}$ `);
  for (const n of NODES) b.push({ type: 'block.finished', step: 'etcd/download', block: 'etcd/download/run-1', node: n, exitCode: 0, timedOut: false, interrupted: false });
  b.push({ type: 'divergence', step: 'etcd/download', block: 'etcd/download/run-1', majority: ['n0', 'n1'], outliers: [{ node: 'n2', diff: '-downloaded 21 MB\n+downloaded 20 MB' }] });
  b.push({ type: 'step.finished', step: 'etcd/download', status: 'passed' });
  // Step 2: a file, then a gate failing on n1; retried, passes.
  b.push({ type: 'operator.intent', intent: { kind: 'approve', step: 'etcd/configure' } });
  for (let run = 1; run <= 2; run++) {
    b.push({ type: 'step.started', step: 'etcd/configure' });
    for (const n of NODES) {
      b.push({ type: 'file.diff', step: 'etcd/configure', block: 'etcd/configure/file-1', node: n, path: '/etc/etcd.conf', existed: run === 2, diff: `+name=${n}\n`, changed: true });
      b.push({ type: 'file.written', step: 'etcd/configure', block: 'etcd/configure/file-1', node: n, path: '/etc/etcd.conf' });
    }
    for (const n of NODES) {
      b.push({ type: 'gate.attempt', step: 'etcd/configure', block: 'etcd/configure/verify-2', node: n, attempt: 1 });
      const ok = run === 2 || n !== 'n1';
      out(n, ok ? 'config ok\r\n' : '\x1b[31mconfig BAD\x1b[0m\r\n');
      b.push({ type: 'gate.result', step: 'etcd/configure', block: 'etcd/configure/verify-2', node: n, ok, attempt: 1, exitCode: ok ? 0 : 1, reason: ok ? undefined : 'exit code 1', tail: ok ? undefined : 'config BAD' });
    }
    b.push({ type: 'step.finished', step: 'etcd/configure', status: run === 2 ? 'passed' : 'failed', reason: run === 2 ? undefined : 'gate failed on n1' });
    if (run === 1) {
      b.push({ type: 'engine.waiting', reason: 'failed', step: 'etcd/configure' });
      b.push({ type: 'node.input', nodes: ['n1'], data: 'vi /etc/etcd.conf\r', redacted: false });
      b.push({ type: 'operator.intent', intent: { kind: 'retry', step: 'etcd/configure' } });
    }
  }
  // Step 3: runs, then the operator rolls it back and quits.
  b.push({ type: 'operator.intent', intent: { kind: 'approve', step: 'etcd/start' } });
  b.push({ type: 'step.started', step: 'etcd/start' });
  b.push({ type: 'block.started', step: 'etcd/start', block: 'etcd/start/run-1', nodes: NODES });
  for (const n of NODES) out(n, `systemctl start etcd\r\nstarted on ${n}\r\n${n}$ `);
  for (const n of NODES) b.push({ type: 'block.finished', step: 'etcd/start', block: 'etcd/start/run-1', node: n, exitCode: 0, timedOut: false, interrupted: false });
  b.push({ type: 'step.finished', step: 'etcd/start', status: 'passed' });
  b.push({ type: 'engine.waiting', reason: 'done' });
  b.push({ type: 'operator.intent', intent: { kind: 'rollback', toStep: 'etcd/start' } });
  b.push({ type: 'rollback.started', step: 'etcd/start' });
  b.push({ type: 'step.finished', step: 'etcd/start', status: 'rolled-back' });
  b.push({ type: 'notice', level: 'warn', message: 'n2 is slow to answer', node: 'n2' });
  b.push({ type: 'operator.intent', intent: { kind: 'quit' } });
  if (options.end !== false) b.push({ type: 'session.ended', status: 'aborted' });
  // 250 ms apart, with one long pause (idle) before step 3.
  let t = 0;
  return b.map((e, i) => ({ ...e, t: (t += i === 60 ? 60_000 : 250) }) as LockstepEvent);
}
