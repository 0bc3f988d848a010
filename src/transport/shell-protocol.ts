// The bash code that turns a plain interactive shell into a pane lockstep can drive. Pure:
// it only builds text; transports upload it into the node's private lockstep directory.
//
// The pane runs `bash --rcfile <dir>/rc -i`. The rc loads the usual login files, then adds:
// - an OSC 133 "B" mark at the end of PS1, printed by readline once it is reading input, so
//   lockstep types a block only when the prompt is really there;
// - an alias `__ls` that sources <dir>/run at the top level (so restored `declare`s are global);
// - a PROMPT_COMMAND hook that still reports a block's end when Ctrl-C cut the runner short.
// The runner prints a start mark, runs the block's file (<dir>/b-<hash>.sh) in a subshell (so `exit`, `set -e` and
// errors end only the subshell), whose EXIT trap saves variables, functions, cwd and umask to
// <dir>/state; the pane's shell sources that, then prints the end mark with the exit status.

import { createHash } from 'node:crypto';

/** The names bash manages itself, plus lockstep's own: never saved or restored. */
const SKIP_VARS = [
  'BASH', 'BASH_*', 'BASHOPTS', 'BASHPID', 'SHELLOPTS', 'EUID', 'UID', 'PPID', 'GROUPS', 'FUNCNAME',
  'PIPESTATUS', 'LINENO', 'RANDOM', 'SRANDOM', 'SECONDS', 'EPOCHREALTIME', 'EPOCHSECONDS',
  'HISTCMD', 'COLUMNS', 'LINES', 'PWD', 'OLDPWD', 'SHLVL', '_', 'PROMPT_COMMAND', 'DIRSTACK',
  'COMP_WORDBREAKS', 'HOSTNAME', 'HOSTTYPE', 'MACHTYPE', 'OSTYPE', 'OPTIND', 'OPTARG', 'OPTERR',
  'READLINE_*', 'COPROC', '__lockstep*',
];

const LETTERS = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_'];
/** Every variable name without forking: `${!A@}` lists the names starting with A, and so on. */
const ALL_NAMES = LETTERS.map((l) => `"\${!${l}@}"`).join(' ');
/**
 * Fills the array named \$1 with every variable name. `compgen -v` into a file read back with
 * mapfile lists the same names without forking, several times faster than the 53 prefix
 * expansions (each scans every variable); those remain the fallback for a bash without compgen.
 */
const NAMES_FN = `__lockstep_names() {
  if builtin compgen -v >| "$__lockstep_dir/names" 2>/dev/null; then
    builtin mapfile -t "$1" < "$__lockstep_dir/names"
  else
    local -a __lockstep_a=(${ALL_NAMES})
    builtin eval "$1=(\\"\\\${__lockstep_a[@]}\\")"
  fi
}`;

/**
 * The name of the file a script is uploaded to in the pane's directory: named after its
 * content, so a script put there ahead of time (NodeSession.prepareScript) or run before is
 * not uploaded again.
 */
export function blockFileName(script: string): string {
  return `b-${createHash('sha256').update(script).digest('hex').slice(0, 20)}.sh`;
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
 * then).
 */
export function typedRunLine(seq: number, label: string, clearInput = false, file?: string): string {
  return `${clearInput ? '\x05\x15' : ''} __ls ${seq} ${label}${file ? ` ${file}` : ''}\r`;
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

${NAMES_FN}

__lockstep_skip() {
  case $1 in
    ${SKIP_VARS.join('|')}) return 0 ;;
  esac
  [[ \${!1@a} == *r* ]]
}

# EXIT trap of a block's subshell: write what the pane's shell must take over.
__lockstep_save() {
  local __lockstep_n
  local -a __lockstep_keep=() __lockstep_all=()
  local -A __lockstep_now=()
  __lockstep_names __lockstep_all
  for __lockstep_n in "\${__lockstep_all[@]}"; do
    __lockstep_now[$__lockstep_n]=1
    # __lockstep_skip, inlined: a function call per variable costs more than the rest.
    case $__lockstep_n in
      ${SKIP_VARS.join('|')}) continue ;;
    esac
    [[ \${!__lockstep_n@a} == *r* ]] || __lockstep_keep+=("$__lockstep_n")
  done
  {
    if ((\${#__lockstep_keep[@]})); then builtin declare -p "\${__lockstep_keep[@]}"; fi
    for __lockstep_n in "\${__lockstep_before[@]}"; do
      if [[ -z \${__lockstep_now[$__lockstep_n]-} ]] && ! __lockstep_skip "$__lockstep_n"; then
        builtin printf 'unset -v %q\\n' "$__lockstep_n"
      fi
    done
    builtin declare -f
    builtin printf 'builtin cd -- %q\\n' "$PWD"
    builtin umask -p
  } >| "$__lockstep_dir/state" 2>/dev/null
}

__lockstep_status() { return "$1"; }
# Runs at the top level (a PROMPT_COMMAND entry, not a function) so restored declares are global.
__lockstep_prompt='__lockstep_s=$?
if [[ -n $__lockstep_pending ]]; then
  # The runner was cut short (Ctrl-C stops a sourced file): report the end here instead.
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
  return `# lockstep block runner (generated), sourced by the pane's shell as: __ls SEQ LABEL [FILE]
__lockstep_n=$1 __lockstep_label=$2 __lockstep_file=\${3:-block.sh}
# Replace the typed line with the prompt and a comment naming the block.
__lockstep_q=\${PS1@P}
__lockstep_q=\${__lockstep_q//$'\\001'"$__lockstep_ready"$'\\002'/}
__lockstep_p=$__lockstep_q
while [[ $__lockstep_p == *$'\\001'*$'\\002'* ]]; do
  __lockstep_p=\${__lockstep_p%%$'\\001'*}\${__lockstep_p#*$'\\002'}
done
__lockstep_q=\${__lockstep_q//[$'\\001\\002']/}
__lockstep_cols=\${COLUMNS:-80}
__lockstep_typed=" __ls $1 $2\${3:+ $3}"
__lockstep_rows=$(( (\${#__lockstep_p} + \${#__lockstep_typed} + __lockstep_cols - 1) / __lockstep_cols ))
__lockstep_before=()
__lockstep_names __lockstep_before
__lockstep_pending=$__lockstep_n
: >| "$__lockstep_dir/state"
# One write for the line and the start mark (and below for the end mark and the % line): fewer
# pty reads, ssh packets and wake-ups per block.
builtin printf '\\r\\e[%dA\\e[J%s# lockstep: %s\\r\\n\\e]133;C;lockstep=%s;id=%s\\a' "$__lockstep_rows" "$__lockstep_q" "$__lockstep_label" "$__lockstep_n" "$__lockstep_label"
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
__lockstep_pending=
# The end mark, then output that did not end in a newline gets a mark (like zsh) so the prompt
# starts on its own line.
builtin printf '\\e]133;D;%s;lockstep=%s\\a\\e[7m%%\\e[27m%*s\\r\\e[K' "$__lockstep_s" "$__lockstep_n" "$((\${COLUMNS:-80} - 1))" ''
set -- "$__lockstep_s"
unset __lockstep_n __lockstep_label __lockstep_file __lockstep_q __lockstep_p __lockstep_cols __lockstep_typed __lockstep_rows __lockstep_before __lockstep_s
return "$1"
`;
}
