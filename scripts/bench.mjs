#!/usr/bin/env node
// `npm run bench`: runs every scripts/bench-*.mjs (or the ones named on the command line:
// `npm run bench -- engine tui`) one after another, so peers are compared in one run on the
// same machine. Each script prints a Markdown section; paste results into BENCHMARKS.md with
// the command that produced them.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const scripts = readdirSync(here)
  .filter((f) => /^bench-.+\.mjs$/.test(f) && f !== 'bench-lib.mjs')
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/^bench-|\.mjs$/g, '')))
  .sort();
if (scripts.length === 0) {
  console.error(`bench: no benchmark matches ${wanted.join(', ') || '(any)'}; have: ${readdirSync(here).filter((f) => f.startsWith('bench-')).join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const s of scripts) {
  console.log(`\n<!-- ${s} -->`);
  const r = spawnSync(process.execPath, [join(here, s)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.error(`bench: ${s} exited with ${r.status ?? r.signal}`);
  }
}
process.exit(failed ? 1 : 0);
