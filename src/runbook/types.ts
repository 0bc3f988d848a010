// The runbook model: plain data, produced by the parser, consumed by the validator,
// the renderer and the planner. Nothing here performs I/O.

/** A 1-based position in a runbook file, as editors and `file:line:col` messages use. */
export interface SourcePos {
  file: string;
  line: number;
  column: number;
}

/** Where a step or block starts and ends in its file (end is exclusive, 1-based). */
export interface SourceRange {
  start: SourcePos;
  end: { line: number; column: number };
}

/**
 * Which nodes a step or block runs on. `names` are group names (`controllers`, `all`)
 * or node names; `once` narrows the result to exactly one node (the first in inventory
 * order), for work that must happen once per cluster.
 */
export interface TargetSelector {
  names: string[];
  once: boolean;
}

export type BlockKind = 'run' | 'file' | 'verify' | 'rollback' | 'san-check';

interface BlockBase {
  /** Stable id: explicit `id=` or `<step-id>-<kind>` with -2, -3 … for repeats. */
  id: string;
  kind: BlockKind;
  /** The fence's language (`sh`, `ini`, `yaml` …) as GitHub shows it. */
  lang: string;
  /** The block's text exactly as written, before variable substitution. */
  body: string;
  /** Where the fence starts; `bodyStart` is the first line of `body`. */
  range: SourceRange;
  bodyStart: SourcePos;
  /** Block-level targets; when absent the step's targets apply. */
  targets?: TargetSelector;
  /** Per-block time limit in milliseconds, if given. */
  timeoutMs?: number;
  /** Where each attribute (`on`, `path`, `expect`, the kind word …) is written, for messages. */
  attrPos?: Record<string, SourcePos>;
}

export interface RunBlock extends BlockBase {
  kind: 'run';
}

export interface RollbackBlock extends BlockBase {
  kind: 'rollback';
}

export interface FileBlock extends BlockBase {
  kind: 'file';
  path: string;
  /** Octal mode as written (e.g. `0644`), parsed. */
  mode?: number;
  /** `user` or `user:group`. */
  owner?: string;
}

export interface VerifyBlock extends BlockBase {
  kind: 'verify';
  /** Extra attempts after the first (0 = try once). */
  retries: number;
  intervalMs: number;
  /** A regular expression the combined output must match, if given. */
  expect?: string;
}

/** A gate that runs the SAN check (see src/certs) instead of a shell script. */
export interface SanCheckBlock extends BlockBase {
  kind: 'san-check';
  /** Body parsed as YAML options for the check (endpoints, names, cert paths). */
  options: Record<string, unknown>;
  retries: number;
  intervalMs: number;
}

export type Block = RunBlock | FileBlock | VerifyBlock | RollbackBlock | SanCheckBlock;

export interface Step {
  /** Stable id: explicit (`<!-- lockstep: id=… -->`) or the heading's slug, -2, -3 for repeats. */
  id: string;
  title: string;
  /** Heading depth of the step (2 for `##`). */
  depth: number;
  range: SourceRange;
  /** The step's explanation: the Markdown prose under the heading, blocks removed. */
  explanation: string;
  targets?: TargetSelector;
  blocks: Block[];
  /** Where each attribute of the step's `<!-- lockstep: … -->` comment is written. */
  attrPos?: Record<string, SourcePos>;
  /** Maps offsets in `explanation` back to the file (see ProseSegment). */
  explanationMap?: ProseSegment[];
}

/**
 * Prose strings (explanation, intro) are verbatim slices of the file joined by blank lines.
 * Each segment says where its slice starts in the string (`offset`) and in the file, so a
 * position inside the prose can be reported as file:line:col.
 */
export interface ProseSegment {
  offset: number;
  line: number;
  column: number;
}

export interface VariableDecl {
  name: string;
  default?: string;
  description?: string;
  secret: boolean;
  /** Where the declaration sits in the front matter. */
  pos: SourcePos;
}

export interface Runbook {
  /** Short name used by `requires` (front matter `name`, else the file's base name). */
  name: string;
  title: string;
  file: string;
  /** sha256 of the file's bytes, hex; recordings pin runbooks by it. */
  sha256: string;
  description?: string;
  requires: string[];
  /** Default targets for steps that name none. */
  targets: TargetSelector;
  vars: VariableDecl[];
  steps: Step[];
  /** The prose before the first step (introduction), Markdown. */
  intro: string;
  /** Maps offsets in `intro` back to the file. */
  introMap?: ProseSegment[];
  /** Where front matter keys sit (key → position), for messages about them. */
  frontMatterPos?: Record<string, SourcePos>;
}

/** A problem found in a runbook or inventory; the CLI prints `file:line:col: message; hint`. */
export interface Diagnostic {
  severity: 'error' | 'warning';
  file: string;
  line: number;
  column: number;
  message: string;
  /** What to do about it. */
  hint?: string;
  /** A short machine-readable code, e.g. `unknown-variable`. */
  code: string;
}

/** Parsing and loading never throw on bad input; they return what they could plus diagnostics. */
export interface Parsed<T> {
  value: T | undefined;
  diagnostics: Diagnostic[];
}
