// Tokenizing a fence info string (`sh verify retries=5 expect="is healthy"`) and the
// attribute comment under a step heading into words with their exact columns. Interpretation
// of the words lives in attributes.ts.

export interface InfoToken {
  /** 0-based offset of the token in the tokenized text. */
  offset: number;
  /** For `key=value`: the key; for a bare word: the word. */
  name: string;
  /** The (unquoted) value, when the token is `key=value`. */
  value?: string;
  /** Offset where the value starts (after `=`, after an opening quote). */
  valueOffset?: number;
}

export interface TokenizeResult {
  tokens: InfoToken[];
  /** Problems with offsets (an unterminated quote). */
  problems: { offset: number; message: string; hint: string }[];
}

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t';

export function tokenizeAttributes(text: string): TokenizeResult {
  const tokens: InfoToken[] = [];
  const problems: TokenizeResult['problems'] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && isSpace(text[i])) i++;
    if (i >= text.length) break;
    const start = i;
    while (i < text.length && !isSpace(text[i]) && text[i] !== '=') i++;
    const name = text.slice(start, i);
    if (text[i] !== '=') {
      tokens.push({ offset: start, name });
      continue;
    }
    i++; // '='
    if (text[i] === '"') {
      const quote = i;
      i++;
      let value = '';
      let closed = false;
      while (i < text.length) {
        const c = text[i] as string;
        if (c === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) {
          value += text[i + 1];
          i += 2;
        } else if (c === '"') {
          closed = true;
          i++;
          break;
        } else {
          value += c;
          i++;
        }
      }
      if (!closed) {
        problems.push({
          offset: quote,
          message: `unterminated quote in the value of \`${name}\``,
          hint: 'close the value with a double quote (write \\" for a quote inside it)',
        });
      }
      tokens.push({ offset: start, name, value, valueOffset: quote + 1 });
      // A quoted value must end the word; anything glued to it is its own token.
    } else {
      const vStart = i;
      while (i < text.length && !isSpace(text[i])) i++;
      tokens.push({ offset: start, name, value: text.slice(vStart, i), valueOffset: vStart });
    }
  }
  return { tokens, problems };
}
