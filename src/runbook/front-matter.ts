// The runbook's YAML front matter → typed fields, with positions for every key.
import { error } from './diagnostics.js';
import { isVarName } from './expressions.js';
import { isNullish, isScalar, keyText, mapPairs, parseYaml, scalarText, seqItems } from './yaml-source.js';
import type { Diagnostic, SourcePos, TargetSelector, VariableDecl } from './types.js';

export interface FrontMatter {
  name?: string;
  title?: string;
  description?: string;
  requires: string[];
  targets?: TargetSelector;
  vars: VariableDecl[];
  /** key (`requires`, `requires.0`, `targets`, `name` …) → position of its value. */
  pos: Record<string, SourcePos>;
}

const KEYS = ['name', 'title', 'description', 'requires', 'targets', 'vars'];
const RUNBOOK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const TARGET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function parseFrontMatter(text: string, start: SourcePos, diags: Diagnostic[]): FrontMatter {
  const fm: FrontMatter = { requires: [], vars: [], pos: {} };
  const src = parseYaml(text, start, diags);
  if (src.doc.errors.length > 0) return fm;
  const root = src.doc.contents;
  if (isNullish(root)) return fm;
  const pairs = mapPairs(root);
  if (!pairs) {
    diags.push(error('bad-front-matter', src.pos(root), 'front matter must be a YAML mapping', 'write `key: value` lines (name, title, requires, targets, vars)'));
    return fm;
  }
  for (const pair of pairs) {
    const key = keyText(pair);
    const keyPos = src.pos(pair.key);
    const v = pair.value;
    const vPos = v ? src.pos(v) : keyPos;
    fm.pos[key] = vPos;
    const str = (): string | undefined => {
      const s = scalarText(v);
      if (s === undefined) diags.push(error('bad-front-matter', vPos, `\`${key}\` must be a string`, `write ${key}: some text`));
      return s;
    };
    switch (key) {
      case 'name': {
        const s = str();
        if (s === undefined) break;
        if (RUNBOOK_NAME.test(s)) fm.name = s;
        else diags.push(error('bad-front-matter', vPos, `\`${s}\` is not a valid runbook name`, 'use letters, digits, ., - and _'));
        break;
      }
      case 'title':
      case 'description': {
        const s = str();
        if (s !== undefined) fm[key] = s;
        break;
      }
      case 'requires': {
        const items = seqItems(v) ?? (isScalar(v) ? [v] : undefined);
        if (!items) {
          if (!isNullish(v)) diags.push(error('bad-front-matter', vPos, '`requires` must be a list of runbook names', 'write requires: [pki, etcd]'));
          break;
        }
        items.forEach((item) => {
          const s = scalarText(item);
          const p = src.pos(item);
          if (s === undefined || !RUNBOOK_NAME.test(s)) {
            diags.push(error('bad-front-matter', p, '`requires` entries must be runbook names', 'write requires: [pki, etcd]'));
            return;
          }
          fm.pos[`requires.${fm.requires.length}`] = p;
          fm.requires.push(s);
        });
        break;
      }
      case 'targets': {
        const items = seqItems(v) ?? (isScalar(v) ? [v] : undefined);
        const words: string[] = [];
        for (const item of items ?? []) {
          const s = scalarText(item);
          if (s === undefined) continue;
          words.push(...s.split(/[\s,]+/).filter(Boolean));
        }
        const names = words.filter((w) => w !== 'once');
        const bad = names.find((n) => !TARGET_NAME.test(n));
        if (!items || names.length === 0 || bad !== undefined) {
          diags.push(error('bad-front-matter', vPos, bad ? `\`${bad}\` is not a group or node name` : '`targets` must name groups or nodes', 'write targets: controllers, or targets: [controllers, gateway]'));
          break;
        }
        fm.targets = { names, once: words.includes('once') };
        break;
      }
      case 'vars':
        parseVars(v, vPos, src, diags, fm);
        break;
      default:
        diags.push(error('unknown-front-matter-key', keyPos, `unknown front matter key \`${key}\``, `valid keys: ${KEYS.join(', ')}`));
    }
  }
  return fm;
}

function parseVars(
  node: unknown,
  at: SourcePos,
  src: ReturnType<typeof parseYaml>,
  diags: Diagnostic[],
  fm: FrontMatter,
): void {
  if (isNullish(node)) return;
  const pairs = mapPairs(node);
  if (!pairs) {
    diags.push(error('bad-front-matter', at, '`vars` must be a mapping of variable names', 'write vars: { name: default } or name: { default, description, secret }'));
    return;
  }
  for (const pair of pairs) {
    const name = keyText(pair);
    const pos = src.pos(pair.key);
    if (!isVarName(name)) {
      diags.push(error('bad-variable-name', pos, `\`${name}\` is not a valid variable name`, 'use letters, digits and _ (no dots or dashes), starting with a letter or _'));
      continue;
    }
    const decl: VariableDecl = { name, secret: false, pos };
    const v = pair.value;
    const fields = mapPairs(v);
    if (fields) {
      for (const f of fields) {
        const k = keyText(f);
        const fpos = src.pos(f.value ?? f.key);
        if (k === 'default') {
          const s = scalarText(f.value);
          if (s !== undefined) decl.default = s;
          else if (!isNullish(f.value)) diags.push(error('bad-variable', fpos, `the default of \`${name}\` must be a single value`, 'write default: some-value'));
        } else if (k === 'description') {
          const s = scalarText(f.value);
          if (s !== undefined) decl.description = s;
        } else if (k === 'secret') {
          if (isScalar(f.value) && typeof f.value.value === 'boolean') decl.secret = f.value.value;
          else diags.push(error('bad-variable', fpos, `\`secret\` of \`${name}\` must be true or false`, 'write secret: true'));
        } else {
          diags.push(error('bad-variable', src.pos(f.key), `unknown key \`${k}\` in variable \`${name}\``, 'a variable takes default, description and secret'));
        }
      }
    } else if (!isNullish(v)) {
      const s = scalarText(v);
      if (s !== undefined) decl.default = s;
      else diags.push(error('bad-variable', src.pos(v), `variable \`${name}\` must be a value or a mapping`, 'write name: default, or name: { default: …, secret: true }'));
    }
    if (fm.vars.some((d) => d.name === name)) {
      diags.push(error('duplicate-variable', pos, `variable \`${name}\` is declared twice`, 'keep one declaration'));
      continue;
    }
    fm.vars.push(decl);
  }
}
