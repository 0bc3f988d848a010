// `~/.ssh/config` Host aliases → connection settings, with OpenSSH's matching rules as
// implemented by the `ssh-config` package (first value wins, Host patterns, negation).
import SSHConfig, { glob, LineType, type Line } from 'ssh-config';

export interface SshAlias {
  hostName?: string;
  user?: string;
  port?: number;
  identityFile?: string;
  proxyJump?: string;
}

export type SshConfigParse = { config: SSHConfig } | { error: string };

export function parseSshConfig(text: string): SshConfigParse {
  try {
    return { config: SSHConfig.parse(text) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** True when a `Host` line other than a bare `*` matches the alias. */
function aliasDeclared(config: SSHConfig, alias: string): boolean {
  return config.some((line: Line) => {
    if (line.type !== LineType.DIRECTIVE || line.param.toLowerCase() !== 'host') return false;
    const patterns = typeof line.value === 'string' ? line.value.split(/\s+/) : line.value.map((v) => v.val);
    const specific = patterns.filter((p) => p !== '*');
    return specific.length > 0 && glob(specific, alias);
  });
}

/** Settings for `alias`, or undefined when no Host section names it. `Match exec` is never run. */
export function resolveSshAlias(config: SSHConfig, alias: string): SshAlias | undefined {
  if (!aliasDeclared(config, alias)) return undefined;
  const c = config.compute(alias, { ignoreCase: true, matchExec: false });
  const one = (k: string): string | undefined => {
    const v = c[k];
    return Array.isArray(v) ? v[0] : v;
  };
  const out: SshAlias = {};
  const hostName = one('hostname');
  if (hostName !== undefined) out.hostName = hostName.replace(/%h/g, alias);
  const user = one('user');
  if (user !== undefined) out.user = user;
  const port = one('port');
  if (port !== undefined && /^\d+$/.test(port)) out.port = Number(port);
  const identity = one('identityfile');
  if (identity !== undefined) out.identityFile = identity;
  const jump = one('proxyjump');
  if (jump !== undefined && jump.toLowerCase() !== 'none') out.proxyJump = jump;
  return out;
}
