// Which characters the operator's terminal can show. Box-drawing characters sent to a terminal
// that is not in a UTF-8 locale (or that only knows DEC line drawing, like vt100) come out as
// garbage or rows of `q`; then we draw borders and marks with plain ASCII instead.
import type { BorderChoice } from './start-options.js';
import { colourDepthFor, type ColourDepth } from './sgr.js';

export interface Charset {
  unicode: boolean;
  /** Colours the terminal shows; pane colours are reduced to fit. */
  colours: ColourDepth;
  /** Ink borderStyle for panes and overlays. */
  border: 'single' | 'classic';
  /** Border for panes that receive typed keys. */
  targetBorder: 'double' | BoxChars;
  marks: {
    pending: string; running: string; ok: string; failed: string; skipped: string; rolledBack: string;
    gatePending: string; gatePassing: string; gateFailed: string; waiting: string;
  };
  arrow: string;
  bullet: string;
  ellipsis: string;
}

export interface BoxChars {
  topLeft: string; top: string; topRight: string; right: string;
  bottomRight: string; bottom: string; bottomLeft: string; left: string;
}

const HASH_BOX: BoxChars = { topLeft: '#', top: '#', topRight: '#', right: '#', bottomRight: '#', bottom: '#', bottomLeft: '#', left: '#' };

/** Terminals that never get Unicode, whatever the locale says. */
const ASCII_ONLY_TERMS = /^(vt5\d|vt1\d\d|vt2\d\d|vt3\d\d|dumb|ansi|cons25)(-|$)/;

export function prefersUnicode(env: NodeJS.ProcessEnv): boolean {
  const term = env['TERM'] ?? '';
  if (ASCII_ONLY_TERMS.test(term)) return false;
  // The first of LC_ALL, LC_CTYPE, LANG that is set decides, as in setlocale(3).
  const locale = env['LC_ALL'] || env['LC_CTYPE'] || env['LANG'] || '';
  return /utf-?8/i.test(locale);
}

export function chooseCharset(choice: BorderChoice, env: NodeJS.ProcessEnv): Charset {
  const unicode = choice === 'unicode' || (choice === 'auto' && prefersUnicode(env));
  const colours = colourDepthFor(env);
  return unicode
    ? {
        unicode,
        colours,
        border: 'single',
        targetBorder: 'double',
        marks: {
          pending: '○', running: '▶', ok: '✓', failed: '✗', skipped: '↷', rolledBack: '↺',
          gatePending: '…', gatePassing: '✓', gateFailed: '✗', waiting: '⏸',
        },
        arrow: '→',
        bullet: '•',
        ellipsis: '…',
      }
    : {
        unicode,
        colours,
        border: 'classic',
        targetBorder: HASH_BOX,
        marks: {
          pending: '.', running: '>', ok: '+', failed: 'x', skipped: '-', rolledBack: '<',
          gatePending: '?', gatePassing: '+', gateFailed: 'x', waiting: '=',
        },
        arrow: '->',
        bullet: '*',
        ellipsis: '...',
      };
}
