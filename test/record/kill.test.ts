// `kill -9` at several points of a real run (the built CLI, local PTY nodes): every recording
// left behind verifies up to its last complete line, is reported as cut off, and says where a
// resumed session would start.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findResumePoint } from '../../src/engine/resume.js';
import { loadInventory } from '../../src/inventory/index.js';
import { readRecording } from '../../src/record/reader.js';
import { buildPlan, loadRunbooks } from '../../src/runbook/index.js';
import { verifyBytes } from '../../src/record/verify.js';

const fence = '```';
const RUNBOOK = `# Slow\n\n## One\n${fence}sh run\nfor i in 1 2 3 4 5; do echo "one $i"; sleep 0.1; done\n${fence}\n\n## Two\n${fence}sh run\nfor i in 1 2 3 4 5 6 7 8 9; do echo "two $i"; sleep 0.2; done; sleep 30\n${fence}\n`;

/** Where `lockstep run --resume` would continue, worked out by the engine's own resume planner. */
function nextStep(rec: string): string | undefined {
  const dir = join(rec, '..');
  const plan = buildPlan(loadRunbooks([join(dir, 'rb.md')]).value ?? [], loadInventory(join(dir, 'inv.yaml')).value!, { vars: {} }).plan!;
  const recording = readRecording(rec);
  const point = findResumePoint({ file: rec, header: recording.header, events: recording.events }, plan);
  return plan.steps[point.nextIndex]?.id;
}

async function runAndKill(waitFor: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-kill-'));
  writeFileSync(join(dir, 'inv.yaml'), 'nodes:\n  - { name: n0, local: true }\n  - { name: n1, local: true }\n');
  writeFileSync(join(dir, 'rb.md'), RUNBOOK);
  const rec = join(dir, 'rec.jsonl');
  const child = spawn('node', ['bin/lockstep.js', 'run', join(dir, 'rb.md'), '-i', join(dir, 'inv.yaml'), '--yes', '--no-tui', '--record', rec], { stdio: 'ignore' });
  const closed = new Promise((resolve) => child.on('close', resolve));
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && !(existsSync(rec) && readFileSync(rec, 'utf8').includes(waitFor))) await new Promise((r) => setTimeout(r, 20));
  child.kill('SIGKILL');
  await closed;
  return rec;
}

describe('a recording after kill -9', () => {
  for (const [point, marker, next] of [
    ['while step 1 prints', 'one 2', 'rb/one'],
    ['after step 1 finished', '"status":"passed"', 'rb/two'],
    ['while step 2 prints', 'two 3', 'rb/two'],
  ] as const) {
    it(`verifies up to its last complete line when killed ${point}`, async () => {
      const rec = await runAndKill(marker);
      const bytes = readFileSync(rec);
      const complete = bytes.lastIndexOf(0x0a) + 1;
      const r = verifyBytes(bytes, rec);
      expect(r.outcome).toBe('cut-off');
      expect(r.problem).toBeUndefined();
      expect(r.goodLines).toBe(bytes.subarray(0, complete).toString('utf8').split('\n').length - 1);
      expect(r.partialBytes).toBe(bytes.length - complete);
      expect(nextStep(rec)).toBe(next);
    }, 30_000);
  }
});
