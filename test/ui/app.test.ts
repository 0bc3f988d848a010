import { afterEach, describe, expect, it } from 'vitest';
import { stripVTControlCharacters } from 'node:util';
import { demoApproved, demoOpening, demoStep, stamp } from '../../src/ui/demo/script.js';
import { renderApp, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(() => {
  h?.unmount();
  h = undefined;
});
const plain = (s: string): string => stripVTControlCharacters(s);
const opening = () => stamp(demoOpening(), 0);

describe('App', () => {
  it('shows the steps, the explanation rendered from Markdown, and one bordered pane per node', async () => {
    h = renderApp({ mode: 'learn' });
    await h.feed(opening());
    const f = plain(await h.waitFor((x) => plain(x).includes('controller-2')));
    expect(f).toContain('Download etcd');
    expect(f).toContain('Verify etcd members');
    // Markdown: strong and code spans lose their markers, list items get bullets
    expect(f).toContain('Fetch the etcd release');
    expect(f).not.toContain('**etcd**');
    expect(f).toContain('• the tarball goes to /tmp');
    expect(f).toContain('This step will:');
    expect(f).toContain('• runs 1 command on 3 nodes');
    for (const n of ['1 controller-0', '2 controller-1', '3 controller-2']) expect(f).toContain(n);
    expect(f).toMatch(/┌─+/);
    expect(f).toContain('root@controller-1:~#');
    // the session announced the panes' size; the UI resized them to its layout and told the engine
    expect(h.intents.find((i) => i.kind === 'resize')).toBeDefined();
  });

  it('marks steps and gates per node, with the reason on the failed node', async () => {
    h = renderApp({ mode: 'learn', cols: 200 });
    await h.feed(stamp([...demoOpening(), ...demoStep(0), ...demoStep(1), ...demoApproved(), ...demoStep(2)]));
    const f = plain(await h.waitFor((x) => plain(x).includes('pattern')));
    expect(f).toMatch(/✓ Download etcd\s+✓✓✓/);
    expect(f).toMatch(/✗ Verify etcd members\s+✓✓✗/);
    expect(f).toContain('✗ controller-2: pattern');
    expect(f).toContain('gate ✓');
    expect(f).toContain('gate ✗ pattern "started" not found');
    expect(f).toContain('r retries');
  });

  it('shows file diffs before they are written and asks before writing in production', async () => {
    h = renderApp({ mode: 'production' });
    await h.feed(stamp([...demoOpening(), ...demoStep(0), ...demoStep(1)]));
    await h.key('d');
    const f = plain(await h.waitFor((x) => plain(x).includes('File changes')));
    expect(f).toContain('[NOT WRITTEN YET] controller-1: /etc/systemd/system/etcd.service (new file)');
    expect(f).toContain('+ExecStart=/usr/local/bin/etcd --name controller-1');
    await h.key('n');
    expect(plain(await h.waitFor('[y/n]'))).toContain('Write 3 changed file(s) for etcd/unit?');
    expect(h.intents.some((i) => i.kind === 'approve')).toBe(false);
    await h.key('y');
    expect(h.intents).toContainEqual({ kind: 'approve', step: 'etcd/unit' });
  });

  it('approves without a question in learning mode, and shows what the step will change', async () => {
    h = renderApp({ mode: 'learn', cols: 160 });
    await h.feed(stamp([...demoOpening(), ...demoStep(0), ...demoStep(1)]));
    const f = plain(await h.waitFor('Will change'));
    expect(f).toContain('• /etc/systemd/system/etcd.service');
    expect(f.replace(/\s+/g, ' ')).toContain('etcd.service on 3');
    await h.key('n');
    expect(h.intents).toContainEqual({ kind: 'approve', step: 'etcd/unit' });
  });

  it('shows the divergence view', async () => {
    h = renderApp();
    await h.feed(stamp([...demoOpening(), ...demoStep(0), ...demoStep(1), ...demoApproved(), ...demoStep(2)]));
    await h.key('v');
    const f = plain(await h.waitFor('Divergence between nodes'));
    expect(f).toContain('majority controller-0, controller-1');
    expect(f).toContain('controller-2 differs:');
    expect(f).toContain('+Error: context deadline exceeded');
    await h.key('\x1b');
    await h.waitFor((x) => !plain(x).includes('Divergence between nodes'));
  });

  it('types into the focused pane, broadcasts to all or to selected panes, with an indicator', async () => {
    h = renderApp();
    await h.feed(opening());
    await h.key('2');
    await h.key('i');
    expect(plain(await h.waitFor('KEYS → controller-1'))).toContain('Ctrl-] stops');
    await h.key('l');
    await h.key('\x1b[A'); // an arrow key goes through as the terminal sent it
    await h.key('\x1d');
    await h.waitFor('keys: commands');
    await h.key('b');
    expect(plain(await h.waitFor('BROADCAST'))).toContain('BROADCAST → ALL 3 PANES');
    await h.key('x');
    await h.key('\x1d');
    await h.key('1');
    await h.key(' ');
    await h.key('3');
    await h.key(' ');
    await h.key('B');
    expect(plain(await h.waitFor('BROADCAST'))).toContain('BROADCAST → controller-0, controller-2');
    await h.key('y');
    const inputs = h.intents.filter((i) => i.kind === 'input');
    expect(inputs).toEqual([
      { kind: 'input', nodes: ['controller-1'], data: 'l' },
      { kind: 'input', nodes: ['controller-1'], data: '\x1b[A' },
      { kind: 'input', nodes: ['controller-0', 'controller-1', 'controller-2'], data: 'x' },
      { kind: 'input', nodes: ['controller-0', 'controller-2'], data: 'y' },
    ]);
  });

  it('confirms rollback and quitting while a step runs; footer and help list the keys', async () => {
    h = renderApp();
    await h.feed(stamp([...demoOpening(), { type: 'step.started', step: 'etcd/download' }]));
    const f = plain(await h.waitFor('next'));
    expect(f).toMatch(/n next\s+g to gate\s+p pause/);
    await h.key('u');
    expect(plain(await h.waitFor('[y/n]'))).toContain('Roll back "Download etcd" on 3 node(s)?');
    await h.key('y');
    expect(h.intents).toContainEqual({ kind: 'rollback', toStep: 'etcd/download' });
    await h.key('q');
    expect(plain(await h.waitFor('[y/n]'))).toContain('A step is running. Quit anyway');
    await h.key('n');
    expect(h.intents.some((i) => i.kind === 'quit')).toBe(false);
    await h.key('?');
    const help = plain(await h.waitFor('Keys '));
    expect(help).toContain('type into ALL panes at once');
    expect(help).toContain('Ctrl-]');
    await h.key('q');
    await h.key('n');
    await h.key('p');
    // Production (the default here): n while a step runs approves nothing ahead.
    expect(h.intents.slice(-2)).toEqual([{ kind: 'rollback', toStep: 'etcd/download' }, { kind: 'pause' }]);
  });

  it('draws ASCII borders when the terminal cannot show box drawing', async () => {
    h = renderApp({ borders: 'auto', env: { TERM: 'vt100', LANG: 'C.UTF-8' } });
    await h.feed(opening());
    const f = plain(await h.waitFor('controller-2'));
    expect(f).toMatch(/\+-{10,}/);
    expect(f).not.toMatch(/[┌─│└]/);
  });

  it('lays panes out again when the terminal is resized, and zooms', async () => {
    h = renderApp({ cols: 160, rows: 40 });
    await h.feed(opening());
    await h.waitFor('controller-2');
    const wide = h.session.panes.get('controller-0').cols;
    h.stdout.resize(90, 30);
    await h.waitFor(() => h!.session.panes.get('controller-0').cols < wide);
    // the engine hears of the new size after a short debounce
    const lastResize = (): unknown => h!.intents.filter((i) => i.kind === 'resize').at(-1);
    await h.waitFor(() => (lastResize() as { cols?: number } | undefined)?.cols === h!.session.panes.get('controller-0').cols);
    expect(lastResize()).toEqual({ kind: 'resize', cols: h.session.panes.get('controller-0').cols, rows: h.session.panes.get('controller-0').rows });
    await h.key('z');
    await h.waitFor(() => h!.session.panes.get('controller-0').cols > h!.session.panes.get('controller-1').cols);
    const f = plain(h.frame());
    expect(f).toContain('1 controller-0');
    expect(f).not.toContain('2 controller-1');
  });

  it('shows colours and a full-screen program in a pane', async () => {
    h = renderApp();
    await h.feed(stamp([...demoOpening(), { type: 'node.output', node: 'controller-0', data: '\x1b[?1049h\x1b[H\x1b[2J\x1b[7m top - 20:00 \x1b[0m\r\n\x1b[31mPID 1 systemd\x1b[0m' }], 0));
    const f = plain(await h.waitFor((x) => plain(x).includes('PID 1 systemd')));
    expect(f).toContain('1 controller-0  [full]');
    expect(f).toMatch(/│ top - 20:00 +│/);
    // colours are asserted on a real terminal in the tmux test (no TTY, no colour here)
  });

  it('replay mode renders but never sends engine intents', async () => {
    h = renderApp({ readOnly: true });
    await h.feed(opening());
    await h.key('n');
    await h.key('b');
    await h.key('x');
    expect(h.intents).toEqual([]);
  });
});

describe('App, more', () => {
  it('asks about an unknown host key and sends the acceptance; shows notices', async () => {
    h = renderApp({ cols: 160 });
    await h.feed(
      stamp([
        ...demoOpening(),
        { type: 'hostkey.unknown', node: 'controller-1', fingerprint: 'SHA256:abc', keyType: 'ssh-ed25519', knownHosts: '/root/.ssh/known_hosts', changed: false },
        { type: 'notice', level: 'warn', message: 'controller-1 is slow to answer', node: 'controller-1' },
      ]),
    );
    const f = plain(await h.waitFor('[y/n]'));
    expect(f).toContain('controller-1: unknown host key ssh-ed25519 SHA256:abc');
    expect(f).toContain('controller-1: controller-1 is slow to');
    await h.key('y');
    expect(h.intents).toContainEqual({ kind: 'accept-host-key', node: 'controller-1', fingerprint: 'SHA256:abc' });
  });

  it('does not ask again about a host key the operator declined', async () => {
    h = renderApp({ cols: 160 });
    await h.feed(stamp([...demoOpening(), { type: 'hostkey.unknown', node: 'controller-0', fingerprint: 'SHA256:zz', keyType: 'ssh-rsa', knownHosts: 'kh', changed: true }]));
    expect(plain(await h.waitFor('[y/n]'))).toContain('CHANGED host key');
    await h.key('n');
    await h.waitFor((x) => !plain(x).includes('[y/n]'));
    await h.key('?');
    await h.waitFor('Keys ');
    expect(plain(h.frame())).not.toContain('[y/n]');
    expect(h.intents.some((i) => i.kind === 'accept-host-key')).toBe(false);
  });

  it('says on its pane why a node was lost', async () => {
    h = renderApp({ cols: 160 });
    await h.feed(stamp([...demoOpening(), { type: 'node.status', node: 'controller-2', status: 'lost', reason: 'connection reset by peer' }]));
    const f = plain(await h.waitFor('connection reset'));
    expect(f).toContain('3 controller-2  lost');
    expect(f).toContain('lost: connection reset by peer');
  });

  it('scrolls a pane back and returns to the live screen', async () => {
    h = renderApp();
    const lines = Array.from({ length: 60 }, (_, i) => `line-${i}`).join('\r\n');
    await h.feed(stamp([...demoOpening(), { type: 'node.output', node: 'controller-0', data: `\r\n${lines}` }]));
    await h.waitFor((x) => plain(x).includes('line-59'));
    await h.key('[');
    await h.key('\x1b[5~'); // PgUp
    const back = plain(await h.waitFor((x) => /\[scroll -[1-9]\d*\/\d+\]/.test(plain(x)) && !plain(x).includes('line-59')));
    expect(back).not.toContain('line-59');
    expect(back).toMatch(/line-[2-4]\d/);
    await h.key('q');
    const live = plain(await h.waitFor((x) => !/\[scroll/.test(plain(x)) && plain(x).includes('line-59')));
    expect(live).toContain('line-59');
    expect(live).toContain('keys: commands');
  });

  it('shows more than six nodes as tabs, one pane at a time', async () => {
    h = renderApp({ cols: 160, rows: 40 });
    const nodes = Array.from({ length: 8 }, (_, i) => ({ name: `worker-${i}`, groups: ['workers'] }));
    await h.feed([
      { t: 0, type: 'session.started', version: '0', operator: 'a', host: 'h', startedAt: '', runbooks: [], nodes, steps: [], cols: 80, rows: 24 },
      ...nodes.map((n, i) => ({ t: i + 1, type: 'node.output' as const, node: n.name, data: `hello from ${n.name}` })),
    ]);
    let f = plain(await h.waitFor((x) => plain(x).includes('hello from worker-0')));
    expect(f).toContain(' 1:worker-0  2:worker-1 ');
    expect(f).toContain(' 8:worker-7');
    expect(f).not.toContain('hello from worker-1');
    await h.key('\t');
    f = plain(await h.waitFor((x) => plain(x).includes('hello from worker-1')));
    expect(f).not.toContain('hello from worker-0');
  });
});
