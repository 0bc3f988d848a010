// runScript against real shells: bash in a node-pty PTY (local) and bash on a PTY over a real
// OpenSSH server (ssh). The same cases run on both transports.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectLocal, connectSsh, type PaneSession } from '../../src/transport/index.js';
import type { Node } from '../../src/inventory/types.js';
import { startSshd, type SshdFixture } from './sshd-fixture.js';

const localNode: Node = {
  name: 'local0',
  transport: 'local',
  port: 0,
  groups: [],
  vars: {},
  pos: { file: 'inventory.yaml', line: 1, column: 1 },
};

let sshd: SshdFixture;
beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(async () => {
  await sshd?.stop();
});

const transports: [string, () => Promise<PaneSession>][] = [
  ['local', () => connectLocal(localNode, { cols: 100, rows: 30 })],
  ['ssh', () => connectSsh(sshd.node(), { knownHostsFile: sshd.knownHostsFile, agent: null, cols: 100, rows: 30 })],
];

describe.each(transports)('runScript over %s', (_name, connect) => {
  let s: PaneSession;
  let raw = '';
  beforeAll(async () => {
    s = await connect();
    s.onOutput((d) => (raw += d));
  });
  afterAll(async () => {
    await s?.close();
  });

  test('variables, exports, functions and cwd carry over to the next block', async () => {
    const a = await s.runScript('set-state', 'PLAIN=one\nexport EXPORTED=two\ndeclare -a ARR=(x "y z")\nhello() { echo "hi $1"; }\ncd /tmp\necho set');
    expect(a).toEqual({ exitCode: 0, output: 'set\n', timedOut: false, interrupted: false });
    const b = await s.runScript('use-state', 'echo "$PLAIN $EXPORTED ${ARR[1]} $(hello you) $PWD"; bash -c \'echo "child sees ${EXPORTED:-nothing}"\'');
    expect(b.exitCode).toBe(0);
    expect(b.output).toBe('one two y z hi you /tmp\nchild sees two\n');
  });

  test('state the pane restores only when it changed is still exact: arrays, namerefs, typed values, newlines', async () => {
    await s.runScript(
      'set-more',
      [
        'declare -A MAP=([k]="v 1" [j]=$\'two\\nlines\')',
        'declare -i NUM=41',
        'TARGET=t1',
        'declare -n REF=TARGET',
        "NL=$'a\\nb'",
        'KEEP=same',
        'EMPTY_ARR=()',
      ].join('\n'),
    );
    // Typed at the prompt between blocks: the next block starts from it, and sets it back.
    s.write('KEEP=changed-at-prompt\r');
    await new Promise((r) => setTimeout(r, 300));
    await s.runScript('set-back', 'KEEP=same; NUM+=1; REF=t2; MAP[k]=v2');
    const r = await s.runScript(
      'check-more',
      'echo "${MAP[k]}|${MAP[j]}|$NUM|$TARGET|$REF|$NL|$KEEP|${#EMPTY_ARR[@]}"; declare -p REF | tr "\\n" " "',
    );
    expect(r.output).toBe('v2|two\nlines|42|t2|t2|a\nb|same|0\ndeclare -n REF="TARGET" ');
    // Functions the operator defined come back; lockstep's own are not dumped into the state.
    await s.runScript('fn', 'greet() { echo "hello $1"; }');
    expect((await s.runScript('fn-use', 'greet there; declare -F | grep -c __lockstep_save')).output).toBe('hello there\n1\n');
  });

  test('a variable typed at the prompt and unset by the next block stays unset (the names are listed anew)', async () => {
    await s.runScript('before-typing', 'true');
    s.write('TYPED_AT_PROMPT=1\r');
    await new Promise((r) => setTimeout(r, 300));
    await s.runScript('unset-typed', 'echo "${TYPED_AT_PROMPT-unset}"; unset TYPED_AT_PROMPT');
    // And without typing in between, a block's unset still reaches the shell (names reused).
    await s.runScript('set-again', 'AGAIN=1');
    await s.runScript('unset-again', 'unset AGAIN');
    expect((await s.runScript('check-typed', 'echo "${TYPED_AT_PROMPT-unset} ${AGAIN-unset}"')).output).toBe('unset unset\n');
  });

  test('HISTSIZE and HISTFILESIZE (restored only when changed) carry over, with attributes, and unset', async () => {
    await s.runScript('hist-set', 'HISTSIZE=777; export HISTFILESIZE=888');
    const a = await s.runScript('hist-check', 'echo "$HISTSIZE ${HISTFILESIZE@a}$HISTFILESIZE"');
    expect(a.output).toBe('777 x888\n');
    await s.runScript('hist-unset', 'unset HISTSIZE');
    expect((await s.runScript('hist-gone', 'echo "${HISTSIZE-unset} $HISTFILESIZE"')).output).toBe('unset 888\n');
  });

  test('an unset variable stays unset in the next block', async () => {
    await s.runScript('set', 'GONE=1');
    await s.runScript('unset', 'unset GONE');
    expect((await s.runScript('check', 'echo "${GONE-unset}"')).output).toBe('unset\n');
  });

  test('exit N ends only the block, with its status, and keeps state set before it', async () => {
    const r = await s.runScript('exit', 'BEFORE_EXIT=kept\necho before\nexit 7\necho after');
    expect(r.exitCode).toBe(7);
    expect(r.output).toBe('before\n');
    expect((await s.runScript('after-exit', 'echo "$BEFORE_EXIT"')).output).toBe('kept\n');
  });

  test('set -e stops the block at the failing command and reports its status', async () => {
    const r = await s.runScript('set-e', 'set -e\necho one\nsh -c "exit 5"\necho never');
    expect(r.exitCode).toBe(5);
    expect(r.output).toBe('one\n');
    // set -e did not leak into the pane's shell: a failing command does not end it.
    const next = await s.runScript('after-set-e', 'false; echo still here');
    expect(next).toMatchObject({ exitCode: 0, output: 'still here\n' });
  });

  test("a block's own EXIT trap runs, and its variables still carry over", async () => {
    const r = await s.runScript('own-trap', "trap 'echo cleanup' EXIT\nTRAPPED_VAR=kept\necho body");
    expect(r).toMatchObject({ exitCode: 0, output: 'body\ncleanup\n' });
    expect((await s.runScript('after-own-trap', 'echo "$TRAPPED_VAR"')).output).toBe('kept\n');
  });

  test('set -x in a block traces the block only, not lockstep hooks', async () => {
    const r = await s.runScript('xtrace', 'set -x\ntrue xtraced');
    expect(r.exitCode).toBe(0);
    // (bash repeats PS4's first character once per subshell level, hence one or more '+')
    expect(r.output).toMatch(/^\++ true xtraced\n$/);
  });

  test('heredocs, including quoted ones and lines that look like markers', async () => {
    const script = [
      'NAME=world',
      'cat <<EOF',
      'hello $NAME',
      'EOF',
      "cat <<'EOF'",
      'literal $NAME',
      'EOF',
      'cat > /dev/null <<EOF',
      'exit 9',
      'EOF',
    ].join('\n');
    const r = await s.runScript('heredoc', script);
    expect(r).toMatchObject({ exitCode: 0, output: 'hello world\nliteral $NAME\n' });
  });

  test('a background job does not hang the block', async () => {
    const t0 = Date.now();
    const r = await s.runScript('bg', 'sleep 100 &\nBGPID=$!\necho started');
    expect(r).toMatchObject({ exitCode: 0, output: 'started\n' });
    expect(Date.now() - t0).toBeLessThan(5000);
    await s.runScript('kill-bg', 'kill "$BGPID"');
  });

  test('output without a trailing newline, CRLF and bare CR, multibyte text', async () => {
    const r = await s.runScript('odd-output', 'printf "a\\r\\nb\\rc\\n"; printf "gr\\xc3\\xbc\\xc3\\x9f \\xe2\\x82\\xac "; printf "no newline"');
    expect(r.exitCode).toBe(0);
    expect(r.output).toBe('a\nb\rc\ngrüß € no newline');
    // The pane stays usable and the next block's output is clean.
    expect((await s.runScript('next', 'echo ok')).output).toBe('ok\n');
  });

  test('multibyte characters split across chunks arrive whole', async () => {
    const r = await s.runScript('euros', "printf '€%.0s' $(seq 1 30000); printf 'ü\\n'");
    expect(r.exitCode).toBe(0);
    expect(r.output).toBe('€'.repeat(30000) + 'ü\n');
  });

  test('a long output is captured whole', async () => {
    const r = await s.runScript('long', 'seq 1 20000');
    expect(r.exitCode).toBe(0);
    const lines = r.output.trimEnd().split('\n');
    expect(lines.length).toBe(20000);
    expect(lines[19999]).toBe('20000');
  });

  test('a block can print an OSC 133 mark of its own without confusing the framing', async () => {
    const r = await s.runScript('fake-mark', 'printf "\\033]133;D;0\\007x\\n"; exit 3');
    expect(r.exitCode).toBe(3);
    expect(r.output).toBe('\x1b]133;D;0\x07x\n');
  });

  test('timeout sends Ctrl-C and reports timedOut; the pane keeps working', async () => {
    const t0 = Date.now();
    const r = await s.runScript('slow', 'echo waiting; sleep 30', { timeoutMs: 600 });
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).toBeNull();
    expect(r.output).toContain('waiting');
    expect(Date.now() - t0).toBeLessThan(4000);
    expect((await s.runScript('after-timeout', 'echo "$PLAIN"')).output).toBe('one\n');
  });

  test('an AbortSignal interrupts the block and keeps what it set before', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 400);
    const r = await s.runScript('abort', 'SET_BEFORE_ABORT=yes\nsleep 30', { signal: ac.signal });
    expect(r).toMatchObject({ interrupted: true, exitCode: null, timedOut: false });
    expect((await s.runScript('after-abort', 'echo "$SET_BEFORE_ABORT"')).output).toBe('yes\n');
  });

  test('interrupt() stops the running block and reports it interrupted', async () => {
    const pending = s.runScript('to-interrupt', 'echo go; sleep 30');
    await new Promise((r) => setTimeout(r, 300));
    s.interrupt();
    expect(await pending).toMatchObject({ exitCode: null, interrupted: true, timedOut: false });
    expect((await s.runScript('after-interrupt', 'echo fine')).output).toBe('fine\n');
  });

  test('an interrupt right after the block is typed ends it promptly either way', async () => {
    const t0 = Date.now();
    const pending = s.runScript('instant-interrupt', 'sleep 30');
    setImmediate(() => s.interrupt());
    expect(await pending).toMatchObject({ exitCode: null, interrupted: true });
    expect(Date.now() - t0).toBeLessThan(2500);
    expect((await s.runScript('after-instant', 'echo ok')).output).toBe('ok\n');
  });

  test('a block that ignores Ctrl-C is given up on; the next block waits for the prompt', async () => {
    const t0 = Date.now();
    const r = await s.runScript('stubborn', "trap '' INT; sleep 3.6; echo late", { timeoutMs: 300 });
    expect(r).toMatchObject({ exitCode: null, timedOut: true });
    expect(Date.now() - t0).toBeLessThan(3500);
    const next = await s.runScript('after-stubborn', 'echo next', { timeoutMs: 10_000 });
    expect(next).toMatchObject({ exitCode: 0, output: 'next\n' });
  });

  test('the pane reads like a shell: a comment names the block, no protocol text is visible', async () => {
    await s.runScript('visible-check', 'echo shown');
    const plain = raw.replace(/\x1b\][^\x07]*\x07/g, '').replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
    expect(plain).toContain('# lockstep: visible-check');
    expect(plain).toContain('shown');
  });

  test('a block may change PS1 and IFS; later blocks still run and frame correctly', async () => {
    await s.runScript('prompt', "PS1='custom\\$ '\nOLD_IFS=$IFS\nIFS=,");
    const r = await s.runScript('with-ifs', 'v="a,b"; for x in $v; do echo "[$x]"; done');
    expect(r).toMatchObject({ exitCode: 0, output: '[a]\n[b]\n' });
    await s.runScript('restore-ifs', 'IFS=$OLD_IFS');
    expect(raw).toMatch(/custom[#$] /); // \$ shows # for root
  });

  test('a second runScript while one is running is refused', async () => {
    const first = s.runScript('first', 'sleep 0.5; echo done');
    await expect(s.runScript('second', 'echo x')).rejects.toThrow(/still running block first/);
    expect((await first).output).toBe('done\n');
  });

  test('resize(cols, rows) reaches the terminal in the right order', async () => {
    s.resize(91, 37);
    await expect
      .poll(async () => (await s.runScript('size', 'stty size')).output, { timeout: 5000, interval: 100 })
      .toBe('37 91\n');
    s.resize(100, 30);
  });

  test('TERM is xterm-256color and the pane is a terminal', async () => {
    expect((await s.runScript('term', 'echo "$TERM"; [ -t 0 ] && [ -t 1 ] && echo tty')).output).toBe('xterm-256color\ntty\n');
  });

  test('root file operations work on this transport too', async () => {
    const path = `/tmp/lockstep-run-script-${process.pid}-${_name}/f.txt`;
    await s.writeFileAtomic(path, Buffer.from('x\n'), { mode: 0o600 });
    expect(await s.statFile(path)).toEqual({ mode: 0o600, owner: 'root:root' });
    expect((await s.readFile(path))?.toString()).toBe('x\n');
    await s.removeFile(path);
    expect(await s.readFile(path)).toBeNull();
    await s.exec(`rmdir /tmp/lockstep-run-script-${process.pid}-${_name}`);
  });

  test('echoOff is true at a password-style prompt and false at the shell prompt', async () => {
    expect(s.echoOff()).toBe(false);
    const pending = s.runScript('read-secret', 'read -r -s -p "Password: " SECRET; echo; echo "got ${#SECRET}"', { timeoutMs: 10_000 });
    await expect.poll(() => s.echoOff(), { timeout: 5000, interval: 50 }).toBe(true);
    s.write('hunter2\r');
    const r = await pending;
    expect(r).toMatchObject({ exitCode: 0 });
    expect(r.output).toContain('got 7');
    expect(r.output).not.toContain('hunter2');
    await expect.poll(() => s.echoOff(), { timeout: 5000, interval: 50 }).toBe(false);
  });
});
