/** JSON Lines metrics log: one object per line, flushed as written, closed on every exit path by the caller. */
import * as fs from 'node:fs';
import * as path from 'node:path';

export class MetricsLog {
  readonly #fd: number;

  /** Opens `file`, appending when `append` (a resumed run) and truncating otherwise. */
  constructor(
    readonly file: string,
    append = false,
  ) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.#fd = fs.openSync(file, append ? 'a' : 'w');
  }

  write(record: Record<string, unknown>): void {
    fs.writeSync(this.#fd, `${JSON.stringify(record)}\n`);
  }

  close(): void {
    fs.closeSync(this.#fd);
  }
}

/** Reads a metrics log back (for plots and tests). */
export function readMetrics(file: string): Array<Record<string, unknown>> {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
