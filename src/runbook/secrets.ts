// Where a secret would be echoed by a shell block: `echo`/`printf` of a secret whose output
// goes to the terminal (not redirected to a file, not piped into another command). A heuristic
// over simple command lines, deliberately narrow so it has no false alarms on normal use.
import { scanExpressions } from './expressions.js';
import type { VarScope } from './scope.js';

export interface SecretEcho {
  /** Offset of the secret's `${` in the body. */
  offset: number;
  name: string;
  command: string;
}

const PRINTERS = new Set(['echo', 'printf']);
const PREFIXES = new Set(['sudo', 'command', 'builtin', 'exec']);

export function findSecretEchoes(body: string, scope: VarScope): SecretEcho[] {
  if (scope.secret.size === 0) return [];
  const found: SecretEcho[] = [];
  let lineStart = 0;
  let xtrace = false;
  for (const line of body.split('\n')) {
    if (/^\s*set\s+(-[A-Za-z]*x|-o\s+xtrace)/.test(line)) xtrace = true;
    if (/^\s*set\s+(\+[A-Za-z]*x|\+o\s+xtrace)/.test(line)) xtrace = false;
    if (xtrace && !line.trimStart().startsWith('#')) {
      // With xtrace on, the shell prints every command it runs, arguments expanded.
      for (const e of scanExpressions(line)) {
        if (e.type === 'var' && scope.secret.has(e.name)) found.push({ offset: lineStart + e.start, name: e.name, command: 'set -x' });
      }
    } else if (!line.trimStart().startsWith('#')) {
      // Split into commands (; && ||) and pipelines (|), remembering offsets.
      for (const cmd of splitKeep(line, /;|&&|\|\|/g)) {
        const parts = splitKeep(cmd.text, /\|/g);
        parts.forEach((part, k) => {
          const words = part.text.trim().split(/\s+/);
          while (words.length > 1 && (PREFIXES.has(words[0] as string) || /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0] as string))) words.shift();
          const command = words[0] ?? '';
          if (!PRINTERS.has(command)) return;
          if (k < parts.length - 1) return; // piped into another command
          if (/(^|[^0-9&])>/.test(part.text.replace(/\d?>&\d/g, ''))) return; // redirected to a file
          for (const e of scanExpressions(part.text)) {
            if (e.type === 'var' && scope.secret.has(e.name)) {
              found.push({ offset: lineStart + cmd.offset + part.offset + e.start, name: e.name, command });
            }
          }
        });
      }
    }
    lineStart += line.length + 1;
  }
  return found;
}

function splitKeep(text: string, sep: RegExp): { text: string; offset: number }[] {
  const out: { text: string; offset: number }[] = [];
  let last = 0;
  for (const m of text.matchAll(sep)) {
    out.push({ text: text.slice(last, m.index), offset: last });
    last = (m.index ?? 0) + m[0].length;
  }
  out.push({ text: text.slice(last), offset: last });
  return out;
}
