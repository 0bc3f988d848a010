// The audit report as Markdown, for tickets and change records.
import type { AuditReport } from './audit.js';

function clock(r: AuditReport, t: number): string {
  const start = r.session.startedAt ? Date.parse(r.session.startedAt) : NaN;
  const rel = `+${fmtDuration(t)}`;
  return Number.isFinite(start) ? `${new Date(start + t).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z')} (${rel})` : rel;
}

export function fmtDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** Table cells: no pipes or newlines. */
const cell = (s: string | undefined): string => (s ?? '').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

function fence(text: string, lang = ''): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const f = '`'.repeat(longest + 1);
  return `${f}${lang}\n${text.replace(/\n$/, '')}\n${f}`;
}

export function auditMarkdown(r: AuditReport): string {
  const out: string[] = [];
  const s = r.session;
  out.push(`# Audit: ${s.runbooks.map((b) => b.name).join(', ') || 'lockstep session'}`, '');
  out.push(`- **Operator:** ${s.operator ?? 'unknown'} on **${s.host ?? 'unknown host'}** (lockstep ${s.lockstep ?? '?'})`);
  out.push(`- **Started:** ${s.startedAt ?? 'unknown'}; **ended:** ${s.endedAt ?? 'unknown'}; **duration:** ${fmtDuration(s.durationMs)}`);
  out.push(`- **Outcome:** ${s.status === 'cut off' ? '**CUT OFF** (no session end recorded: lockstep was killed or crashed)' : s.status}`);
  out.push(`- **Recording:** \`${r.recording.file}\`, format v${r.recording.version}, ${r.recording.lines} lines${r.recording.head ? `, chain head \`sha256:${r.recording.head}\`` : ' (no hash chain)'}`);
  if (s.resumedFrom) out.push(`- **Resumes:** \`${s.resumedFrom.file}\` (chain head \`sha256:${s.resumedFrom.head}\`, after ${s.resumedFrom.lastCompletedStep ?? 'no completed step'})`);
  if (s.runbooks.length) {
    out.push('', '## Runbooks', '', '| runbook | file | sha256 |', '|---|---|---|');
    for (const b of s.runbooks) out.push(`| ${cell(b.name)} | \`${cell(b.file)}\` | \`${b.sha256}\` |`);
  }
  out.push('', '## Nodes', '', '| node | address | groups | final status |', '|---|---|---|---|');
  for (const n of r.nodes) out.push(`| ${cell(n.name)} | ${cell(n.address ?? '')} | ${cell(n.groups.join(', '))} | ${cell(n.status + (n.reason && n.reason !== n.status ? `: ${n.reason}` : ''))} |`);
  if (r.hostKeys.length) {
    out.push('', '## Host keys', '');
    for (const k of r.hostKeys) {
      const how = k.event === 'accepted' ? `**accepted** (${k.by === 'flag' ? '--accept-new-host-keys' : 'at the prompt'})` : k.event === 'changed' ? '**CHANGED**: refused' : 'not in known_hosts';
      out.push(`- ${clock(r, k.t)}: ${k.node} ${k.keyType} \`${k.fingerprint}\`: ${how}`);
    }
  }
  const nodes = r.nodes.map((n) => n.name);
  out.push('', '## Steps', '', `| # | step | status | runs | ${nodes.map(cell).join(' | ')} |`, `|---|---|---|---|${nodes.map(() => '---|').join('')}`);
  r.steps.forEach((st, i) => {
    const marks = nodes.map((n) => (st.nodes.includes(n) ? (st.outcome[n] ?? 'not run') : '—'));
    out.push(`| ${i + 1} | ${cell(st.title)} (\`${cell(st.id)}\`) | ${st.status}${st.reason ? `: ${cell(st.reason)}` : ''} | ${st.runs} | ${marks.join(' | ')} |`);
  });
  const gates = r.steps.flatMap((st) => st.gates.map((g) => ({ st, g })));
  if (gates.length) {
    out.push('', '## Gates', '');
    for (const { st, g } of gates) out.push(`- ${clock(r, g.t)}: ${st.id} \`${g.block}\` on ${g.node}: ${g.ok ? 'passed' : `**FAILED**: ${g.reason ?? ''}`} (attempt ${g.attempts})`);
  }
  out.push('', '## Operator decisions', '');
  if (r.decisions.length === 0) out.push('None recorded.');
  for (const d of r.decisions) out.push(`- ${clock(r, d.t)}: ${d.what}`);
  if (r.typed.length) {
    out.push('', '## Typed into panes', '');
    for (const x of r.typed) out.push(`- ${clock(r, x.t)} → ${x.nodes.join(', ')}: \`${JSON.stringify(x.data).slice(1, -1).replace(/`/g, "'")}\`${x.redacted ? ' (redacted)' : ''}`);
  }
  out.push('', '## Files changed', '');
  if (r.files.length === 0) out.push('None.');
  for (const f of r.files) {
    const verb = f.action === 'written' ? (f.existed === false ? 'created' : 'written') : f.action;
    out.push(`- ${clock(r, f.t)}: ${f.node}: \`${f.path}\` ${verb} (${f.step})`);
    if (f.diff) out.push('', fence(f.diff, 'diff'), '');
  }
  if (r.divergences.length) {
    out.push('', '## Divergences', '');
    for (const d of r.divergences) {
      out.push(`- ${clock(r, d.t)}: ${d.step} \`${d.block}\`: ${d.outliers.map((o) => o.node).join(', ')} differ from ${d.tie ? 'the reference group' : 'the majority'} (${d.majority.join(', ')})`);
      for (const o of d.outliers) out.push('', fence(o.diff, 'diff'), '');
    }
  }
  if (r.notices.length) {
    out.push('', '## Warnings and errors', '');
    for (const n of r.notices) out.push(`- ${clock(r, n.t)}: ${n.level}${n.node ? ` (${n.node})` : ''}: ${n.message}`);
  }
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n')}\n`;
}
