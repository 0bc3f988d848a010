// Redaction: what must never reach a recording. Pure and stateful only in memory:
// declared secret values, PEM private-key blocks, and what is typed at a password prompt
// (echo off). Output is redacted as a stream, holding back the few characters that could
// be the start of a secret split across two chunks.
import { stripVTControlCharacters } from 'node:util';
import type { EventBody, LockstepEvent } from '../state/events.js';

export const REDACTED = '«redacted»';

const PEM_BLOCK = /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY-----[\s\S]*?(?:-----END \1PRIVATE KEY-----|$)/g;
const PEM_BEGIN = /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY-----/;
const PEM_END = /-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----/;
const BEGIN_PREFIX = '-----BEGIN ';
/** Characters at the end of an output chunk searched for a password prompt. */
const WATCHED_CHARS = 1024;
/** The longest BEGIN line we wait for before deciding it is not a private key. */
const MAX_BEGIN_LINE = 64;

function usableSecrets(secrets: readonly string[]): string[] {
  // Longest first, so a secret containing another is replaced whole.
  return [...new Set(secrets.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
}

function replaceSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
  return out;
}

/** Redacts a complete string: PEM private-key blocks (even unterminated) and secret values. */
export function redactText(text: string, secrets: readonly string[]): string {
  const masked = text.replace(PEM_BLOCK, (_m, kind: string) => `-----BEGIN ${kind}PRIVATE KEY-----${REDACTED}-----END ${kind}PRIVATE KEY-----`);
  return replaceSecrets(masked, usableSecrets(secrets));
}

/** Length of the longest suffix of `text` that is a proper prefix of one of `needles`. */
function heldSuffix(text: string, needles: readonly string[]): number {
  let best = 0;
  for (const needle of needles) {
    const max = Math.min(needle.length - 1, text.length);
    for (let len = max; len > best; len--) {
      if (needle.startsWith(text.slice(text.length - len))) {
        best = len;
        break;
      }
    }
  }
  return best;
}

/** Redacts one continuous stream (a node's pane) chunk by chunk. */
export class StreamRedactor {
  private pending = '';
  private inKey = false;
  private readonly secrets: string[];

  constructor(secrets: readonly string[]) {
    this.secrets = usableSecrets(secrets);
  }

  /** Feeds a chunk; returns what is safe to record now (possibly empty). */
  push(chunk: string): string {
    let buf = this.pending + chunk;
    this.pending = '';
    let out = '';
    for (;;) {
      if (this.inKey) {
        const end = PEM_END.exec(buf);
        if (!end) {
          // Keep only enough to recognise an END line split across chunks.
          this.pending = buf.slice(-(MAX_BEGIN_LINE - 1));
          return out;
        }
        out += end[0];
        buf = buf.slice(end.index + end[0].length);
        this.inKey = false;
        continue;
      }
      const begin = PEM_BEGIN.exec(buf);
      if (begin) {
        out += replaceSecrets(buf.slice(0, begin.index), this.secrets) + begin[0] + REDACTED;
        buf = buf.slice(begin.index + begin[0].length);
        this.inKey = true;
        continue;
      }
      break;
    }
    // An unfinished BEGIN line near the end may still turn out to be a private key.
    const lastBegin = buf.lastIndexOf(BEGIN_PREFIX);
    let hold = 0;
    if (lastBegin >= 0 && buf.length - lastBegin < MAX_BEGIN_LINE && !buf.slice(lastBegin + BEGIN_PREFIX.length).includes('-----')) {
      hold = buf.length - lastBegin;
    }
    const replaced = replaceSecrets(buf.slice(0, buf.length - hold), this.secrets) + buf.slice(buf.length - hold);
    hold = Math.max(hold, heldSuffix(replaced, [...this.secrets, BEGIN_PREFIX]));
    this.pending = replaced.slice(replaced.length - hold);
    return out + replaced.slice(0, replaced.length - hold);
  }

  /** The end of the stream: whatever was held back, redacted. */
  flush(): string {
    const rest = this.pending;
    this.pending = '';
    if (this.inKey) return '';
    return redactText(rest, this.secrets);
  }
}

/** A prompt that turns echo off: what the operator types next is a secret until Enter. */
const ECHO_OFF_PROMPT = /(?:password|passphrase|pass phrase|passcode|\bPIN\b|secret|token)[^\n]{0,40}[:?]\s*$/i;

/**
 * Redacts events on their way to disk. Output chunks may be held back and released with
 * a later event (or by `flush`), so one input event can yield zero, one or two events.
 */
export class EventRedactor {
  private readonly secrets: string[];
  private readonly streams = new Map<string, StreamRedactor>();
  /** Recent plain output per node, to spot a password prompt. */
  private readonly tails = new Map<string, string>();
  private readonly echoOff = new Set<string>();

  constructor(secrets: readonly string[]) {
    this.secrets = usableSecrets(secrets);
  }

  redact(event: LockstepEvent): LockstepEvent[] {
    switch (event.type) {
      case 'node.output': {
        this.watchPrompt(event.node, event.data);
        const safe = this.stream(event.node).push(event.data);
        return safe ? [{ ...event, data: safe }] : [];
      }
      case 'node.input': {
        // `redacted` from the engine means the transport saw echo off; the prompt heuristic
        // below is the second line of defence for transports that cannot tell.
        const hidden = event.redacted || event.nodes.some((n) => this.echoOff.has(n));
        if (/[\r\n]/.test(event.data)) for (const n of event.nodes) this.echoOff.delete(n);
        if (hidden) {
          const enter = /[\r\n]+$/.exec(event.data)?.[0] ?? '';
          return [{ ...event, data: REDACTED + enter, redacted: true }];
        }
        const data = redactText(event.data, this.secrets);
        return [{ ...event, data, redacted: event.redacted || data !== event.data }];
      }
      case 'operator.intent':
        // Typed keys are recorded as node.input (redacted above); never as a raw intent.
        if (event.intent.kind === 'input') return [{ ...event, intent: { ...event.intent, data: REDACTED } }];
        return [deepRedact(event, this.secrets)];
      case 'session.ended':
        return [...this.flush(event.t), event];
      default:
        return [deepRedact(event, this.secrets)];
    }
  }

  /** Releases held-back output (at the end of a session). */
  flush(t: number): LockstepEvent[] {
    const out: LockstepEvent[] = [];
    for (const [node, stream] of this.streams) {
      const data = stream.flush();
      if (data) out.push({ t, type: 'node.output', node, data });
    }
    return out;
  }

  private stream(node: string): StreamRedactor {
    let s = this.streams.get(node);
    if (!s) {
      s = new StreamRedactor(this.secrets);
      this.streams.set(node, s);
    }
    return s;
  }

  private watchPrompt(node: string, data: string): void {
    // Only the end can hold a prompt: stripping escapes from all of a flood's 64 KB chunks cost
    // a few percent of ingest. A chunk this long printed something, so no prompt waits unless
    // its tail is one.
    const long = data.length > WATCHED_CHARS;
    const plain = stripVTControlCharacters(long ? data.slice(-WATCHED_CHARS) : data);
    const tail = ((long ? '' : (this.tails.get(node) ?? '')) + plain).slice(-200);
    this.tails.set(node, tail);
    if (ECHO_OFF_PROMPT.test(tail)) this.echoOff.add(node);
    else if (long || plain.trim()) this.echoOff.delete(node);
  }
}

function deepRedact<T extends EventBody | LockstepEvent>(value: T, secrets: readonly string[]): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redactText(v, secrets);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}
