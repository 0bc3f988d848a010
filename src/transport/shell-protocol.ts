// The bash code that turns a plain interactive shell into a pane lockstep can drive. Pure:
// it only builds text; transports upload it into the node's private lockstep directory.
//
// The pane runs `bash --rcfile <dir>/rc -i`. The rc loads the usual login files, then adds:
// - an OSC 133 "B" mark at the end of PS1, printed by readline once it is reading input, so
//   lockstep types a block only when the prompt is really there;
// - an alias `__ls` that sources <dir>/run at the top level (so restored `declare`s are global);
// - a PROMPT_COMMAND hook that still reports a block's end when Ctrl-C cut the runner short;
// - the runner's work as functions (parsed once, not per block).
// The runner prints a start mark, runs the block's file (<dir>/b<hash>) in a subshell (so `exit`, `set -e` and
// errors end only the subshell), whose EXIT trap saves variables, functions, cwd and umask to
// <dir>/state; the pane's shell sources that, then prints the end mark with the exit status.
//
// Cost matters: this runs in every node's shell for every block, and on a small control machine
// 30 nodes' shells share its cores (BENCHMARKS.md, Engine). So builtins that loop in C do the
// per-variable work (compgen -X filters the names, declare -p dumps them) instead of bash loops;
// the names before a block are the ones the last restore left unless someone typed in between;
// lockstep's own functions are never saved and re-parsed; HISTSIZE and HISTFILESIZE are assigned
// again only when changed (each assignment re-trims history and re-reads the history file);
// the typed line is short and readline's bracketed-paste toggling (two writes a line) is off.

import { createHash } from 'node:crypto';

/** The names bash manages itself, plus lockstep's own: never saved or restored. */
const SKIP_EXACT = [
  'BASH', 'BASHOPTS', 'BASHPID', 'SHELLOPTS', 'EUID', 'UID', 'PPID', 'GROUPS', 'FUNCNAME',
  'PIPESTATUS', 'LINENO', 'RANDOM', 'SRANDOM', 'SECONDS', 'EPOCHREALTIME', 'EPOCHSECONDS',
  'HISTCMD', 'COLUMNS', 'LINES', 'PWD', 'OLDPWD', 'SHLVL', '_', 'PROMPT_COMMAND', 'DIRSTACK',
  'COMP_WORDBREAKS', 'HOSTNAME', 'HOSTTYPE', 'MACHTYPE', 'OSTYPE', 'OPTIND', 'OPTARG', 'OPTERR',
  'COPROC',
];
/** Prefixes of names never saved (bash's own arrays, readline's, lockstep's). */
const SKIP_PREFIX = 'BASH_*|READLINE_*|__lockstep*';

const LETTERS = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_'];
/** Every variable name without forking: `${!A@}` lists the names starting with A, and so on. */
const ALL_NAMES = LETTERS.map((l) => `"\${!${l}@}"`).join(' ');
/**
 * Saved, but assigned again only when changed: assigning HISTSIZE re-trims the history list,
 * HISTFILESIZE re-reads (and may rewrite) the history file, every time.
 */
const GUARDED = ['HISTFILESIZE', 'HISTSIZE'];
/** An extglob pattern matching every name the general save leaves out. */
const SKIP_PATTERN = `@(${[...SKIP_EXACT, ...GUARDED, ...SKIP_PREFIX.split('|')].join('|')})`;
/**
 * Fills the array named \$1 with the names of the variables lockstep saves: `compgen -v -X`
 * leaves out bash's own and lockstep's in C (a bash loop over every variable cost about 5 µs a
 * name, twice per block), into a file read back with mapfile (no fork). A bash without compgen
 * gets the 53 prefix expansions and a loop. Readonly variables are saved too (restoring one
 * that exists fails quietly).
 */
const NAMES_FN = `__lockstep_names() {
  local __lockstep_x __lockstep_eg=
  builtin shopt -q extglob || { __lockstep_eg=1; builtin shopt -s extglob; }
  # (A block may have disabled compgen: enable -n. It then says so by failing: IFS is always set.)
  if builtin compgen -v -X "$__lockstep_skip_pat" >| "$__lockstep_dir/names" 2>/dev/null; then
    __lockstep_compgen=1
    builtin mapfile -t "$1" < "$__lockstep_dir/names"
  else
    local -a __lockstep_a=(${ALL_NAMES}) __lockstep_b=()
    for __lockstep_x in "\${__lockstep_a[@]}"; do
      [[ $__lockstep_x == $__lockstep_skip_pat ]] || __lockstep_b+=("$__lockstep_x")
    done
    builtin eval "$1=(\\"\\\${__lockstep_b[@]}\\")"
    __lockstep_compgen=
  fi
  [[ -z $__lockstep_eg ]] || builtin shopt -u extglob
}`;

/**
 * The name of the file a script is uploaded to in the pane's directory: named after its
 * content, so a script put there ahead of time (NodeSession.prepareScript) or run before is
 * not uploaded again. Short, because it is typed for every block (readline reads typed input
 * one byte at a time).
 */
export function blockFileName(script: string): string {
  return `b${createHash('sha256').update(script).digest('hex').slice(0, 12)}`;
}

/** Single-quotes a string for bash. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A block id made safe to print inside a mark and a typed line. */
export function markLabel(blockId: string): string {
  const clean = blockId.replace(/[^A-Za-z0-9._:/@+-]/g, '_').slice(0, 80);
  return clean.length > 0 ? clean : 'block';
}

/**
 * The line typed into the pane to run block `seq` from `file` (a name from blockFileName; the
 * runner falls back to `block.sh`). When someone typed at the prompt since it appeared, Ctrl-E
 * Ctrl-U first clear the half-typed input (on an empty line they would ring the bell, so only
 * then). `relist`: someone typed into the pane since the last block, so the shell's variables
 * may differ from what the last restore left; the runner then lists them anew instead of
 * reusing that list (it needs them to see which ones the block unsets).
 */
export function typedRunLine(seq: number, label: string, clearInput = false, file?: string, relist = false): string {
  return `${clearInput ? '\x05\x15' : ''} __ls ${seq} ${label}${file ? ` ${file}` : ''}${file && relist ? ' r' : ''}\r`;
}

export function rcScript(dir: string): string {
  const d = shQuote(dir);
  return `# lockstep pane setup (generated). Loads the login files a tmux pane over ssh would, then
# adds the hooks lockstep uses to know where each block starts and ends.
if [ -r /etc/profile ]; then . /etc/profile; fi
for __lockstep_f in ~/.bash_profile ~/.bash_login ~/.profile; do
  if [ -r "$__lockstep_f" ]; then . "$__lockstep_f"; break; fi
done
unset __lockstep_f
__lockstep_dir=${d}
__lockstep_ready=$'\\e]133;B;lockstep\\a'
__lockstep_pending=
HISTCONTROL="\${HISTCONTROL:+$HISTCONTROL:}ignorespace"
alias __ls=". ${d.replace(/"/g, '\\"')}/run"
# Readline would switch the terminal's bracketed paste on and off around every line: two more
# writes (SSH packets) per block. Nothing sends the pane bracketed pastes (lockstep types keys).
builtin bind 'set enable-bracketed-paste off' 2>/dev/null

${NAMES_FN}

__lockstep_skip_pat='${SKIP_PATTERN}'

# EXIT trap of a block's subshell: write what the pane's shell must take over. Builtins that
# loop in C do the work (compgen filters, declare -p dumps); bash loops only over the few
# names lockstep saves.
__lockstep_save() {
  local __lockstep_n __lockstep_d
  local -a __lockstep_all=() __lockstep_fn=()
  local -A __lockstep_now=()
  __lockstep_names __lockstep_all
  # The same names as before the block (compgen sorts them): nothing was unset.
  if [[ "\${__lockstep_all[*]}" != "\${__lockstep_before[*]}" ]]; then
    for __lockstep_n in "\${__lockstep_all[@]}"; do __lockstep_now[$__lockstep_n]=1; done
  fi
  # The operator's functions only: lockstep's are defined by the rc and never change.
  # (__lockstep_names said whether compgen works; with no such function it fails, correctly.)
  if [[ -n $__lockstep_compgen ]]; then
    builtin compgen -A function -X '__lockstep*' >| "$__lockstep_dir/names" 2>/dev/null
    builtin mapfile -t __lockstep_fn < "$__lockstep_dir/names"
  else
    __lockstep_fn=(-)
  fi
  {
    if ((\${#__lockstep_all[@]})); then builtin declare -p "\${__lockstep_all[@]}"; fi
    for __lockstep_n in ${GUARDED.join(' ')}; do
      if [[ -n \${!__lockstep_n+set} ]]; then
        __lockstep_d=\${!__lockstep_n@A}
        builtin printf '[[ ${'$'}{%s@A} == %q ]] || %s\\n' "$__lockstep_n" "$__lockstep_d" "$__lockstep_d"
      else
        builtin printf '[[ -z ${'$'}{%s+set} ]] || unset -v %s\\n' "$__lockstep_n" "$__lockstep_n"
      fi
    done
    if ((\${#__lockstep_now[@]})); then
      for __lockstep_n in "\${__lockstep_before[@]}"; do
        [[ -n \${__lockstep_now[$__lockstep_n]-} ]] || builtin printf 'unset -v %q\\n' "$__lockstep_n"
      done
    fi
    if [[ \${__lockstep_fn[0]-} == - ]]; then builtin declare -f
    elif ((\${#__lockstep_fn[@]})); then builtin declare -f "\${__lockstep_fn[@]}"; fi
    builtin printf 'builtin cd -- %q\\n' "$PWD"
    builtin umask -p
    # The names the pane's shell has after this restore: the next block's "before", unless
    # someone typed at the prompt since (then __ls gets a 4th argument and they are listed anew).
    builtin printf '__lockstep_known=('
    if ((\${#__lockstep_all[@]})); then builtin printf '%q ' "\${__lockstep_all[@]}"; fi
    builtin printf ')\\n'
  } >| "$__lockstep_dir/state" 2>/dev/null
}

# The runner's work before the block: replace the typed line with the prompt and a comment
# naming the block, remember the variable names (to see what the block unsets), print the
# start mark. Globals on purpose: __lockstep_end and the subshell read them.
__lockstep_begin() {
  __lockstep_n=$1 __lockstep_label=$2 __lockstep_file=\${3:-block.sh}
  __lockstep_q=\${PS1@P}
  __lockstep_q=\${__lockstep_q//$'\\001'"$__lockstep_ready"$'\\002'/}
  __lockstep_p=$__lockstep_q
  while [[ $__lockstep_p == *$'\\001'*$'\\002'* ]]; do
    __lockstep_p=\${__lockstep_p%%$'\\001'*}\${__lockstep_p#*$'\\002'}
  done
  __lockstep_q=\${__lockstep_q//[$'\\001\\002']/}
  __lockstep_cols=\${COLUMNS:-80}
  __lockstep_typed=" __ls $*"
  __lockstep_rows=$(( (\${#__lockstep_p} + \${#__lockstep_typed} + __lockstep_cols - 1) / __lockstep_cols ))
  if [[ -n \${4-} || -z \${__lockstep_known+set} ]]; then
    __lockstep_before=()
    __lockstep_names __lockstep_before
  else
    __lockstep_before=("\${__lockstep_known[@]}")
  fi
  __lockstep_pending=$__lockstep_n
  : >| "$__lockstep_dir/state"
  # One printf for the line and the start mark (and below for the end mark and the % line).
  builtin printf '\\r\\e[%dA\\e[J%s# lockstep: %s\\r\\n\\e]133;C;lockstep=%s;id=%s\\a' "$__lockstep_rows" "$__lockstep_q" "$__lockstep_label" "$__lockstep_n" "$__lockstep_label"
}

# After the restore: the end mark, then output that did not end in a newline gets a mark (like
# zsh) so the prompt starts on its own line.
__lockstep_end() {
  __lockstep_pending=
  builtin printf '\\e]133;D;%s;lockstep=%s\\a\\e[7m%%\\e[27m%*s\\r\\e[K' "$__lockstep_s" "$__lockstep_n" "$((\${COLUMNS:-80} - 1))" ''
  unset __lockstep_n __lockstep_label __lockstep_file __lockstep_q __lockstep_p __lockstep_cols __lockstep_typed __lockstep_rows __lockstep_before
}

__lockstep_status() { return "$1"; }
# Runs at the top level (a PROMPT_COMMAND entry, not a function) so restored declares are global.
__lockstep_prompt='__lockstep_s=$?
if [[ -n $__lockstep_pending ]]; then
  # The runner was cut short (Ctrl-C stops a sourced file): report the end here instead. The
  # state may be partial: the next block lists the names anew.
  unset __lockstep_known
  builtin . "$__lockstep_dir/state" 2>/dev/null
  builtin printf "\\e]133;D;%s;lockstep=%s\\a" "$__lockstep_s" "$__lockstep_pending"
  __lockstep_pending=
fi
__lockstep_status "$__lockstep_s"'
# Last, after any prompt framework rewrote PS1: make sure it ends with the ready mark.
__lockstep_mark_ps1='[[ $PS1 == *"$__lockstep_ready"* ]] || PS1+="\\[$__lockstep_ready\\]"'
PROMPT_COMMAND=("$__lockstep_prompt" \${PROMPT_COMMAND[@]+"\${PROMPT_COMMAND[@]}"} "$__lockstep_mark_ps1")
tty > "$__lockstep_dir/tty" 2>/dev/null
builtin echo "$$" > "$__lockstep_dir/pid"
`;
}

/**
 * Removes pane directories (`<tmp>/lockstep-*` holding an `rc`) that the login user owns and
 * whose shell is gone: a lost connection cannot clean up after itself, the next one does.
 */
export function staleDirsCleanup(tmpRoot: string): string {
  return [
    `for d in ${shQuote(tmpRoot)}/lockstep-*; do`,
    '  [ -d "$d" ] && [ -O "$d" ] && [ -f "$d/rc" ] && [ -f "$d/pid" ] || continue',
    '  pid=$(cat "$d/pid" 2>/dev/null)',
    '  case $pid in ""|*[!0-9]*) continue ;; esac',
    // Gone, or a zombie nobody reaped (containers whose PID 1 is not an init).
    '  st=$(cat "/proc/$pid/stat" 2>/dev/null); st=${st##*) }; st=${st%% *}',
    '  case $st in ""|Z|X) rm -rf -- "$d" ;; esac',
    'done',
  ].join('\n');
}

export function runnerScript(): string {
  return `# lockstep block runner (generated), sourced by the pane's shell as: __ls SEQ LABEL [FILE [r]]
# The work is in the rc's functions (parsed once); the subshell and the restore stay here, at the
# top level, so that a block's declare and the restored state are global.
__lockstep_begin "$@"
(
  # exit, set -e and errors leave through the EXIT trap; a normal end saves directly, so a
  # block that installs its own EXIT trap still hands its variables on.
  trap '{ __lockstep_s=$?; set +eux; } 2>/dev/null; [[ -n $__lockstep_saved ]] || __lockstep_save; exit $__lockstep_s' EXIT
  __lockstep_saved=
  set --
  . "$__lockstep_dir/$__lockstep_file"
  { __lockstep_s=$?; set +eux; } 2>/dev/null
  __lockstep_save
  __lockstep_saved=1
  exit $__lockstep_s
)
__lockstep_s=$?
builtin . "$__lockstep_dir/state" 2>/dev/null
__lockstep_end
set -- "$__lockstep_s"
unset __lockstep_s
return "$1"
`;
}
