// The variables a recorded session ran with: rollback and resume must render the same blocks
// (the rollback of a step that made `${pki_dir}` must remove the directory the run made). The
// recording keeps the `--var` values except secrets; those must be given again.
import { UserError } from './errors.js';

interface RecordedVarsHeader {
  vars?: Record<string, string>;
  secretVars?: string[];
}

/**
 * The recorded `--var` values under the ones given now (which win, with a warning when they
 * differ). A secret the session had but the command line lacks is an error naming it.
 */
export function withRecordedVars(header: unknown, given: Record<string, string>, file: string, what: 'resume' | 'roll back'): Record<string, string> {
  const h = (header ?? {}) as RecordedVarsHeader;
  const recorded = typeof h.vars === 'object' && h.vars !== null ? h.vars : {};
  for (const [name, value] of Object.entries(given)) {
    const was = recorded[name];
    if (was !== undefined && was !== value) {
      process.stderr.write(`lockstep: ${what}: --var ${name}=${value} replaces the recorded ${name}=${was}\n`);
    }
  }
  const missing = (Array.isArray(h.secretVars) ? h.secretVars : []).filter((n) => typeof n === 'string' && !(n in given));
  if (missing.length) {
    const list = missing.map((n) => `--var ${n}=…`).join(' ');
    throw new UserError(`cannot ${what}: ${file}:1: the session was run with the secret variable${missing.length === 1 ? '' : 's'} ${missing.join(', ')}, whose value a recording never keeps; give ${missing.length === 1 ? 'it' : 'them'} again: ${list}`);
  }
  return { ...recorded, ...given };
}
