import { describe, expect, it } from 'vitest';
import type { Inventory, Node } from '../../src/inventory/index.js';
import { renderText, scanExpressions, type RenderContext, type VarScope } from '../../src/runbook/index.js';

const node = (name: string, address: string, groups: string[], vars: Record<string, string> = {}): Node => ({
  name, transport: 'ssh', address, port: 22, user: 'root', groups, vars, pos: { file: 'inv.yaml', line: 1, column: 1 },
});
const nodes = [
  node('c0', '10.0.0.10', ['controllers'], { ip: '192.168.0.10', hostname: 'ctl-0' }),
  node('c1', '10.0.0.11', ['controllers'], { ip: '192.168.0.11' }),
  node('gw', '10.0.0.5', ['gateway']),
];
const inventory: Inventory = { file: 'inv.yaml', nodes, groups: { all: ['c0', 'c1', 'gw'], controllers: ['c0', 'c1'], gateway: ['gw'] }, vars: {} };
const scope: VarScope = {
  decls: new Map([
    ['greeting', { name: 'greeting', default: 'hi', secret: false, pos: { file: 'x', line: 1, column: 1 } }],
    ['token', { name: 'token', secret: true, pos: { file: 'x', line: 1, column: 1 } }],
  ]),
  known: new Set(['greeting', 'token', 'ip', 'hostname']),
  secret: new Set(['token']),
};
const ctx = (over: Partial<RenderContext> = {}): RenderContext => ({ inventory, scope, cliVars: { token: 't0ps3cret' }, redactSecrets: false, ...over });
const c0 = nodes[0] as Node;

describe('scanExpressions', () => {
  it('classifies every form with its offsets', () => {
    const text = 'a ${x} ${node.name} ${node.zz} $${lit} ${A:-d} ${nodes(controllers, "{name}", ";")} ${oops';
    expect(scanExpressions(text).map((e) => [e.type, text.slice(e.start, e.end)])).toEqual([
      ['var', '${x}'],
      ['builtin', '${node.name}'],
      ['dotted', '${node.zz}'],
      ['escape', '$${'],
      ['other', '${A:-d}'],
      ['nodes', '${nodes(controllers, "{name}", ";")}'],
      ['malformed', '${oops'],
    ]);
  });

  it('parses nodes() selectors, escapes and a default separator', () => {
    const [e] = scanExpressions('${nodes("c0, gw", "{name}\\t{address}")}');
    expect(e).toMatchObject({ type: 'nodes', selector: ['c0', 'gw'], separator: ',' });
    const [bad] = scanExpressions('${nodes(controllers, "x ${ip}")}');
    expect(bad).toMatchObject({ type: 'malformed' });
  });
});

describe('renderText', () => {
  it('substitutes builtins, variables by precedence and cross-node lists', () => {
    const r = renderText('${node.name}@${node.address}:${node.port} ${node.user} ${node.hostname} ${greeting} ${ip}\n${nodes(controllers, "{name}=https://{ip}:2380", ",")}', 'strict', c0, ctx());
    expect(r.problems).toEqual([]);
    expect(r.text).toBe('c0@10.0.0.10:22 root ctl-0 hi 192.168.0.10\nc0=https://192.168.0.10:2380,c1=https://192.168.0.11:2380');
  });

  it('inventory values beat --var, which beats the default', () => {
    expect(renderText('${greeting}', 'strict', c0, ctx({ cliVars: { greeting: 'cli' } })).text).toBe('cli');
    const withHost = { ...c0, vars: { ...c0.vars, greeting: 'host' } };
    expect(renderText('${greeting}', 'strict', withHost, ctx({ cliVars: { greeting: 'cli' } })).text).toBe('host');
  });

  it('leaves unknown names and shell syntax to the shell in shell mode', () => {
    const r = renderText('for i in 1; do echo ${i} ${HOME} ${A:-x} $${greeting} ${greeting}; done', 'shell', c0, ctx());
    expect(r.problems).toEqual([]);
    expect(r.text).toBe('for i in 1; do echo ${i} ${HOME} ${A:-x} ${greeting} hi; done');
  });

  it('reports unknown names and non-lockstep expressions in strict mode', () => {
    const r = renderText('${nope} ${A:-x}', 'strict', c0, ctx());
    expect(r.problems.map((p) => [p.offset, p.code])).toEqual([[0, 'unknown-variable'], [8, 'bad-expression']]);
  });

  it('reports a variable without a value on the node', () => {
    const r = renderText('${token}', 'strict', c0, ctx({ cliVars: {} }));
    expect(r.problems[0]?.message).toBe('variable `token` has no value on node c0');
  });

  it('redacts secrets on request and always collects their values', () => {
    const seen = new Set<string>();
    expect(renderText('x ${token}', 'shell', c0, ctx({ redactSecrets: true, secretsSeen: seen })).text).toBe('x <secret:token>');
    expect(renderText('x ${token}', 'shell', c0, ctx({ secretsSeen: seen })).text).toBe('x t0ps3cret');
    expect([...seen]).toEqual(['t0ps3cret']);
  });

  it('renders a local node: no address, no port', () => {
    const local: Node = { name: 'me', transport: 'local', port: 0, groups: [], vars: {}, pos: c0.pos };
    expect(renderText('[${node.address}][${node.port}][${node.hostname}]', 'strict', local, ctx()).text).toBe('[][][me]');
  });
});
