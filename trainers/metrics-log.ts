/** JSON Lines metrics log: one object per line, flushed as written, closed on every exit path by the caller. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileError, writeFileAtomic } from '../utils/fs.js';

export class MetricsLog {
  readonly #fd: number;

  /**
   * Opens `file` for a run that has taken `fromStep` steps already (0: a new run, the file is emptied).
   * A resumed run keeps only the rows up to its checkpoint's step: rows a killed run wrote after its last
   * checkpoint are recomputed and would otherwise appear twice.
   */
  constructor(
    readonly file: string,
    fromStep = 0,
  ) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    if (fromStep > 0 && fs.existsSync(file)) {
      const kept = readMetrics(file).filter((row) => !((row.step as number) > fromStep));
      writeFileAtomic(file, kept.map((row) => `${JSON.stringify(row)}\n`).join(''));
    }
    this.#fd = fs.openSync(file, fromStep > 0 ? 'a' : 'w');
  }

  write(record: Record<string, unknown>): void {
    fs.writeSync(this.#fd, `${JSON.stringify(record)}\n`);
  }

  close(): void {
    fs.closeSync(this.#fd);
  }
}

/**
 * Reads a metrics log back (plots, resume, tests). A last line without its newline is what a killed
 * writer leaves and is dropped; any other malformed line is an error naming the file and line.
 */
export function readMetrics(file: string): Array<Record<string, unknown>> {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const rows: Array<Record<string, unknown>> = [];
  lines.forEach((line, i) => {
    if (line.trim().length === 0) return;
    const torn = i === lines.length - 1; // no newline after it
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (error) {
      if (torn) return;
      throw new FileError(file, `line ${i + 1} is not valid JSON (${(error as Error).message})`);
    }
    if (row === null || typeof row !== 'object' || Array.isArray(row)) {
      if (torn) return;
      throw new FileError(file, `line ${i + 1} is not a JSON object`);
    }
    rows.push(row as Record<string, unknown>);
  });
  return rows;
}
