// Brings the practice lab up once before the lab tests (see src/lab), from fresh nodes: a lab
// left up by an earlier run (or by a machine that stopped without `lab down`) is taken down
// first, so every run starts from the same state. Set LOCKSTEP_LAB_REUSE=1 to keep a running
// lab as it is. Progress goes to stderr; the cold image build is the long part (about a minute).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { labDown, labUp, stderrProgress } from '../src/lab/index.js';

/** The doubles run inside nodes from dist/: rebuild when a source is newer than its output. */
function ensureDoublesBuilt(root: string): void {
  const src = join(root, 'src/lab/doubles');
  const out = join(root, 'dist/lab/doubles');
  const stale = readdirSync(src).some((f) => {
    const js = join(out, f.replace(/\.ts$/, '.js'));
    return !existsSync(js) || statSync(js).mtimeMs < statSync(join(src, f)).mtimeMs;
  });
  if (!stale) return;
  process.stderr.write('lab setup: building dist/ for the practice doubles\n');
  // Type errors elsewhere in the tree must not block the lab: tsc still emits.
  spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'ignore' });
  if (!existsSync(join(out, 'kube-apiserver.js'))) throw new Error('building the practice doubles failed: run `npm run build` and read its errors');
}

export default async function setup(): Promise<void> {
  ensureDoublesBuilt(process.cwd());
  const progress = stderrProgress('lab setup');
  if (process.env.LOCKSTEP_LAB_REUSE !== '1') {
    progress('taking down any lab left from an earlier run, so the tests start from fresh nodes');
    await labDown({ progress });
  }
  progress('bringing the practice lab up');
  // Three controllers and a gateway, whatever a previous run left: the tests expect that shape.
  await labUp({ controllers: 3, progress });
}
