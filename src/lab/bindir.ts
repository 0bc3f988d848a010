// The lab's binaries directory: what an operator would download as release binaries.
// Real etcd/etcdctl from the image's Debian packages and the three practice doubles; it is
// bind-mounted read-only into every node at NODE_BIN_DIR.
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabConfig } from './config.js';
import { LabError } from './errors.js';
import { rootfsPath } from './image.js';

export const DOUBLES = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const;

/** The compiled doubles: dist/lab/doubles next to this module once built. */
function compiledDoublesDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // Running from src/ (tests through vitest) uses the build output in dist/.
  const candidates = [join(here, 'doubles'), join(here, '../../dist/lab/doubles')];
  for (const c of candidates) if (existsSync(join(c, 'kube-apiserver.js'))) return c;
  throw new LabError('the practice doubles are not built (dist/lab/doubles is missing); run `npm run build` first');
}

/** npm packages the doubles import; both have no dependencies of their own. */
const DOUBLE_PACKAGES = ['node-forge', 'yaml'];

function nodeModulesDir(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (DOUBLE_PACKAGES.every((p) => existsSync(join(d, 'node_modules', p)))) return join(d, 'node_modules');
    d = dirname(d);
  }
  throw new LabError(`${DOUBLE_PACKAGES.join(' and ')} are not installed; run \`npm ci\``);
}

/**
 * Rebuilds the binaries directory in a temp dir and swaps it in. The doubles' code lives in
 * `.lib/` (ESM, with node-forge beside it); each executable is a tiny launcher that imports it
 * by absolute node path, so copying the launcher to /usr/local/bin still works inside a node.
 */
export function prepareBinDir(cfg: LabConfig): void {
  const tmp = `${cfg.binDir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, '.lib', 'doubles'), { recursive: true });
  for (const b of ['etcd', 'etcdctl']) {
    copyFileSync(join(rootfsPath(cfg), 'usr/bin', b), join(tmp, b));
    chmodSync(join(tmp, b), 0o755);
  }
  const src = compiledDoublesDir();
  for (const f of readdirSync(src)) if (f.endsWith('.js')) copyFileSync(join(src, f), join(tmp, '.lib', 'doubles', f));
  writeFileSync(join(tmp, '.lib', 'package.json'), '{ "type": "module", "private": true }\n');
  for (const p of DOUBLE_PACKAGES) cpSync(join(nodeModulesDir(), p), join(tmp, '.lib', 'node_modules', p), { recursive: true });
  for (const d of DOUBLES) {
    const launcher = [
      '#!/usr/bin/env node',
      `// ${d}: a PRACTICE DOUBLE from the lockstep lab, not the real Kubernetes component.`,
      `import('${cfg.nodeBinDir}/.lib/doubles/${d}.js').catch((e) => { console.error(e); process.exit(1); });`,
      '',
    ].join('\n');
    writeFileSync(join(tmp, d), launcher, { mode: 0o755 });
  }
  // Swap: the old directory may be mounted into running nodes, so replace its contents'
  // parent entry only when no node uses it; otherwise copy over in place.
  if (existsSync(cfg.binDir)) {
    cpSync(tmp, cfg.binDir, { recursive: true, force: true });
    rmSync(tmp, { recursive: true, force: true });
  } else {
    renameSync(tmp, cfg.binDir);
  }
}
