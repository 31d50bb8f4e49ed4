/**
 * A progress bar on stderr for long loops (cli-progress). It is silent when stderr is not a terminal or
 * when the caller turns it off, so logs and pipes never fill with bar redraws.
 */
import { Presets, SingleBar } from 'cli-progress';

export interface Progress {
  /** Advances the bar to `value` (absolute, in the unit given at creation). */
  update(value: number): void;
  stop(): void;
}

const SILENT: Progress = { update: () => {}, stop: () => {} };

/** A bar over `total` units labelled `label`; `enabled: false` (or no TTY) gives a no-op. */
export function createProgress(total: number, label: string, options: { enabled?: boolean } = {}): Progress {
  if (options.enabled === false || !process.stderr.isTTY || total <= 0) return SILENT;
  const bar = new SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | ETA {eta}s`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    },
    Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    update: (value) => bar.update(Math.min(value, total)),
    stop: () => bar.stop(),
  };
}
