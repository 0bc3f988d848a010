// Checking a san-check block's options with the SAN checker's own parser (src/certs), so
// lint and plan report a misspelt key before a run reaches the gate.
import { parseSanCheckOptions } from '../certs/index.js';

/** The checker's complaint about these options, or undefined when they are acceptable. */
export function sanCheckOptionsProblem(options: unknown): string | undefined {
  try {
    parseSanCheckOptions(options);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}
