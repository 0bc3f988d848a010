// Turning raw pane bytes into plain text for comparison, matching and messages.
import { stripVTControlCharacters } from 'node:util';

/** Removes escape sequences (colours, OSC marks, bracketed paste) and normalises line ends. */
export function plainText(raw: string): string {
  return stripVTControlCharacters(raw)
    .replace(/\r+\n/g, '\n')
    // A lone CR redraws the line (progress bars): keep only what was drawn last.
    .split('\n')
    .map((line) => {
      const parts = line.split('\r');
      return parts[parts.length - 1] ?? '';
    })
    .join('\n');
}

/** The last `count` non-empty lines of a block's output, as plain text. */
export function lastLines(raw: string, count = 10): string {
  const lines = plainText(raw)
    .split('\n')
    .map((l) => l.trimEnd());
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.slice(-count).join('\n');
}
