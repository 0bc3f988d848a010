// The report as text (a table per node and endpoint, then the problems) and as JSON. Pure.
import type { CertInfo, CheckReport, EndpointResult, FileObservation, KeyInfo } from './types.js';

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
}

const short = (fp?: string) => (fp ? `${fp.slice(0, 23)}…` : '-');

function endpointRows(rows: EndpointResult[]): string[] {
  if (rows.length === 0) return [];
  return table([
    ['ENDPOINT', 'SERVED', 'SHA-256', 'NAMES OK', 'NAMES MISSING', 'RESULT'],
    ...rows.map((r) => [
      `${r.endpoint}${r.via ? ` (from ${r.via})` : ''}${r.sni ? ` SNI ${r.sni}` : ''}`,
      r.error ? '-' : (r.servedFrom ?? '-'),
      r.error ? '-' : short(r.fingerprint256),
      r.namesOk.join(', ') || '-',
      r.namesMissing.join(', ') || '-',
      r.error ? `FAIL: ${r.error}` : r.ok ? 'ok' : 'FAIL',
    ]),
  ]);
}

function fileLine(label: string, obs?: FileObservation<CertInfo[]> | FileObservation<KeyInfo>): string | null {
  if (!obs) return null;
  if (!obs.value) return `${label} ${obs.path}: ${obs.exists ? (obs.error ?? 'unreadable') : 'missing'}`;
  const v = obs.value;
  if (Array.isArray(v)) {
    const leaf = v[0];
    return `${label} ${obs.path}: CN ${leaf?.commonName ?? '-'}, SANs ${[...(leaf?.ipAddresses ?? []), ...(leaf?.dnsNames ?? [])].join(', ') || '(none)'}, until ${leaf?.notAfter.slice(0, 10) ?? '?'}, SHA-256 ${short(leaf?.fingerprint256)}`;
  }
  return `${label} ${obs.path}: ${(v as KeyInfo).algorithm} ${(v as KeyInfo).format}`;
}

export function renderText(report: CheckReport): string {
  const out: string[] = [];
  for (const n of report.nodes) {
    out.push(`${n.node}${n.files.config ? `  (flags from ${n.files.config.flagsSource})` : ''}`);
    const f = n.files;
    for (const line of [
      fileLine('  --tls-cert-file', f.certFile),
      fileLine('  --tls-private-key-file', f.keyFile),
      fileLine('  CA', f.caFile),
      f.certDirCert?.exists ? fileLine('  cert dir', f.certDirCert) : null,
      f.certDirListing ? `  cert dir ${n.files.config?.certDir ?? ''} holds: ${f.certDirListing.join(', ') || '(nothing)'}` : null,
    ]) {
      if (line) out.push(line);
    }
    out.push(...endpointRows(n.endpoints).map((l) => `  ${l}`));
    out.push('');
  }
  if (report.shared.length) {
    out.push('Shared endpoints');
    out.push(...endpointRows(report.shared).map((l) => `  ${l}`));
    out.push('');
  }
  if (report.problems.length === 0) {
    out.push(`No problems found${report.ca ? ` (chains checked against ${report.ca})` : ' (no CA given: chains not checked)'}.`);
    return out.join('\n') + '\n';
  }
  out.push(`${report.problems.length} problem${report.problems.length > 1 ? 's' : ''}:`);
  report.problems.forEach((p, i) => {
    out.push(`${String(i + 1).padStart(2)}. ${p.title}`);
    out.push(`    ${p.detail}`);
    if (p.clientError) out.push(...p.clientError.split('\n').map((l, j) => `    ${j === 0 ? 'Clients see: ' : ''}${l}`));
    out.push(`    Fix: ${p.fix}`);
  });
  return out.join('\n') + '\n';
}

/** JSON without the DER bodies (fingerprints identify the certificates). */
export function renderJson(report: CheckReport): string {
  return JSON.stringify(report, (key, value: unknown) => (key === 'derBase64' ? undefined : value), 2) + '\n';
}

/** A few lines for a gate result. */
export function summarize(report: CheckReport): string {
  if (report.ok) {
    const eps = [...report.nodes.flatMap((n) => n.endpoints), ...report.shared].length;
    return `SAN check passed: ${eps} endpoint${eps === 1 ? '' : 's'} serve the configured certificate with every name clients use.`;
  }
  return report.problems
    .map((p) => `${p.title}\n  ${p.detail}${p.clientError ? `\n  Clients see: ${p.clientError.split('\n')[0] ?? ''}` : ''}\n  Fix: ${p.fix}`)
    .join('\n');
}
