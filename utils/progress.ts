/**
 * A progress bar on stderr for long loops (cli-progress). It is silent when stderr is not a terminal or
 * when the caller turns it off, so logs and pipes never fill with bar redraws.
 */
import { Presets, SingleBar } from 'cli-progress';

export interface Progress {
  /** Advances the bar to `value` (absolute, in the unit given at creation), with values for `fields`. */
  update(value: number, fields?: Record<string, string | number>): void;
  stop(): void;
}

const SILENT: Progress = { update: () => {}, stop: () => {} };

/**
 * A bar over `total` units labelled `label`, showing `fields` (e.g. loss, tokPerSec) after the ETA;
 * `enabled: false` (or no TTY) gives a no-op.
 */
export function createProgress(
  total: number,
  label: string,
  options: { enabled?: boolean; fields?: readonly string[] } = {},
): Progress {
  if (options.enabled === false || !process.stderr.isTTY || total <= 0) return SILENT;
  const extra = (options.fields ?? []).map((f) => ` | ${f} {${f}}`).join('');
  const bar = new SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} | ETA {eta}s${extra}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    },
    Presets.shades_classic,
  );
  bar.start(total, 0, Object.fromEntries((options.fields ?? []).map((f) => [f, '-'])));
  return {
    update: (value, fields) => bar.update(Math.min(value, total), fields),
    stop: () => bar.stop(),
  };
}
