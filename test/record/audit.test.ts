import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditRecording } from '../../src/record/audit.js';
import { auditMarkdown } from '../../src/record/audit-md.js';
import { Recorder, readRecording } from '../../src/record/index.js';
import * as auditCli from '../../src/cli/audit.js';
import { runCommand } from '../cli/cli-harness.js';
import { syntheticSession } from './synthetic-session.js';

function recorded(end = true) {
  const file = join(mkdtempSync(join(tmpdir(), 'lockstep-audit-')), 'rec.jsonl');
  const rec = new Recorder(file, { secrets: [], createdAt: '2026-11-24T20:00:00.000Z', header: { operator: 'alice', host: 'bastion', lockstep: '0.1.0' } });
  for (const e of syntheticSession({ end })) rec.write(e);
  rec.close();
  const r = readRecording(file);
  return { file, report: auditRecording({ file, version: r.version, lines: r.lines, head: r.head, ended: r.ended, header: r.header, events: r.events }) };
}

describe('audit', () => {
  it('folds a session into who, where, when, steps per node, gates, decisions, files, divergences and host keys', () => {
    const { report: r } = recorded();
    expect(r.session).toMatchObject({ operator: 'alice', host: 'bastion', lockstep: '0.1.0', startedAt: '2026-11-24T20:00:00.000Z', status: 'aborted' });
    expect(r.session.durationMs).toBe(syntheticSession().at(-1)!.t);
    expect(r.session.endedAt).toBe(new Date(Date.parse('2026-11-24T20:00:00.000Z') + r.session.durationMs).toISOString());
    expect(r.nodes.map((n) => [n.name, n.address, n.status])).toEqual([
      ['n0', '10.0.0.10', 'connected'],
      ['n1', '10.0.0.11', 'connected'],
      ['n2', '10.0.0.12', 'connected'],
    ]);
    expect(r.steps.map((s) => [s.id, s.status, s.runs])).toEqual([
      ['etcd/download', 'passed', 1],
      ['etcd/configure', 'passed', 2],
      ['etcd/start', 'rolled-back', 1],
    ]);
    expect(r.steps[0]!.outcome).toEqual({ n0: 'ok', n1: 'ok', n2: 'ok' });
    expect(r.steps[2]!.outcome).toEqual({ n0: 'rolled back', n1: 'rolled back', n2: 'rolled back' });
    // The retried step's gates are its last run's: all passed.
    expect(r.steps[1]!.gates.map((g) => [g.node, g.ok])).toEqual([['n0', true], ['n1', true], ['n2', true]]);
    expect(r.decisions.map((d) => d.what)).toEqual([
      "trusted n2's new ssh-ed25519 host key SHA256:abc (answered at the prompt)",
      'approve etcd/download',
      'approve etcd/configure',
      'retry etcd/configure',
      'approve etcd/start',
      'roll back to etcd/start',
      'quit',
    ]);
    expect(r.typed).toEqual([expect.objectContaining({ nodes: ['n1'], data: 'vi /etc/etcd.conf\r', redacted: false })]);
    expect(r.files.filter((f) => f.node === 'n1').map((f) => [f.path, f.action, f.existed])).toEqual([
      ['/etc/etcd.conf', 'written', false],
      ['/etc/etcd.conf', 'written', true],
    ]);
    expect(r.divergences).toEqual([expect.objectContaining({ step: 'etcd/download', majority: ['n0', 'n1'], outliers: [expect.objectContaining({ node: 'n2' })] })]);
    expect(r.hostKeys.map((k) => [k.node, k.event])).toEqual([['n2', 'unknown'], ['n2', 'accepted']]);
    expect(r.notices).toEqual([expect.objectContaining({ level: 'warn', node: 'n2' })]);
  });

  it('says a cut-off session was cut off', () => {
    const { report } = recorded(false);
    expect(report.session.status).toBe('cut off');
    expect(report.recording.endedCleanly).toBe(false);
    expect(auditMarkdown(report)).toContain('**CUT OFF**');
  });

  it('renders Markdown with a row per step and a column per node, and JSON through the CLI', async () => {
    const { file, report } = recorded();
    const md = auditMarkdown(report);
    expect(md).toContain('- **Operator:** alice on **bastion** (lockstep 0.1.0)');
    expect(md).toMatch(/\| 2 \| Configure etcd \(`etcd\/configure`\) \| passed \| 2 \| ok \| ok \| ok \|/);
    expect(md).toContain('- 2026-11-24 20:00:');
    expect(md).toContain('retry etcd/configure');
    expect(md).toContain('```diff\n+name=n1\n```');
    const json = await runCommand(auditCli, ['audit', file, '--json']);
    expect(json.exitCode).toBe(0);
    expect(JSON.parse(json.stdout).steps).toHaveLength(3);
    const text = await runCommand(auditCli, ['audit', file]);
    expect(text.stdout).toBe(md);
  });

  it('refuses a damaged recording with the line, never a stack trace', async () => {
    const { file } = recorded();
    const { appendFileSync } = await import('node:fs');
    appendFileSync(file, '{"garbage": true}\n');
    await expect(runCommand(auditCli, ['audit', file])).rejects.toThrow(/rec\.jsonl:\d+: not an event line/);
  });
});
