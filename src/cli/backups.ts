// `lockstep backups list|prune -i inventory`: the file backups that rollbacks use, kept on each
// node in one directory per session (src/steps/file-backup.ts). Wiring and output only; the
// shell that runs on the nodes comes from src/steps/backup-sets.ts.
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import type { Inventory, Node } from '../inventory/index.js';
import { backupRootOf, listBackupSetsScript, parseBackupSets, removeBackupSetsScript, setsToPrune, type BackupSet } from '../steps/backup-sets.js';
import { connectLocal, connectSsh, type NodeSession } from '../transport/index.js';
import { shQuote } from '../transport/shell-protocol.js';
import { inventoryOrFail } from './diagnostics.js';
import { UserError } from './errors.js';

interface Options {
  inventory: string;
  nodes?: string;
}

function selected(inv: Inventory, file: string, names: string | undefined): Node[] {
  if (names === undefined) return inv.nodes;
  const wanted = names.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = wanted.filter((w) => !inv.nodes.some((n) => n.name === w));
  if (unknown.length) throw new UserError(`${file}: no node named ${unknown.join(', ')} (nodes: ${inv.nodes.map((n) => n.name).join(', ')})`);
  return inv.nodes.filter((n) => wanted.includes(n.name));
}

/** Runs `script` as root on the node (through `sudo -n` for another login user). */
async function asRoot(session: NodeSession, node: Node, script: string): Promise<string> {
  const user = node.transport === 'local' ? userInfo().username : (node.user ?? userInfo().username);
  const r = await session.exec(`${user === 'root' ? '' : 'sudo -n '}sh -c ${shQuote(script)}`, { timeoutMs: 60_000 });
  if (r.code !== 0) {
    const err = r.stderr.toString('utf8').trim();
    throw new Error(/sudo: (a password is required|a terminal is required)/.test(err)
      ? 'the backups are root-only and sudo asks for a password; allow passwordless sudo for the login user or log in as root'
      : err || `exit ${r.code}`);
  }
  return r.stdout.toString('utf8');
}

/** Connects to every node at once, runs `work` on each, and reports a failing node on stderr (the others go on). */
async function eachNode(inv: Inventory, nodes: Node[], work: (s: NodeSession, n: Node, root: string) => Promise<void>): Promise<boolean> {
  let ok = true;
  await Promise.all(
    nodes.map(async (n) => {
      let session: NodeSession | undefined;
      try {
        session = n.transport === 'local' ? await connectLocal(n, { readyTimeoutMs: 60_000 }) : await connectSsh(n, { knownHostsFile: inv.knownHosts, promptTimeoutMs: 60_000 });
        await work(session, n, backupRootOf(n.vars));
      } catch (err) {
        ok = false;
        process.stderr.write(`${n.name}: ${(err as Error).message}\n`);
      } finally {
        await session?.close().catch(() => undefined);
      }
    }),
  );
  return ok;
}

const oldestFirst = (a: BackupSet, b: BackupSet) => a.modified - b.modified || a.session.localeCompare(b.session);
const when = (s: BackupSet) => new Date(s.modified * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
const line = (node: string, s: BackupSet, what = '') => `${node}\t${s.session}\t${when(s)}\t${s.kib} KiB${what ? `\t${what}` : ''}\n`;

export function register(program: Command): void {
  const backups = program.command('backups').description("the file backups rollbacks use, kept on each node (earlier versions of what runbooks wrote, keys included)");
  backups
    .command('list')
    .description('list the backup sets (one per session) on each node, oldest first')
    .requiredOption('-i, --inventory <file>', 'inventory of the nodes')
    .option('--nodes <names>', 'only these nodes (comma-separated)')
    .action(async (o: Options) => {
      const inv = inventoryOrFail(o.inventory);
      const out: string[] = [];
      const ok = await eachNode(inv, selected(inv, o.inventory, o.nodes), async (s, n, root) => {
        const sets = parseBackupSets(await asRoot(s, n, listBackupSetsScript(root)));
        sets.sort(oldestFirst);
        out.push(sets.length ? sets.map((x) => line(n.name, x)).join('') : `${n.name}\t(no backups in ${root})\n`);
      });
      process.stdout.write(out.sort().join(''));
      if (!ok) process.exitCode = 1;
    });
  backups
    .command('prune')
    .description('remove all but the newest backup sets on each node (a dry run unless --yes); a recording whose backups are gone can no longer be rolled back')
    .requiredOption('-i, --inventory <file>', 'inventory of the nodes')
    .requiredOption('--keep <n>', 'how many of the newest sets to keep on each node')
    .option('--nodes <names>', 'only these nodes (comma-separated)')
    .option('--yes', 'remove them (without it, only say what would be removed)')
    .action(async (o: Options & { keep: string; yes?: boolean }) => {
      if (!/^\d+$/.test(o.keep)) throw new UserError(`--keep ${o.keep}: give a whole number of sets to keep (0 removes all)`);
      const keep = Number(o.keep);
      const inv = inventoryOrFail(o.inventory);
      const out: string[] = [];
      let removed = 0;
      const ok = await eachNode(inv, selected(inv, o.inventory, o.nodes), async (s, n, root) => {
        const doomed = setsToPrune(parseBackupSets(await asRoot(s, n, listBackupSetsScript(root))), keep);
        if (o.yes && doomed.length) await asRoot(s, n, removeBackupSetsScript(root, doomed.map((x) => x.session)));
        removed += doomed.length;
        out.push([...doomed].sort(oldestFirst).map((x) => line(n.name, x, o.yes ? 'removed' : 'would remove')).join(''));
      });
      process.stdout.write(out.sort().join(''));
      process.stdout.write(o.yes ? `backups: removed ${removed} set(s), kept the newest ${keep} per node\n` : `backups: ${removed} set(s) would be removed; add --yes to remove them\n`);
      if (!ok) process.exitCode = 1;
    });
}
