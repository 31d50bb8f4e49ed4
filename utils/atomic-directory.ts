/**
 * Output folders that are replaced whole or not at all, and the guards that keep a write from destroying
 * what the caller does not own. Every command and library call that writes a folder (tokenizers, models,
 * checkpoints, cue corpora) goes through `writeDirectoryAtomic` (this module imports nothing from the
 * project but fs.ts).
 *
 * The new folder is built in a hidden sibling `.NAME.ID.new`, then swapped in: the old folder is renamed
 * to `.NAME.ID.old`, the new one to NAME, the old one removed. POSIX has no atomic exchange of two
 * directories, so a process killed between the two renames leaves NAME missing for a moment; both
 * complete states are still on disk under names that say which is which, and `settleDirectory` (run by
 * the next writer and by the loaders) finishes the swap. The `.old` rename happens only after the new
 * folder is complete, so its presence proves that `.new` is complete.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileError } from './fs.js';

/** What a folder of one kind looks like, for deciding whether an existing folder may be replaced. */
export interface OutputKind {
  /** For messages: "tokenizer", "model", … */
  name: string;
  /** A file every folder of this kind holds. */
  marker: string;
  /** Every name a folder of this kind may hold (`prefix*` for a family); anything else is someone else's. */
  files: readonly string[];
}

export interface OutputOptions {
  kind: OutputKind;
  /** The inputs of the command: the output may never be one of them or contain one. */
  inputs?: readonly string[];
  /** Replace an existing folder that is not a previous output of this kind (never `.`, an ancestor or an input). */
  overwrite?: boolean;
}

const SWAP_NAME = /^\.(.+)\.(\d+)-([0-9a-f]+)\.(new|old)$/;
/** A temporary of entry $1 left by a killed writer: a folder swap's `.new`/`.old`, writeFileAtomic's `.tmp`. */
const LEFTOVER = /^\.(.+)\.\d+(?:-[0-9a-f]+\.(?:new|old)|\.[0-9a-f]+\.tmp)$/;

/** True when a folder of `kind` may hold the entry `name` (`files` entries ending in `*` are prefixes). */
export function ownedBy(kind: OutputKind, name: string): boolean {
  return kind.files.some((f) => (f.endsWith('*') ? name.startsWith(f.slice(0, -1)) : f === name));
}

/** The path with symbolic links resolved as far as it exists (so `a/../b` and links compare equal). */
function realish(p: string): string {
  const absolute = path.resolve(p);
  let existing = absolute;
  while (!fs.existsSync(existing)) {
    const parent = path.dirname(existing);
    if (parent === existing) return absolute;
    existing = parent;
  }
  return path.join(fs.realpathSync(existing), path.relative(existing, absolute));
}

/** True when `inner` is `outer` or lies inside it. */
function within(inner: string, outer: string): boolean {
  const rel = path.relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Throws a FileError unless `dir` may receive a new folder of `options.kind`: never the empty string,
 * the current folder or one of its ancestors, an input or a folder holding one; an existing file or a
 * folder that is not empty and not a previous output of this kind only with `overwrite`. `extra` names
 * files the new output will hold besides the kind's own. Returns the absolute path.
 */
export function checkOutputDirectory(
  dir: string,
  options: OutputOptions,
  extra: readonly string[] = [],
): string {
  if (dir.trim() === '') throw new FileError(JSON.stringify(dir), 'an output folder name cannot be empty');
  const target = realish(dir);
  const what = `output folder for a ${options.kind.name}`;
  if (within(realish(process.cwd()), target))
    throw new FileError(dir, `refusing to use the current folder or one of its parents as the ${what}`);
  for (const input of options.inputs ?? []) {
    if (within(realish(input), target))
      throw new FileError(dir, `refusing to write the ${what} over the input ${input}`);
  }
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch {
    return target;
  }
  const hint = 'choose another folder or pass --overwrite (library: overwrite: true)';
  if (!stat.isDirectory()) {
    if (options.overwrite) return target;
    throw new FileError(dir, `exists and is not a folder; ${hint}`);
  }
  const entries = fs.readdirSync(target);
  if (entries.length === 0 || options.overwrite) return target;
  const kind = { ...options.kind, files: [...options.kind.files, ...extra] };
  const foreign = entries.filter((e) => !ownedBy(kind, e) && !ownedBy(kind, LEFTOVER.exec(e)?.[1] ?? ''));
  if (!entries.includes(options.kind.marker) || foreign.length > 0) {
    const shown = foreign.slice(0, 5).join(', ') + (foreign.length > 5 ? ', …' : '');
    const why = entries.includes(options.kind.marker)
      ? `holds files a ${options.kind.name} does not write (${shown})`
      : `is not empty and is not a saved ${options.kind.name} (no ${options.kind.marker})`;
    throw new FileError(dir, `${why}; ${hint}`);
  }
  return target;
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Finishes a swap of `dir` that a killed process left half done: a complete new folder is moved into
 * place, or the old one back; unfinished temporary folders of dead processes are removed. A swap of a
 * live process is left alone.
 */
export function settleDirectory(dir: string): void {
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  const base = path.basename(target);
  let names: string[];
  try {
    names = fs.readdirSync(parent);
  } catch {
    return;
  }
  const swaps = new Map<string, { pid: number; new?: string; old?: string }>();
  for (const name of names) {
    const m = SWAP_NAME.exec(name);
    if (m === null || m[1] !== base) continue;
    const id = `${m[2]}-${m[3]}`;
    const entry = swaps.get(id) ?? { pid: Number(m[2]) };
    entry[m[4] as 'new' | 'old'] = path.join(parent, name);
    swaps.set(id, entry);
  }
  for (const swap of swaps.values()) {
    if (processAlive(swap.pid)) continue;
    if (swap.old !== undefined && !fs.existsSync(target)) {
      // The old folder was moved aside only once the new one was complete: finish the swap.
      fs.renameSync(swap.new ?? swap.old, target);
      if (swap.new !== undefined) fs.rmSync(swap.old, { recursive: true, force: true });
    } else {
      if (swap.old !== undefined) fs.rmSync(swap.old, { recursive: true, force: true });
      if (swap.new !== undefined) fs.rmSync(swap.new, { recursive: true, force: true });
    }
  }
}

/**
 * Builds a folder through `write(tmp)` in a hidden sibling of `dir`, then swaps it in (see the module
 * comment), after `checkOutputDirectory`. On failure the temporary folder is removed and `dir` is
 * unchanged.
 */
export function writeDirectoryAtomic(
  dir: string,
  write: (tmp: string) => void,
  options: OutputOptions,
): void {
  checkOutputDirectory(dir, options);
  const target = path.resolve(dir);
  settleDirectory(target);
  const stem = path.join(
    path.dirname(target),
    `.${path.basename(target)}.${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  const fresh = `${stem}.new`;
  const old = `${stem}.old`;
  fs.mkdirSync(fresh, { recursive: true });
  try {
    write(fresh);
    // Checked again now that the new folder's names are known and in case the target changed meanwhile.
    checkOutputDirectory(dir, options, fs.readdirSync(fresh));
    const replacing = fs.existsSync(target);
    if (replacing) fs.renameSync(target, old);
    try {
      fs.renameSync(fresh, target);
    } catch (error) {
      if (replacing) fs.renameSync(old, target);
      throw error;
    }
    if (replacing) fs.rmSync(old, { recursive: true, force: true });
  } finally {
    fs.rmSync(fresh, { recursive: true, force: true });
  }
}
