// Progress for the long waits (image build, boots): one line per phase on stderr, with the
// time since the operation started, so a first-time user sees that something is happening.
export type Progress = (message: string) => void;

export function stderrProgress(prefix = 'lab'): Progress {
  const start = Date.now();
  return (message) => {
    const s = ((Date.now() - start) / 1000).toFixed(1).padStart(5);
    process.stderr.write(`${prefix} [${s}s] ${message}\n`);
  };
}

export const silentProgress: Progress = () => {};
