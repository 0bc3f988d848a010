// Breaking the lab on purpose, for learning and for tests. Each scenario reproduces a
// failure from the articles; `lab reset` gives fresh nodes again.
import { labConfig, type LabConfig } from './config.js';
import { LabError } from './errors.js';
import { stopNode } from './lab.js';
import { withLabLock } from './lock.js';
import type { Progress } from './progress.js';
import { run } from './run.js';
import { readState, writeState } from './state.js';

interface Scenario {
  defaultNode: string;
  describe: string;
  apply(cfg: LabConfig, node: string, progress: Progress): Promise<string>;
}

/** Runs a root shell script on a node over the lab's own ssh config. */
export async function onNode(cfg: LabConfig, node: string, script: string): Promise<string> {
  // Via a file, so that no command in the script reads the rest of it from stdin.
  const remote = 'f=$(mktemp) && cat > "$f" && sudo sh "$f" </dev/null; rc=$?; rm -f "$f"; exit $rc';
  const r = await run('ssh', ['-F', cfg.sshConfigFile, '-o', 'BatchMode=yes', node, remote], { input: script, allowFail: true, timeoutMs: 60_000 });
  if (r.code !== 0) throw new LabError(`on ${node}: ${r.stderr.trim() || `exit ${r.code}`}`);
  return r.stdout;
}

/**
 * Pure: a systemd drop-in that runs a kube-apiserver unit's ExecStart without its serving
 * certificate flags, or undefined when the text (`systemctl cat`) has no ExecStart.
 */
export function staleCertDropIn(unitText: string): string | undefined {
  const joined = unitText.replace(/\\\r?\n/g, ' ');
  const execs = joined.split('\n').filter((l) => /^ExecStart=\S/.test(l.trim()));
  const last = execs[execs.length - 1]?.trim();
  if (!last) return undefined;
  const cmd = last
    .slice('ExecStart='.length)
    .replace(/\s--tls-(cert-file|private-key-file)(=\S+|\s+\S+)/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return `# lockstep lab scenario stale-cert: serving-certificate flags removed\n[Service]\nExecStart=\nExecStart=${cmd}\n`;
}

export const SCENARIOS: Record<string, Scenario> = {
  'stale-cert': {
    defaultNode: 'controller0',
    describe: 'kube-apiserver serves a stale self-signed /var/run/kubernetes/apiserver.crt (the article\'s useless SANs)',
    async apply(cfg, node) {
      const ip = cfg.nodes.find((n) => n.name === node)?.address ?? '';
      const past = Math.floor(Date.now() / 1000) - 86_400 * 3;
      // Left over from an earlier run: names only the node's own IP and the service IP,
      // so clients going through the VIP or by name fail verification.
      await onNode(cfg, node, [
        'set -e',
        'mkdir -p /var/run/kubernetes',
        'cd /var/run/kubernetes',
        `openssl req -x509 -newkey rsa:2048 -nodes -days 365 -keyout apiserver.key -out apiserver.crt ` +
          `-subj "/CN=${node}@${past}" -addext "subjectAltName=IP:${ip},IP:10.32.0.1" -addext "basicConstraints=critical,CA:FALSE" 2>/dev/null`,
        'chmod 0600 apiserver.key',
        '',
      ].join('\n'));
      // Like the article: the apiserver runs without --tls-cert-file/--tls-private-key-file
      // and so serves those files. A runbook-installed unit gets a drop-in without the flags;
      // otherwise the lab's binary runs as a transient unit.
      const unit = await onNode(cfg, node, 'systemctl cat kube-apiserver.service 2>/dev/null || true');
      const dropIn = staleCertDropIn(unit);
      if (dropIn) {
        await onNode(cfg, node, [
          'set -e',
          'mkdir -p /etc/systemd/system/kube-apiserver.service.d',
          `cat > /etc/systemd/system/kube-apiserver.service.d/lockstep-stale-cert.conf <<'LOCKSTEP_EOF'\n${dropIn}LOCKSTEP_EOF`,
          'systemctl daemon-reload',
          'systemctl restart kube-apiserver',
          '',
        ].join('\n'));
      } else {
        await onNode(cfg, node, [
          "pkill -f '/kube-apiserver( |$)' || true",
          'systemctl stop lockstep-stale-apiserver 2>/dev/null; systemctl reset-failed lockstep-stale-apiserver 2>/dev/null',
          `systemd-run --collect --unit=lockstep-stale-apiserver ${cfg.nodeBinDir}/kube-apiserver --advertise-address=${ip} --bind-address=0.0.0.0 ` +
            `--service-cluster-ip-range=10.32.0.0/24 --etcd-servers=https://${ip}:2379 >/dev/null`,
          '',
        ].join('\n'));
      }
      return `${node}: kube-apiserver now serves the stale self-signed /var/run/kubernetes/apiserver.crt (SANs: IP ${ip}, 10.32.0.1 only)`;
    },
  },
  'node-down': {
    defaultNode: 'controller2',
    describe: 'a node is powered off',
    async apply(cfg, node) {
      await stopNode(cfg, node);
      return `${node} is down (powered off); \`lockstep lab reset\` brings it back`;
    },
  },
  diverge: {
    defaultNode: 'controller1',
    describe: 'one controller has a different file and a different kube-apiserver version',
    async apply(cfg, node) {
      await onNode(cfg, node, [
        'set -e',
        // /etc/default/etcd is the same on every node from the package: one changed by hand.
        'printf "\\n# changed by hand on this node only\\nETCD_HEARTBEAT_INTERVAL=500\\n" >> /etc/default/etcd',
        'mkdir -p /usr/local/bin /etc/lockstep-lab',
        'cat > /usr/local/bin/kube-apiserver <<"EOS"',
        '#!/usr/bin/env node',
        '// A different build than the other controllers have (lockstep lab scenario "diverge").',
        "process.env.LOCKSTEP_DOUBLE_VERSION = 'v1.31.9+lockstep-practice-double';",
        `import('${cfg.nodeBinDir}/.lib/doubles/kube-apiserver.js');`,
        'EOS',
        'chmod 0755 /usr/local/bin/kube-apiserver',
        'echo diverge > /etc/lockstep-lab/scenario',
        '',
      ].join('\n'));
      return `${node}: /etc/default/etcd has an extra setting and /usr/local/bin/kube-apiserver is v1.31.9 (the lab's is v1.32.0)`;
    },
  },
};

export async function applyScenario(name: string, node: string | undefined, progress: Progress): Promise<string> {
  const sc = SCENARIOS[name];
  if (!sc) throw new LabError(`unknown scenario ${name}; choose one of: ${Object.keys(SCENARIOS).join(', ')}`);
  const state = readState(labConfig());
  if (!state) throw new LabError('the lab is not up; run `lockstep lab up` first');
  const cfg = labConfig({ controllers: state.controllers });
  const target = node ?? sc.defaultNode;
  if (!cfg.nodes.some((n) => n.name === target)) {
    throw new LabError(`no lab node named ${target}; nodes: ${cfg.nodes.map((n) => n.name).join(', ')}`);
  }
  return withLabLock(cfg.dir, progress, async () => {
    progress(`scenario ${name} on ${target}: ${sc.describe}`);
    const msg = await sc.apply(cfg, target, progress);
    const now = readState(cfg) ?? state;
    writeState(cfg, { ...now, scenarios: { ...now.scenarios, [name]: target } });
    return msg;
  });
}
