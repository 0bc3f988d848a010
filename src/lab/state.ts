// The lab's state file: what `up` created, so `down` and `status` know it even after a crash.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { LabConfig } from './config.js';

export interface LabState {
  controllers: number;
  subnet: string;
  nodes: { name: string; pid: number; address: string }[];
  startedAt: string;
  /** Scenario name → node it was applied to, for `status` and `reset`. */
  scenarios: Record<string, string>;
}

export function readState(cfg: LabConfig): LabState | undefined {
  try {
    return JSON.parse(readFileSync(cfg.stateFile, 'utf8')) as LabState;
  } catch {
    return undefined;
  }
}

export function writeState(cfg: LabConfig, state: LabState): void {
  const tmp = `${cfg.stateFile}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n');
  renameSync(tmp, cfg.stateFile);
}

export function removeState(cfg: LabConfig): void {
  rmSync(cfg.stateFile, { force: true });
}
