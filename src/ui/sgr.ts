// Pane lines as ready-made ANSI text: one string per line instead of a React element per
// styled run, which keeps Ink's per-frame work small when panes are full of colour.
import type { Colour, StyledRun } from '../terminal/index.js';

const NAMED: Record<string, number> = {
  black: 0, red: 1, green: 2, yellow: 3, blue: 4, magenta: 5, cyan: 6, white: 7,
  blackBright: 8, redBright: 9, greenBright: 10, yellowBright: 11, blueBright: 12, magentaBright: 13, cyanBright: 14, whiteBright: 15,
};

/** How many colours the operator's terminal shows: 0 (none), 16, 256 or 16 million. */
export type ColourDepth = 0 | 16 | 256 | 16777216;

export function colourDepthFor(env: NodeJS.ProcessEnv): ColourDepth {
  if (env['NO_COLOR']) return 0;
  const term = env['TERM'] ?? '';
  if (term === 'dumb' || /^vt\d/.test(term)) return 0;
  if (/truecolor|24bit/i.test(env['COLORTERM'] ?? '')) return 16777216;
  if (/256/.test(term)) return 256;
  return 16;
}

/** The nearest of the 16 basic colours to an xterm-256 index or an RGB value. */
function toBasic(r: number, g: number, b: number): number {
  const bright = Math.max(r, g, b) > 191 ? 8 : 0;
  const idx = (b > 95 ? 4 : 0) | (g > 95 ? 2 : 0) | (r > 95 ? 1 : 0);
  return idx + (idx === 0 && Math.max(r, g, b) > 63 ? 8 : bright);
}

function rgbOf256(n: number): [number, number, number] {
  if (n >= 232) {
    const v = 8 + (n - 232) * 10;
    return [v, v, v];
  }
  const i = n - 16;
  const step = (x: number): number => (x === 0 ? 0 : 55 + x * 40);
  return [step(Math.floor(i / 36)), step(Math.floor(i / 6) % 6), step(i % 6)];
}

function rgbTo256(r: number, g: number, b: number): number {
  const q = (x: number): number => (x < 48 ? 0 : x < 115 ? 1 : Math.floor((x - 35) / 40));
  return 16 + 36 * q(r) + 6 * q(g) + q(b);
}

function colourCodes(c: Colour, background: boolean, depth: ColourDepth): string {
  const base = background ? 40 : 30;
  const named = NAMED[c];
  if (named !== undefined) return String(named < 8 ? base + named : base + 60 + named - 8);
  let rgb: [number, number, number] | undefined;
  let index: number | undefined;
  const ansi = /^ansi256\((\d+)\)$/.exec(c);
  if (ansi) index = Number(ansi[1]);
  else if (c.startsWith('#')) {
    const v = parseInt(c.slice(1), 16);
    rgb = [(v >> 16) & 255, (v >> 8) & 255, v & 255];
  } else return '';
  if (index !== undefined && index < 16) return String(index < 8 ? base + index : base + 60 + index - 8);
  if (rgb && depth === 16777216) return `${base + 8};2;${rgb[0]};${rgb[1]};${rgb[2]}`;
  if (depth >= 256) return `${base + 8};5;${index ?? rgbTo256(...rgb!)}`;
  const basic = toBasic(...(rgb ?? rgbOf256(index!)));
  return String(basic < 8 ? base + basic : base + 60 + basic - 8);
}

/** One run as text with its SGR attributes (colours reduced to `depth`), reset afterwards. */
export function encodeRun(run: StyledRun, depth: ColourDepth): string {
  const codes: string[] = [];
  if (run.bold) codes.push('1');
  if (run.dim) codes.push('2');
  if (run.italic) codes.push('3');
  if (run.underline) codes.push('4');
  if (run.inverse) codes.push('7');
  if (depth > 0) {
    if (run.fg) codes.push(colourCodes(run.fg, false, depth));
    if (run.bg) codes.push(colourCodes(run.bg, true, depth));
  }
  const active = codes.filter(Boolean);
  return active.length === 0 ? run.text : `\x1b[${active.join(';')}m${run.text}\x1b[0m`;
}
