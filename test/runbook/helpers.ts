// Small builders for runbook tests: parse a text and fail loudly if it does not parse.
import { expect } from 'vitest';
import type { Inventory, InventoryEnv } from '../../src/inventory/index.js';
import { parseInventory } from '../../src/inventory/index.js';
import { parseRunbook, type Diagnostic, type Runbook } from '../../src/runbook/index.js';

export function rb(file: string, text: string): Runbook {
  const r = parseRunbook(file, text);
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return r.value as Runbook;
}

export const noFiles: InventoryEnv = { home: '/home/op', readFile: () => undefined };

export function inv(text: string, env: InventoryEnv = noFiles, file = 'inv.yaml'): Inventory {
  const r = parseInventory(file, text, env);
  expect(r.diagnostics).toEqual([]);
  return r.value as Inventory;
}

export const show = (ds: Diagnostic[]): string[] => ds.map((d) => `${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.message}`);

export const THREE = `
vars:
  cluster: lab
groups:
  controllers:
    vars:
      role: control
nodes:
  - name: c0
    address: 10.0.0.10
    groups: [controllers]
    vars: { ip: 192.168.0.10 }
  - name: c1
    address: 10.0.0.11
    groups: [controllers]
    vars: { ip: 192.168.0.11 }
  - name: c2
    address: 10.0.0.12
    groups: [controllers]
    vars: { ip: 192.168.0.12 }
  - name: gw
    address: 10.0.0.5
    groups: [gateway]
`;
