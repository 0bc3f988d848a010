// `lockstep verify REC`: checks a recording's hash chain and how it ended. Wiring only.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { decodeRecording, type DecodedRecording } from '../record/decode.js';
import { RecordingError } from '../record/reader.js';
import { formatVerifyReport, VERIFY_EXIT_CODES, verifyBytes } from '../record/verify.js';
import { UserError } from './errors.js';

export function readRecordingBytes(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a recording' : `cannot read it (${code ?? (err as Error).message})`}`);
  }
}

/**
 * A recording for audit, export or replay: refused with the bad line named when damaged; a
 * cut-off one is allowed but said out loud (never a partial silent replay).
 */
export function loadRecordingForUse(file: string, warn: (message: string) => void = (m) => process.stderr.write(`lockstep: ${m}\n`)): DecodedRecording {
  let d: DecodedRecording;
  try {
    d = decodeRecording(readRecordingBytes(file), file);
  } catch (err) {
    if (err instanceof RecordingError) throw new UserError(`${err.message}\n(run \`lockstep verify ${file}\` for the full report)`, err.kind === 'not-recording' ? 2 : 1);
    throw err;
  }
  if (!d.ended) warn(`${file}: the session was cut off after line ${d.lines} (no session end recorded): showing what was recorded up to there`);
  if (d.version === 1) warn(`${file}: format v1 has no hash chain: it cannot be proven unedited`);
  return d;
}

export function register(program: Command): void {
  program
    .command('verify')
    .description('check that a recording is intact (hash chain) and whether its session ended cleanly or was cut off')
    .argument('<recording>', 'a lockstep recording (.jsonl)')
    .option('--head <sha256>', 'the chain head the recording must end at (printed when it was made): also catches a file cut short')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      '\nExit codes: 0 intact and cleanly ended; 1 damaged (a line edited, deleted, inserted or moved: the first bad line is named);\n' +
        '2 not a lockstep recording (or unreadable, or a newer format); 3 intact but cut off (lockstep was killed or crashed);\n' +
        '4 format v1, which has no hash chain; 5 an unredacted private key is in the file (lines named).',
    )
    .action((file: string, opts: { head?: string; json?: boolean }) => {
      const report = verifyBytes(readRecordingBytes(file), file, { expectHead: opts.head });
      const text = opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatVerifyReport(report);
      process.stdout.write(text);
      // A leaked key outranks every other verdict but a damaged file.
      process.exitCode = report.unredactedKeys.length > 0 && report.outcome !== 'damaged' ? 5 : VERIFY_EXIT_CODES[report.outcome];
    });
}
