// Interpreting the words of a fence info string or a step comment into typed fields, with a
// diagnostic at the exact column of every bad word.
import { error, warning } from './diagnostics.js';
import { parseDuration } from './durations.js';
import { tokenizeAttributes, type InfoToken } from './info-string.js';
import type { BlockKind, Diagnostic, SourcePos, TargetSelector } from './types.js';

export const SHELL_LANGS = new Set(['sh', 'bash', 'shell', 'zsh']);
const KINDS: BlockKind[] = ['run', 'file', 'verify', 'rollback', 'san-check'];
const COMMON = ['id', 'on', 'once', 'timeout'];
const BY_KIND: Record<BlockKind, string[]> = {
  run: COMMON,
  rollback: COMMON,
  file: [...COMMON, 'path', 'mode', 'owner'],
  verify: [...COMMON, 'retries', 'interval', 'expect'],
  'san-check': [...COMMON, 'retries', 'interval'],
};
const ALL_KEYS = new Set(Object.values(BY_KIND).flat());
const FLAGS = new Set(['once', 'skip', 'norun']);
const ID = /^[a-z0-9][a-z0-9_-]*$/;
const TARGET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const OWNER = /^([A-Za-z_][A-Za-z0-9_.-]*\$?|\d+)(:([A-Za-z_][A-Za-z0-9_.-]*\$?|\d+))?$/;

export interface BlockAttributes {
  /** `doc` for fences that never run. */
  kind: BlockKind | 'doc';
  lang: string;
  id?: string;
  targets?: TargetSelector;
  timeoutMs?: number;
  path?: string;
  mode?: number;
  owner?: string;
  retries?: number;
  intervalMs?: number;
  expect?: string;
  attrPos: Record<string, SourcePos>;
}

/** `at(offset)` maps an offset in the tokenized text to its file position. */
type At = (offset: number) => SourcePos;

export function parseTargetList(
  value: string,
  pos: SourcePos,
  diags: Diagnostic[],
): string[] | undefined {
  const names = value.split(',').map((s) => s.trim());
  let col = pos.column;
  for (const raw of value.split(',')) {
    const n = raw.trim();
    if (!TARGET_NAME.test(n)) {
      diags.push(
        error(
          'bad-target',
          { ...pos, column: col + raw.indexOf(n.charAt(0) || raw) },
          n === '' ? 'empty target name' : `\`${n}\` is not a group or node name`,
          'targets are comma-separated group or node names, e.g. on=controllers,gateway',
        ),
      );
      return undefined;
    }
    col += raw.length + 1;
  }
  return names;
}

export function parseBlockInfo(info: string, at: At, diags: Diagnostic[]): BlockAttributes {
  const { tokens, problems } = tokenizeAttributes(info);
  for (const p of problems) diags.push(error('bad-attribute', at(p.offset), p.message, p.hint));
  const attrPos: Record<string, SourcePos> = {};
  let lang = '';
  let rest = tokens;
  const first = tokens[0];
  if (first && first.value === undefined && !KINDS.includes(first.name as BlockKind)) {
    lang = first.name;
    rest = tokens.slice(1);
  }
  // Find the kind first: which attributes apply depends on it.
  let kind: BlockKind | undefined;
  let kindOffset = 0;
  const flags = new Set<string>();
  for (const t of rest) {
    if (t.value !== undefined || !KINDS.includes(t.name as BlockKind)) continue;
    if (kind !== undefined) {
      diags.push(error('bad-attribute', at(t.offset), `a block has one kind; \`${kind}\` was already given, not \`${t.name}\``, 'remove one of the kinds'));
      continue;
    }
    kind = t.name as BlockKind;
    kindOffset = t.offset;
    attrPos.kind = at(t.offset);
  }
  for (const t of rest) if (t.value === undefined && FLAGS.has(t.name)) flags.add(t.name);

  const isShell = SHELL_LANGS.has(lang.toLowerCase());
  if (kind === undefined) {
    if (!isShell || flags.has('skip') || flags.has('norun')) {
      // Documentation fence. Warn when it carries lockstep attributes: a kind was probably forgotten.
      const stray = rest.find((t) => t.value !== undefined && ALL_KEYS.has(t.name));
      if (stray && !flags.has('skip') && !flags.has('norun')) {
        diags.push(
          warning('doc-fence-attributes', at(stray.offset), `\`${stray.name}=\` on a \`${lang || 'plain'}\` fence that never runs`, 'add a kind (run, file, verify, rollback, san-check) after the language, or remove the attribute'),
        );
      }
      return { kind: 'doc', lang, attrPos };
    }
    kind = 'run';
  } else if (flags.has('skip') || flags.has('norun')) {
    const t = rest.find((x) => x.value === undefined && (x.name === 'skip' || x.name === 'norun')) as InfoToken;
    diags.push(error('bad-attribute', at(t.offset), `\`${t.name}\` marks a sample that never runs; it cannot be combined with \`${kind}\``, `remove \`${t.name}\` or \`${kind}\``));
    return { kind: 'doc', lang, attrPos };
  }
  if ((kind === 'run' || kind === 'verify' || kind === 'rollback') && !isShell) {
    diags.push(
      error('bad-language', at(first && lang ? first.offset : kindOffset), lang ? `a ${kind} block must be a shell script, not \`${lang}\`` : `a ${kind} block needs a shell language first`, `start the info string with sh or bash: \`\`\`sh ${kind}`),
    );
  }

  const out: BlockAttributes = { kind, lang, attrPos };
  const allowed = BY_KIND[kind];
  const seen = new Set<string>();
  let once = false;
  let on: string[] | undefined;
  for (const t of rest) {
    const pos = at(t.offset);
    if (t.value === undefined) {
      if (KINDS.includes(t.name as BlockKind)) continue;
      if (t.name === 'once') {
        once = true;
        attrPos.once = pos;
        continue;
      }
      if (ALL_KEYS.has(t.name)) {
        diags.push(error('bad-attribute', pos, `\`${t.name}\` needs a value`, `write ${t.name}=…`));
      } else {
        diags.push(error('unknown-attribute', pos, `unknown attribute \`${t.name}\``, `valid for a ${kind} block: ${kindHelp(kind)}`));
      }
      continue;
    }
    if (!ALL_KEYS.has(t.name)) {
      diags.push(error('unknown-attribute', pos, `unknown attribute \`${t.name}=\``, `valid for a ${kind} block: ${kindHelp(kind)}`));
      continue;
    }
    if (t.name === 'once') {
      diags.push(error('bad-attribute', pos, '`once` is a flag and takes no value', 'write just `once`'));
      continue;
    }
    if (!allowed.includes(t.name)) {
      diags.push(error('bad-attribute', pos, `\`${t.name}=\` does not apply to a ${kind} block`, `valid for a ${kind} block: ${kindHelp(kind)}`));
      continue;
    }
    if (seen.has(t.name)) {
      diags.push(error('bad-attribute', pos, `\`${t.name}=\` is given twice`, 'keep one'));
      continue;
    }
    seen.add(t.name);
    const vpos = at(t.valueOffset ?? t.offset);
    attrPos[t.name] = vpos;
    const v = t.value;
    switch (t.name) {
      case 'id':
        if (ID.test(v)) out.id = v;
        else diags.push(error('bad-id', vpos, `\`${v}\` is not a valid id`, 'ids are lower-case letters, digits, - and _, starting with a letter or digit'));
        break;
      case 'on':
        on = parseTargetList(v, vpos, diags);
        break;
      case 'timeout':
      case 'interval': {
        const ms = parseDuration(v);
        if (ms === undefined || ms <= 0) {
          diags.push(error('bad-duration', vpos, `\`${v}\` is not a duration`, 'write a number with a unit: 500ms, 30s, 2m, 1h, 1m30s'));
        } else if (t.name === 'timeout') out.timeoutMs = ms;
        else out.intervalMs = ms;
        break;
      }
      case 'retries':
        if (/^\d{1,6}$/.test(v)) out.retries = Number(v);
        else diags.push(error('bad-retries', vpos, `\`${v}\` is not a number of retries`, 'write a whole number ≥ 0, e.g. retries=5'));
        break;
      case 'path':
        if (v.startsWith('/') || v.startsWith('${')) out.path = v;
        else diags.push(error('bad-path', vpos, `file path \`${v}\` is not absolute`, 'write the full path, e.g. path=/etc/hello.conf'));
        break;
      case 'mode':
        if (/^[0-7]{3,4}$/.test(v)) out.mode = parseInt(v, 8);
        else diags.push(error('bad-mode', vpos, `\`${v}\` is not an octal file mode`, 'write 3 or 4 octal digits, e.g. mode=0644'));
        break;
      case 'owner':
        if (OWNER.test(v)) out.owner = v;
        else diags.push(error('bad-owner', vpos, `\`${v}\` is not an owner`, 'write user or user:group, e.g. owner=root:root'));
        break;
      case 'expect':
        try {
          new RegExp(v);
          out.expect = v;
        } catch (e) {
          diags.push(error('bad-expect', vpos, `\`expect\` is not a valid regular expression: ${(e as Error).message}`, 'write a JavaScript regular expression; quote it if it has spaces'));
        }
        break;
    }
  }
  if (on !== undefined || once) out.targets = { names: on ?? [], once };
  return out;
}

function kindHelp(kind: BlockKind): string {
  return BY_KIND[kind].map((k) => (k === 'once' ? 'once' : `${k}=`)).join(', ');
}

export interface StepAttributes {
  id?: string;
  targets?: TargetSelector;
  timeoutMs?: number;
  attrPos: Record<string, SourcePos>;
}

const STEP_KEYS = ['id', 'on', 'once', 'timeout'];

/** Parses the text after `lockstep:` in a step's attribute comment. */
export function parseStepAttributes(text: string, at: At, diags: Diagnostic[]): StepAttributes {
  const { tokens, problems } = tokenizeAttributes(text);
  for (const p of problems) diags.push(error('bad-attribute', at(p.offset), p.message, p.hint));
  const out: StepAttributes = { attrPos: {} };
  let once = false;
  let on: string[] | undefined;
  const seen = new Set<string>();
  for (const t of tokens) {
    const pos = at(t.offset);
    if (t.value === undefined) {
      if (t.name === 'once') {
        once = true;
        out.attrPos.once = pos;
      } else if (STEP_KEYS.includes(t.name)) {
        diags.push(error('bad-attribute', pos, `\`${t.name}\` needs a value`, `write ${t.name}=…`));
      } else {
        diags.push(error('unknown-attribute', pos, `unknown step attribute \`${t.name}\``, 'a step comment takes id=, on=, timeout= and once'));
      }
      continue;
    }
    if (!STEP_KEYS.includes(t.name) || t.name === 'once') {
      diags.push(
        error(t.name === 'once' ? 'bad-attribute' : 'unknown-attribute', pos, t.name === 'once' ? '`once` is a flag and takes no value' : `unknown step attribute \`${t.name}=\``, 'a step comment takes id=, on=, timeout= and once'),
      );
      continue;
    }
    if (seen.has(t.name)) {
      diags.push(error('bad-attribute', pos, `\`${t.name}=\` is given twice`, 'keep one'));
      continue;
    }
    seen.add(t.name);
    const vpos = at(t.valueOffset ?? t.offset);
    out.attrPos[t.name] = vpos;
    if (t.name === 'id') {
      if (ID.test(t.value)) out.id = t.value;
      else diags.push(error('bad-id', vpos, `\`${t.value}\` is not a valid id`, 'ids are lower-case letters, digits, - and _, starting with a letter or digit'));
    } else if (t.name === 'on') {
      on = parseTargetList(t.value, vpos, diags);
    } else {
      const ms = parseDuration(t.value);
      if (ms === undefined || ms <= 0) diags.push(error('bad-duration', vpos, `\`${t.value}\` is not a duration`, 'write a number with a unit: 500ms, 30s, 2m, 1h, 1m30s'));
      else out.timeoutMs = ms;
    }
  }
  if (on !== undefined || once) out.targets = { names: on ?? [], once };
  return out;
}
