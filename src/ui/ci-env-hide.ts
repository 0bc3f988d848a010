// Ink decides once, when it is loaded, whether it runs under CI (`CI` or
// `CONTINUOUS_INTEGRATION` set) and then draws nothing but a final frame. lockstep loads the
// TUI only when stdout is a terminal, so a CI variable inherited by a real terminal (a CI job
// driving tmux, a dev container) must not blank the live screen. The variables are hidden
// while ink loads and put back by ci-env-restore.ts, so shells lockstep starts still see them.
// index.ts imports this before anything that loads ink.
export const hiddenCiEnv: Record<string, string> = {};
for (const key of ['CI', 'CONTINUOUS_INTEGRATION']) {
  const value = process.env[key];
  if (value !== undefined) {
    hiddenCiEnv[key] = value;
    delete process.env[key];
  }
}
