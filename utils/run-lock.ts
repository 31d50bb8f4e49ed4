/**
 * A lock file that keeps two processes from working in one folder at once (two trainings into one
 * `--out` would interleave their metrics and overwrite each other's checkpoints). The file holds the
 * owner's pid and host; a lock whose process is gone (killed, crashed) on this host is stale and taken
 * over. It is created with link(2), so it appears complete or not at all.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileError, temporarySibling } from './fs.js';

export const LOCK_FILE = '.lock';

interface LockOwner {
  pid: number;
  host: string;
  started: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lock's owner, or null when the file is unreadable or malformed (a torn write cannot happen, see above). */
function readOwner(file: string): LockOwner | null {
  try {
    const owner = JSON.parse(fs.readFileSync(file, 'utf8')) as LockOwner;
    return Number.isInteger(owner.pid) && typeof owner.host === 'string' ? owner : null;
  } catch {
    return null;
  }
}

export class RunLock {
  readonly file: string;
  #held = false;

  private constructor(file: string) {
    this.file = file;
  }

  /**
   * Takes `dir/.lock`, creating `dir`. Throws a FileError naming the holder when a live process holds it
   * (or a process on another host, whose liveness cannot be checked from here).
   */
  static acquire(dir: string): RunLock {
    fs.mkdirSync(dir, { recursive: true });
    const lock = new RunLock(path.join(dir, LOCK_FILE));
    const owner: LockOwner = { pid: process.pid, host: os.hostname(), started: new Date().toISOString() };
    const staging = temporarySibling(lock.file);
    try {
      fs.writeFileSync(staging, `${JSON.stringify(owner)}\n`);
      // A second attempt only after removing a stale lock; losing that race to another process is an error.
      for (let attempt = 0; ; attempt++) {
        try {
          fs.linkSync(staging, lock.file);
          break;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST')
            throw new FileError(lock.file, `cannot create the lock file: ${(error as Error).message}`);
        }
        const holder = readOwner(lock.file);
        const live = holder !== null && (holder.host !== os.hostname() || alive(holder.pid));
        if (live || attempt > 0) {
          const who =
            holder === null
              ? 'another process'
              : `process ${holder.pid} on ${holder.host} since ${holder.started}`;
          throw new FileError(
            dir,
            `in use by ${who} (lock ${lock.file}); wait for it, or delete the lock file if that process is gone`,
          );
        }
        fs.rmSync(lock.file, { force: true }); // stale: its process is gone
      }
    } finally {
      fs.rmSync(staging, { force: true });
    }
    lock.#held = true;
    process.once('exit', lock.#releaseOnExit);
    return lock;
  }

  readonly #releaseOnExit = (): void => this.release();

  /** Removes the lock file if this process still holds it (idempotent). */
  release(): void {
    if (!this.#held) return;
    this.#held = false;
    process.removeListener('exit', this.#releaseOnExit);
    if (readOwner(this.file)?.pid === process.pid) fs.rmSync(this.file, { force: true });
  }
}
