// Option parsers shared by several commands.
import { UserError } from './errors.js';

/** `--var name=value`, repeatable: accumulates into one map (later values win). */
export function collectVar(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new UserError(`--var ${value}: expected name=value`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}
