// Runs one lockstep command module in-process, capturing what it writes and the exit code it
// sets, so the command's behaviour is tested without loading every other command.
import { Command } from 'commander';

export interface CliResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export async function runCommand(mod: { register(p: Command): void }, args: string[]): Promise<CliResult> {
  const program = new Command('lockstep').exitOverride();
  mod.register(program);
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const saved = process.exitCode;
  process.exitCode = 0;
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof process.stderr.write;
  try {
    await program.parseAsync(['node', 'lockstep', ...args]);
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = saved;
  return { stdout, stderr, exitCode };
}
