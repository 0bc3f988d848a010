// Edge: reads, over a node's connection, what kube-apiserver is configured with (its flags
// from the unit or the running process), the files those flags name, the CA, and the pair
// in its cert dir; and probes the node's own loopback from inside the node.
import { cmdlineArgv, configFromFlags, execStartArgv, parseFlags, tlsFlagDifference } from './flags.js';
import { CertParseError, parseCertificatesPem, parsePrivateKeyPem } from './parse.js';
import { CERT_DIR_CERT, CERT_DIR_KEY } from './self-signed.js';
import type { ProbeResult } from './tls-probe.js';
import type { ApiserverConfig, CertInfo, FileObservation, KeyInfo, NodeFiles } from './types.js';

/** What the inspector needs from a node: the transport's NodeSession satisfies it. */
export interface NodeAccess {
  exec(command: string, options?: { timeoutMs?: number }): Promise<{ code: number | null; stdout: Buffer; stderr: Buffer }>;
  readFile(path: string): Promise<Buffer | null>;
}

export interface InspectOptions {
  /** systemd unit name; default kube-apiserver. */
  unit?: string;
  /** Use these paths instead of (or when there are no) kube-apiserver's flags. */
  certFile?: string;
  keyFile?: string;
  caFile?: string;
  certDir?: string;
  timeoutMs?: number;
}

/** Single-quotes a word for sh. */
export const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

async function readParsed<T>(access: NodeAccess, path: string, parse: (text: string, file: string) => T): Promise<FileObservation<T>> {
  let buf: Buffer | null;
  try {
    buf = await access.readFile(path);
  } catch (err) {
    return { path, exists: true, error: `${path}: cannot be read (${(err as Error).message})` };
  }
  if (buf === null) return { path, exists: false, error: `${path} does not exist` };
  try {
    return { path, exists: true, value: parse(buf.toString('utf8'), path) };
  } catch (err) {
    if (err instanceof CertParseError) return { path, exists: true, error: err.message };
    throw err;
  }
}

export const readCertFile = (a: NodeAccess, p: string) => readParsed<CertInfo[]>(a, p, parseCertificatesPem);
export const readKeyFile = (a: NodeAccess, p: string) => readParsed<KeyInfo>(a, p, parsePrivateKeyPem);

/** kube-apiserver's flags: the running process when there is one (it is what serves), else the unit. */
export async function readApiserverConfig(access: NodeAccess, unit = 'kube-apiserver', timeoutMs = 15_000): Promise<ApiserverConfig | { error: string }> {
  let unitFlags: Record<string, string> | undefined;
  let unitSource = `systemctl cat ${unit}`;
  const cat = await access.exec(`systemctl cat ${shq(unit)} 2>/dev/null`, { timeoutMs });
  let argv = cat.code === 0 ? execStartArgv(cat.stdout.toString('utf8')) : null;
  if (!argv) {
    for (const file of [`/etc/systemd/system/${unit}.service`, `/lib/systemd/system/${unit}.service`]) {
      const text = await access.readFile(file);
      argv = text ? execStartArgv(text.toString('utf8')) : null;
      if (argv) {
        unitSource = file;
        break;
      }
    }
  }
  if (argv) unitFlags = parseFlags(argv);

  let pid = '';
  const show = await access.exec(`systemctl show -p MainPID --value ${shq(unit)} 2>/dev/null`, { timeoutMs });
  if (show.code === 0) pid = show.stdout.toString().trim();
  if (!/^[1-9]\d*$/.test(pid)) {
    // Only this PID namespace: on a host, containers' (lab nodes') processes are visible too.
    // By name, then by command line (a script such as the lab's practice double runs as its interpreter).
    const pg = await access.exec(
      [
        // As root when sudo allows it: a plain user cannot see other users' namespaces.
        'pick() { for s in "sudo -n" ""; do p=$($s pgrep --ns $$ --nslist pid -o "$@" 2>/dev/null); [ $? -ne 2 ] || p=$($s pgrep -o "$@" 2>/dev/null); [ -n "$p" ] && { echo "$p"; return 0; }; done; return 1; }',
        "pick -x kube-apiserver || pick -f '(^|/)kube-apiserver([[:space:]]|$)' || true",
      ].join('\n'),
      { timeoutMs },
    );
    pid = pg.stdout.toString().trim();
  }
  let procFlags: Record<string, string> | undefined;
  if (/^[1-9]\d*$/.test(pid)) {
    const cmdline = await access.readFile(`/proc/${pid}/cmdline`);
    if (cmdline && cmdline.length > 0) procFlags = parseFlags(cmdlineArgv(cmdline));
  }
  if (procFlags) {
    const cfg = configFromFlags(procFlags, `/proc/${pid}/cmdline (the running kube-apiserver)`);
    const diff = unitFlags ? tlsFlagDifference(unitFlags, procFlags) : null;
    if (diff) cfg.unitDiffersFromProcess = diff;
    return cfg;
  }
  if (unitFlags) return configFromFlags(unitFlags, unitSource);
  return { error: `no ExecStart for ${unit} (systemctl cat ${unit}, /etc/systemd/system/${unit}.service) and no running kube-apiserver process` };
}

/** Everything the check needs from one node. */
export async function inspectNode(access: NodeAccess, options: InspectOptions = {}): Promise<NodeFiles> {
  const files: NodeFiles = {};
  const cfg = await readApiserverConfig(access, options.unit, options.timeoutMs);
  if ('error' in cfg) {
    if (!options.certFile) files.configError = cfg.error;
  } else files.config = cfg;
  const config = files.config;
  const certFile = options.certFile ?? config?.tlsCertFile;
  const keyFile = options.keyFile ?? config?.tlsPrivateKeyFile;
  const caFile = options.caFile ?? config?.clientCaFile;
  const certDir = options.certDir ?? config?.certDir;
  if (certFile) files.certFile = await readCertFile(access, certFile);
  if (keyFile) files.keyFile = await readKeyFile(access, keyFile);
  if (caFile) files.caFile = await readCertFile(access, caFile);
  if (certDir) {
    files.certDirCert = await readCertFile(access, `${certDir}/${CERT_DIR_CERT}`);
    files.certDirKey = await readKeyFile(access, `${certDir}/${CERT_DIR_KEY}`);
    const ls = await access.exec(`ls -1A -- ${shq(certDir)} 2>/dev/null || sudo -n ls -1A -- ${shq(certDir)}`, { timeoutMs: options.timeoutMs ?? 15_000 });
    if (ls.code === 0) files.certDirListing = ls.stdout.toString('utf8').split('\n').filter(Boolean);
  }
  return files;
}

/**
 * Probes host:port from inside the node (its own loopback is not ours) with
 * `openssl s_client`, and reads the PEM chain it prints.
 */
export async function probeViaNode(access: NodeAccess, host: string, port: number, options: { servername?: string; timeoutMs?: number; node?: string } = {}): Promise<ProbeResult> {
  const timeoutS = Math.max(1, Math.ceil((options.timeoutMs ?? 5000) / 1000));
  const target = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const sni = options.servername ? ` -servername ${shq(options.servername)}` : '';
  const cmd = `timeout ${timeoutS} openssl s_client -connect ${shq(target)}${sni} -showcerts </dev/null 2>&1`;
  const label = `${target} on ${options.node ?? 'the node'}`;
  const res = await access.exec(cmd, { timeoutMs: (timeoutS + 5) * 1000 });
  const out = res.stdout.toString('utf8') + res.stderr.toString('utf8');
  if (res.code === 124) return { error: { kind: 'timeout', message: `${label}: no TLS handshake within ${timeoutS} s` } };
  if (res.code === 127 || /openssl: (command )?not found/.test(out)) {
    return { error: { kind: 'probe-failed', message: `${label}: openssl is not installed on the node (apt-get install openssl)` } };
  }
  if (/Connection refused|errno=111/.test(out)) return { error: { kind: 'refused', message: `${label}: connection refused` } };
  const pems = out.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g);
  if (!pems) {
    const last = out.trim().split('\n').slice(-2).join(' ');
    return { error: { kind: 'tls', message: `${label}: no certificate in openssl s_client output (${last || `exit ${String(res.code)}`})` } };
  }
  try {
    const chain = pems.flatMap((pem, i) => parseCertificatesPem(pem, `${label}${pems.length > 1 ? ` #${i + 1}` : ''}`));
    return { chain };
  } catch (err) {
    return { error: { kind: 'tls', message: (err as Error).message } };
  }
}
