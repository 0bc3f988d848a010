// Where recordings go by default: $XDG_STATE_HOME/lockstep/recordings (~/.local/state/…).
import { homedir } from 'node:os';
import { join } from 'node:path';

export function recordingsDir(env: NodeJS.ProcessEnv = process.env): string {
  const state = env.XDG_STATE_HOME && env.XDG_STATE_HOME.startsWith('/') ? env.XDG_STATE_HOME : join(homedir(), '.local', 'state');
  return join(state, 'lockstep', 'recordings');
}

/** A new file name that sorts by time and names the runbooks: 20261124T200725Z-etcd.jsonl */
export function defaultRecordingPath(runbookNames: string[], now = new Date(), env: NodeJS.ProcessEnv = process.env): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const label = runbookNames.join('+').replace(/[^A-Za-z0-9_.+-]/g, '_').slice(0, 80) || 'session';
  return join(recordingsDir(env), `${stamp}-${label}.jsonl`);
}
