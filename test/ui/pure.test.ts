import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { chooseCharset, prefersUnicode } from '../../src/ui/charset.js';
import { BINDINGS, commandFor, decodeKey } from '../../src/ui/keys.js';
import { computeLayout, FOOTER_ROWS, HEADER_ROWS } from '../../src/ui/layout.js';
import { initialUiState, typingTargets, uiReducer } from '../../src/ui/ui-state.js';

const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `node-${i}`);

describe('layout', () => {
  it('puts 2-6 nodes in a grid that fits, and more behind tabs', () => {
    for (let n = 2; n <= 6; n++) {
      const l = computeLayout({ cols: 200, rows: 60, nodes: names(n), focus: 0, zoom: false });
      expect(l.kind).toBe('grid');
      expect(l.gridCols * l.gridRows).toBeGreaterThanOrEqual(n);
      expect(l.visible).toHaveLength(n);
    }
    const many = computeLayout({ cols: 200, rows: 60, nodes: names(9), focus: 4, zoom: false });
    expect(many.kind).toBe('tabs');
    expect(many.visible).toEqual(['node-4']);
  });

  it('zooms one pane to the whole pane area', () => {
    const l = computeLayout({ cols: 160, rows: 50, nodes: names(3), focus: 1, zoom: true });
    expect(l.kind).toBe('zoom');
    expect(l.visible).toEqual(['node-1']);
    expect(l.cell).toEqual(l.area);
  });

  it('never lays out more than the terminal holds (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 40, max: 400 }), fc.integer({ min: 12, max: 120 }), fc.integer({ min: 1, max: 12 }), (cols, rows, n) => {
        const l = computeLayout({ cols, rows, nodes: names(n), focus: 0, zoom: false });
        expect(l.sidebar + l.area.cols).toBeLessThanOrEqual(cols);
        expect(l.area.rows).toBeLessThanOrEqual(rows - HEADER_ROWS - FOOTER_ROWS);
        if (l.kind === 'grid') {
          expect(l.cell.cols * l.gridCols).toBeLessThanOrEqual(l.area.cols);
          expect(l.cell.rows * l.gridRows).toBeLessThanOrEqual(l.area.rows);
        }
        expect(l.screen.cols).toBeGreaterThanOrEqual(2);
        expect(l.screen.rows).toBeGreaterThanOrEqual(1);
      }),
    );
  });
});

describe('charset', () => {
  it('uses Unicode only in a UTF-8 locale on a terminal that has it', () => {
    expect(prefersUnicode({ TERM: 'xterm-256color', LANG: 'en_US.UTF-8' })).toBe(true);
    expect(prefersUnicode({ TERM: 'screen-256color', LC_ALL: 'C.utf8' })).toBe(true);
    expect(prefersUnicode({ TERM: 'linux', LANG: 'C.UTF-8' })).toBe(true);
    expect(prefersUnicode({ TERM: 'xterm-256color', LANG: 'C' })).toBe(false);
    expect(prefersUnicode({ TERM: 'xterm-256color', LC_ALL: 'C', LANG: 'en_US.UTF-8' })).toBe(false); // LC_ALL wins
    expect(prefersUnicode({ TERM: 'vt100', LANG: 'C.UTF-8' })).toBe(false);
    expect(prefersUnicode({ TERM: 'vt220', LANG: 'C.UTF-8' })).toBe(false);
    expect(chooseCharset('ascii', { TERM: 'xterm', LANG: 'C.UTF-8' }).border).toBe('classic');
    expect(chooseCharset('unicode', { TERM: 'vt100' }).border).toBe('single');
    const ascii = chooseCharset('auto', { TERM: 'vt100' });
    expect(Object.values(ascii.marks).every((m) => /^[\x20-\x7e]+$/.test(m))).toBe(true);
  });
});

describe('keys', () => {
  it('binds every key to one command only', () => {
    const seen = new Map<string, string>();
    for (const b of BINDINGS) for (const k of b.keys) {
      expect(seen.get(k), `key ${k}`).toBeUndefined();
      seen.set(k, b.command);
    }
  });

  it('decodes raw terminal bytes to key names', () => {
    expect(decodeKey('\r')).toBe('enter');
    expect(decodeKey('\x1b[A')).toBe('up');
    expect(decodeKey('\x1bOB')).toBe('down');
    expect(decodeKey('\x1b[5~')).toBe('pageup');
    expect(decodeKey('\x1b[Z')).toBe('shift-tab');
    expect(decodeKey('\x03')).toBe('ctrl-c');
    expect(decodeKey('\x1d')).toBe('ctrl-]');
    expect(decodeKey(' ')).toBe('space');
    expect(commandFor(decodeKey('\t'))).toBe('focus-next');
    expect(commandFor(decodeKey('\x03'))).toBe('interrupt');
  });
});

describe('ui state', () => {
  it('routes typing to the focused pane, all panes, or the selected ones', () => {
    const nodes = ['a', 'b', 'c'];
    let s = uiReducer(initialUiState, { type: 'focus', index: 1, count: 3 });
    expect(typingTargets(s, nodes)).toEqual([]);
    s = uiReducer(s, { type: 'typing', target: 'focused' });
    expect(typingTargets(s, nodes)).toEqual(['b']);
    s = uiReducer(s, { type: 'typing', target: 'all' });
    expect(typingTargets(s, nodes)).toEqual(['a', 'b', 'c']);
    s = uiReducer(s, { type: 'toggle-select', node: 'c' });
    s = uiReducer(s, { type: 'toggle-select', node: 'a' });
    s = uiReducer(s, { type: 'typing', target: 'selected' });
    expect(typingTargets(s, nodes)).toEqual(['a', 'c']);
    s = uiReducer(s, { type: 'focus-step', by: -1, count: 3 });
    s = uiReducer(s, { type: 'focus-step', by: -1, count: 3 });
    expect(s.focus).toBe(2);
  });
});

describe('pane colours as SGR', () => {
  it('encodes attributes and reduces colours to what the terminal shows', async () => {
    const { encodeRun, colourDepthFor } = await import('../../src/ui/sgr.js');
    expect(encodeRun({ text: 'plain' }, 256)).toBe('plain');
    expect(encodeRun({ text: 'e', fg: 'red', bold: true }, 16)).toBe('\x1b[1;31me\x1b[0m');
    expect(encodeRun({ text: 'e', bg: 'cyanBright' }, 16)).toBe('\x1b[106me\x1b[0m');
    expect(encodeRun({ text: 'e', fg: 'ansi256(202)' }, 256)).toBe('\x1b[38;5;202me\x1b[0m');
    expect(encodeRun({ text: 'e', fg: '#ff0000' }, 16777216)).toBe('\x1b[38;2;255;0;0me\x1b[0m');
    expect(encodeRun({ text: 'e', fg: '#ff0000' }, 256)).toBe('\x1b[38;5;196me\x1b[0m');
    expect(encodeRun({ text: 'e', fg: '#ff0000' }, 16)).toBe('\x1b[91me\x1b[0m');
    expect(encodeRun({ text: 'e', fg: 'red', inverse: true }, 0)).toBe('\x1b[7me\x1b[0m');
    expect(colourDepthFor({ TERM: 'vt100' })).toBe(0);
    expect(colourDepthFor({ TERM: 'linux' })).toBe(16);
    expect(colourDepthFor({ TERM: 'screen-256color' })).toBe(256);
    expect(colourDepthFor({ TERM: 'xterm-256color', COLORTERM: 'truecolor' })).toBe(16777216);
    expect(colourDepthFor({ TERM: 'xterm-256color', NO_COLOR: '1' })).toBe(0);
  });
});
