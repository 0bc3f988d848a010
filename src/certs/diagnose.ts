// Findings → plain-words problems, each with what is happening, why, and the fix. Pure: the
// caller passes what was read from nodes and endpoints, and the time to judge dates by.
import { TLS_VERIFY_PREFIX, hostnameError, nameKind } from './hostname.js';
import { CERT_DIR_CERT, CERT_DIR_KEY, describeSans, selfGeneratedHost } from './self-signed.js';
import type { CertInfo, CheckReport, EndpointObservation, EndpointResult, NodeFiles, Problem } from './types.js';
import { checkValidity, verifyChain } from './verify.js';

export interface NodeInput {
  node: string;
  files: NodeFiles;
  /** Names clients use that this node's certificate must cover (checked on the configured file). */
  names?: string[];
}

export interface DiagnoseInput {
  now: Date;
  /** The CA clients trust (kubeconfig's certificate-authority), if known. */
  ca?: { source: string; certs: CertInfo[] };
  nodes: NodeInput[];
  endpoints: EndpointObservation[];
}

const RESTART = 'sudo systemctl daemon-reload && sudo systemctl restart kube-apiserver';

const leafOf = (chain?: CertInfo[]) => chain?.[0];

function describeCert(c: CertInfo): string {
  return `CN ${c.commonName ?? '(none)'}, issued by ${c.issuer || '(empty)'}, SANs ${describeSans(c)}`;
}

function clientLines(message: string): string {
  return `${message}\n(kubectl 1.27 and newer print it as: ${TLS_VERIFY_PREFIX}${message})`;
}

/**
 * Collects problems. With a `key` (a certificate fingerprint), the same finding about the same
 * certificate on one node is reported once, listing every endpoint it was seen at.
 */
class Problems {
  readonly list: Problem[] = [];
  private readonly seen = new Map<string, Problem>();
  add(p: Problem, key?: string): void {
    const k = [p.code, p.node ?? '', key === undefined ? (p.endpoint ?? '') : key, p.name ?? ''].join('|');
    const prev = this.seen.get(k);
    if (!prev) {
      this.seen.set(k, p);
      this.list.push(p);
      return;
    }
    if (!p.endpoint || !prev.endpoint || prev.endpoint.split(', ').includes(p.endpoint)) return;
    const joined = `${prev.endpoint}, ${p.endpoint}`;
    if (prev.title.startsWith(prev.endpoint)) prev.title = joined + prev.title.slice(prev.endpoint.length);
    prev.endpoint = joined;
  }
}

function checkFiles(n: NodeInput, input: DiagnoseInput, out: Problems): void {
  const { files, node } = n;
  const cfg = files.config;
  if (files.configError) {
    out.add({
      code: 'config-not-found',
      node,
      title: `${node}: kube-apiserver's flags could not be read`,
      detail: files.configError,
      fix: 'Check that kube-apiserver is installed as the systemd unit kube-apiserver (or running), or give the file paths in the check options.',
    });
  }
  for (const [label, obs] of [
    ['certificate', files.certFile],
    ['private key', files.keyFile],
    ['CA', files.caFile],
  ] as const) {
    if (!obs || obs.value) continue;
    out.add(
      {
        code: 'file-unreadable',
        node,
        title: obs.exists ? `${node}: the ${label} ${obs.path} cannot be read` : `${node}: the ${label} ${obs.path} does not exist`,
        detail: obs.error ?? `${obs.path} is missing.`,
        fix: obs.exists ? `Replace ${obs.path} with a valid PEM file.` : `Copy the ${label} to ${obs.path}, or point the flag at the right path, then: ${RESTART}`,
      },
      obs.path,
    );
  }
  if (cfg && !cfg.tlsCertFile && !cfg.tlsPrivateKeyFile) {
    const crt = `${cfg.certDir}/${CERT_DIR_CERT}`;
    const key = `${cfg.certDir}/${CERT_DIR_KEY}`;
    out.add({
      code: 'no-tls-flags',
      node,
      title: `${node}: kube-apiserver has no --tls-cert-file and no --tls-private-key-file`,
      detail:
        `Flags read from ${cfg.flagsSource}. Without them kube-apiserver serves ${crt} and ${key} from its --cert-dir: it reuses them as they are when both exist (names and dates are not checked) and otherwise generates a self-signed pair there, valid only for its advertise address, the first service IP, kubernetes, kubernetes.default, kubernetes.default.svc and localhost.`,
      fix: `Add --tls-cert-file=<your certificate> and --tls-private-key-file=<its key> to kube-apiserver's ExecStart, remove the stale pair (sudo rm ${crt} ${key}), then: ${RESTART}`,
    });
  } else if (cfg && (!cfg.tlsCertFile || !cfg.tlsPrivateKeyFile)) {
    out.add({
      code: 'no-tls-flags',
      node,
      title: `${node}: kube-apiserver has only one of --tls-cert-file and --tls-private-key-file`,
      detail: `Flags read from ${cfg.flagsSource}: ${cfg.tlsCertFile ? `--tls-cert-file=${cfg.tlsCertFile}` : `--tls-private-key-file=${cfg.tlsPrivateKeyFile ?? ''}`} without the other.`,
      fix: `Give both flags (certificate and its key), then: ${RESTART}`,
    });
  }
  if (cfg && !cfg.tlsCertFile && !cfg.tlsPrivateKeyFile) {
    const crt = files.certDirCert;
    const key = files.certDirKey;
    if (crt && key && crt.exists !== key.exists) {
      const [have, missing] = crt.exists ? [crt.path, key.path] : [key.path, crt.path];
      out.add({
        code: 'cert-dir-half-pair',
        node,
        title: `${node}: ${have} exists but ${missing} does not`,
        detail: 'kube-apiserver without --tls-cert-file/--tls-private-key-file refuses to start when only one of the pair is in its cert dir.',
        fix: `Set --tls-cert-file and --tls-private-key-file to your files, remove ${have}, then: ${RESTART}`,
      });
    }
  }
  if (cfg?.unitDiffersFromProcess) {
    const show = (r: Record<string, string | undefined>) =>
      Object.entries(r).map(([k, v]) => `--${k}=${v ?? '(unset)'}`).join(' ');
    out.add({
      code: 'unit-not-applied',
      node,
      title: `${node}: the running kube-apiserver does not use the TLS flags in its unit`,
      detail: `Unit: ${show(cfg.unitDiffersFromProcess.unit)}; running process: ${show(cfg.unitDiffersFromProcess.process)}. The unit was changed after kube-apiserver started.`,
      fix: RESTART,
    });
  }

  const leaf = leafOf(files.certFile?.value);
  if (!leaf) return;
  const key = files.keyFile?.value;
  if (key && key.publicKeyFingerprint256 !== leaf.publicKeyFingerprint256) {
    out.add({
      code: 'key-mismatch',
      node,
      title: `${node}: ${key.source} is not the key of ${leaf.source}`,
      detail: `The certificate's public key (SHA-256 ${leaf.publicKeyFingerprint256}) is not the public half of the private key (SHA-256 ${key.publicKeyFingerprint256}). kube-apiserver fails to start ("tls: private key does not match public key").`,
      fix: `Point --tls-private-key-file at the key the certificate was issued for (compare \`openssl x509 -noout -pubkey -in CERT\` with \`openssl pkey -pubout -in KEY\`), or issue a new certificate for this key, then: ${RESTART}`,
    });
  }
  fileDates(node, leaf, input.now, out);
  if (input.ca) {
    const r = verifyChain(leaf, files.certFile?.value?.slice(1) ?? [], input.ca.certs, input.now);
    if (!r.ok && r.reason === 'unknown-authority') unknownCa(node, undefined, leaf, r.message, input.ca.source, out);
  }
  // A served copy of this file is judged per endpoint, in the terms of that endpoint.
  const served = input.endpoints.some((ep) => leafOf(ep.chain)?.fingerprint256 === leaf.fingerprint256);
  for (const name of served ? [] : (n.names ?? [])) {
    const err = hostnameError(leaf, name);
    if (err) missingName(node, undefined, leaf, name, err, out);
  }
}

function fileDates(node: string | undefined, cert: CertInfo, now: Date, out: Problems, endpoint?: string): void {
  const v = checkValidity(cert, now);
  if (v.state === 'valid') return;
  const where = endpoint ?? cert.source;
  out.add(
    {
      code: v.state,
      node,
      endpoint,
      title: v.state === 'expired' ? `${where}: the certificate expired on ${cert.notAfter}` : `${where}: the certificate is not valid before ${cert.notBefore}`,
      detail:
        v.state === 'expired'
          ? `${describeCert(cert)}. Clients refuse it.`
          : `${describeCert(cert)}. Either it was issued with a start date in the future or this node's clock is behind (check \`timedatectl\`).`,
      fix: v.state === 'expired' ? `Issue a new certificate with the same names, install it on every node, then: ${RESTART}` : 'Fix the clock (NTP) on the node and the machine that issued the certificate, or reissue it.',
      clientError: clientLines(v.message),
    },
    cert.fingerprint256,
  );
}

function unknownCa(node: string | undefined, endpoint: string | undefined, leaf: CertInfo, message: string, caSource: string, out: Problems): void {
  out.add(
    {
      code: 'unknown-ca',
      node,
      endpoint,
      title: `${endpoint ?? leaf.source}: the certificate is not signed by the CA clients trust (${caSource})`,
      detail: `${describeCert(leaf)}. Clients that trust ${caSource} reject it.`,
      fix: selfGeneratedHost(leaf)
        ? "This is kube-apiserver's self-generated certificate, signed by its own throwaway CA: see the cert dir problem above."
        : `Issue the API server certificate from the cluster CA (${caSource}) and install it on every node, or give clients the CA that signed it; then: ${RESTART}`,
      clientError: clientLines(message),
    },
    leaf.fingerprint256,
  );
}

function missingName(node: string | undefined, endpoint: string | undefined, leaf: CertInfo, name: string, message: string, out: Problems): void {
  out.add(
    {
      code: 'name-missing',
      node,
      endpoint,
      name,
      title: `${endpoint ?? leaf.source}: the certificate does not cover ${name}`,
      detail: `Clients connecting to ${name} fail. The certificate's SANs: ${describeSans(leaf)}.`,
      fix: selfGeneratedHost(leaf)
        ? 'This is kube-apiserver\'s self-generated certificate: see the cert dir problem above.'
        : `Reissue the certificate with ${name} among its SANs (as ${nameKind(name) === 'ip' ? 'an IP' : 'a DNS'} SAN; keep the others), install it on every node, then: ${RESTART}`,
      clientError: clientLines(message),
    },
    leaf.fingerprint256,
  );
}

/** Which file a served leaf is, looking at every node's files. */
function identify(leaf: CertInfo, nodes: NodeInput[]): { servedFrom: EndpointResult['servedFrom']; node?: string; path?: string } {
  for (const n of nodes) {
    const configured = leafOf(n.files.certFile?.value);
    if (configured?.fingerprint256 === leaf.fingerprint256) return { servedFrom: 'configured', node: n.node, path: n.files.certFile?.path };
    const certDir = leafOf(n.files.certDirCert?.value);
    if (certDir?.fingerprint256 === leaf.fingerprint256) return { servedFrom: 'cert-dir', node: n.node, path: n.files.certDirCert?.path };
  }
  return { servedFrom: 'unknown' };
}

function checkEndpoint(ep: EndpointObservation, input: DiagnoseInput, out: Problems): EndpointResult {
  const label = ep.via ? `${ep.endpoint} (on ${ep.via})` : ep.endpoint;
  const base: EndpointResult = { endpoint: ep.endpoint, node: ep.node, via: ep.via, sni: ep.sni, sans: [], namesOk: [], namesMissing: [], ok: false };
  const leaf = leafOf(ep.chain);
  if (ep.error || !leaf) {
    const kind = ep.error?.kind ?? 'no-certificate';
    const message = ep.error?.message ?? 'the server sent no certificate';
    const fix: Record<string, string> = {
      refused: `Nothing listens there. Is kube-apiserver running? \`sudo systemctl status kube-apiserver\`, \`sudo journalctl -u kube-apiserver -n 50\`; check --secure-port and --bind-address.`,
      timeout: 'No answer in time: check the address, firewalls, and for a VIP that keepalived holds it and haproxy runs.',
      unreachable: 'No route to it: check the address and the network.',
      dns: `The name does not resolve on this machine: fix DNS or /etc/hosts, or probe it by IP with --endpoint IP:PORT and --name ${ep.host}.`,
      tls: 'Something answers but does not complete a TLS handshake: is it the right port, and is it kube-apiserver (not plain HTTP)?',
    };
    out.add({
      code: 'unreachable',
      node: ep.node ?? ep.via,
      endpoint: label,
      title: `${label}: ${kind === 'refused' ? 'connection refused' : kind === 'timeout' ? 'timed out' : 'no certificate read'}`,
      detail: message,
      fix: fix[kind] ?? 'Check that kube-apiserver runs and serves TLS there.',
    });
    return { ...base, error: message };
  }
  const who = identify(leaf, input.nodes);
  const owner = input.nodes.find((n) => n.node === (ep.via ?? ep.node ?? who.node));
  const result: EndpointResult = {
    ...base,
    fingerprint256: leaf.fingerprint256,
    servedFrom: who.servedFrom,
    sans: [...leaf.ipAddresses, ...leaf.dnsNames],
  };
  const generatedFor = selfGeneratedHost(leaf);
  if (who.servedFrom === 'cert-dir' || (who.servedFrom === 'unknown' && generatedFor)) {
    const cfg = owner?.files.config;
    const certDir = cfg?.certDir ?? '/var/run/kubernetes';
    const file = who.path ?? `${certDir}/${CERT_DIR_CERT}`;
    const keyFile = file.replace(/[^/]+$/, CERT_DIR_KEY);
    const flagsSet = Boolean(cfg?.tlsCertFile && cfg.tlsPrivateKeyFile);
    const why = flagsSet
      ? `The unit file now has --tls-cert-file=${cfg?.tlsCertFile ?? ''}, but the running kube-apiserver was started without it: it still serves the pair from its cert dir.`
      : `kube-apiserver does this when it runs without --tls-cert-file and --tls-private-key-file: it then looks in --cert-dir (default /var/run/kubernetes) for ${CERT_DIR_CERT} and ${CERT_DIR_KEY}, reuses them as they are if both exist (no check of names or dates), and otherwise generates a throwaway CA and a certificate valid only for its advertise address, the first service IP, kubernetes, kubernetes.default, kubernetes.default.svc and localhost. So \`openssl x509 -text\` on the certificate you made shows the right names, but that is not the file being served.`;
    out.add(
      {
        code: 'serves-cert-dir-pair',
        node: owner?.node ?? ep.node,
        endpoint: label,
        title: `${label} serves kube-apiserver's self-signed ${file}, not the configured certificate`,
        detail: `Served: ${describeCert(leaf)}${who.servedFrom === 'unknown' ? ` (the name says kube-apiserver generated it for ${generatedFor ?? '?'}; the file itself was not found, it may have been deleted without a restart)` : ''}. ${why}`,
        fix: flagsSet
          ? `sudo rm ${file} ${keyFile}; ${RESTART}`
          : `Point --tls-cert-file and --tls-private-key-file at your certificate and key (e.g. --tls-cert-file=/var/lib/kubernetes/kubernetes.pem --tls-private-key-file=/var/lib/kubernetes/kubernetes-key.pem) in kube-apiserver's ExecStart, remove the stale pair (sudo rm ${file} ${keyFile}), then: ${RESTART}. Copying your certificate over ${file} hides the missing flags; do not.`,
      },
      leaf.fingerprint256,
    );
  } else if (who.servedFrom === 'unknown' && owner && !ep.shared) {
    const configured = leafOf(owner.files.certFile?.value);
    if (configured) {
      out.add(
        {
          code: 'serves-other-certificate',
          node: owner.node,
          endpoint: label,
          title: `${label} serves a certificate that is not the configured ${configured.source}`,
          detail: `Served: ${describeCert(leaf)} (SHA-256 ${leaf.fingerprint256}); configured: ${describeCert(configured)} (SHA-256 ${configured.fingerprint256}). The file was most likely replaced after kube-apiserver started (it reads it at start), or another process owns the port.`,
          fix: `${RESTART}; if it persists, check what listens on the port: sudo ss -ltnp`,
        },
        leaf.fingerprint256,
      );
    }
  } else if (who.servedFrom === 'unknown' && ep.shared) {
    const configured = input.nodes.map((n) => leafOf(n.files.certFile?.value)).filter((c): c is CertInfo => c !== undefined);
    if (configured.length > 0) {
      out.add(
        {
          code: 'serves-other-certificate',
          endpoint: label,
          title: `${label} serves a certificate that is none of the configured ones (${[...new Set(configured.map((c) => c.source))].join(', ')})`,
          detail: `Served: ${describeCert(leaf)} (SHA-256 ${leaf.fingerprint256}). Whatever answers there (a load balancer terminating TLS, a node left out of the check, a kube-apiserver started before its file changed) is not serving the certificate you configured.`,
          fix: `Find what serves it (on the VIP holder: sudo ss -ltnp), make the load balancer pass TCP through to the API servers (haproxy mode tcp), and restart any kube-apiserver started before its certificate changed: ${RESTART}`,
        },
        leaf.fingerprint256,
      );
    }
  }
  for (const name of ep.names) {
    const err = hostnameError(leaf, name);
    if (err) {
      result.namesMissing.push(name);
      missingName(owner?.node ?? ep.node, label, leaf, name, err, out);
    } else result.namesOk.push(name);
  }
  fileDates(ep.node ?? ep.via, leaf, input.now, out, label);
  if (input.ca) {
    const r = verifyChain(leaf, ep.chain?.slice(1) ?? [], input.ca.certs, input.now);
    if (!r.ok && r.reason === 'unknown-authority') unknownCa(ep.node ?? ep.via, label, leaf, r.message, input.ca.source, out);
  }
  result.ok = result.namesMissing.length === 0 && checkValidity(leaf, input.now).state === 'valid' && who.servedFrom !== 'cert-dir' && !(who.servedFrom === 'unknown' && generatedFor);
  return result;
}

/** CA identity of a leaf: its issuer's name and key id. */
const caIdentity = (leaf: CertInfo) => `${leaf.issuerId}/${leaf.authorityKeyId ?? ''}`;

function differentCas(endpoints: EndpointObservation[], out: Problems): void {
  const byCa = new Map<string, { issuer: string; nodes: Set<string> }>();
  for (const ep of endpoints) {
    const leaf = leafOf(ep.chain);
    const node = ep.node ?? ep.via;
    if (!leaf || !node) continue;
    const id = caIdentity(leaf);
    const entry = byCa.get(id) ?? { issuer: leaf.issuer, nodes: new Set<string>() };
    entry.nodes.add(node);
    byCa.set(id, entry);
  }
  if (byCa.size < 2) return;
  const lines = [...byCa.values()].map((e) => `${[...e.nodes].join(', ')}: issued by ${e.issuer || '(empty name)'}`);
  out.add({
    code: 'different-cas',
    title: `The nodes behind the VIP serve certificates from ${byCa.size} different CAs`,
    detail: `${lines.join('; ')}. A client trusts one CA, so requests through the VIP fail on some nodes and not others, depending on where the load balancer sends them.`,
    fix: `Issue every node's API server certificate from the one cluster CA and install it with --tls-cert-file/--tls-private-key-file on each node, then: ${RESTART}`,
  });
}

/** Judges everything observed and returns the report (rows and problems). */
export function diagnose(input: DiagnoseInput): CheckReport {
  const out = new Problems();
  for (const n of input.nodes) checkFiles(n, input, out);
  const rows = input.endpoints.map((ep) => checkEndpoint(ep, input, out));
  differentCas(input.endpoints, out);
  // The cert dir headline explains the missing names on the same certificate: list it first.
  const order = ['serves-cert-dir-pair', 'unit-not-applied', 'no-tls-flags', 'cert-dir-half-pair', 'serves-other-certificate', 'key-mismatch', 'unknown-ca', 'different-cas', 'expired', 'not-yet-valid', 'name-missing', 'unreachable', 'file-unreadable', 'config-not-found'];
  // The cert dir headline already says why the flags matter: do not repeat it per node.
  const headline = new Set(out.list.filter((p) => p.code === 'serves-cert-dir-pair').map((p) => p.node));
  const kept = out.list.filter((p) => !(p.code === 'no-tls-flags' && headline.has(p.node) && p.title.includes('has no --tls-cert-file')));
  const problems = [...kept].sort((a, b) => order.indexOf(a.code) - order.indexOf(b.code));
  const nodeNames = input.nodes.map((n) => n.node);
  return {
    ok: problems.length === 0,
    now: input.now.toISOString(),
    ca: input.ca?.source,
    nodes: input.nodes.map((n) => ({
      node: n.node,
      files: n.files,
      endpoints: rows.filter((r, i) => (input.endpoints[i]?.node ?? input.endpoints[i]?.via) === n.node && !input.endpoints[i]?.shared),
    })),
    shared: rows.filter((r, i) => input.endpoints[i]?.shared || !nodeNames.includes(input.endpoints[i]?.node ?? input.endpoints[i]?.via ?? '')),
    problems,
  };
}

