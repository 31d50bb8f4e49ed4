/**
 * A ≥ 40 MB, non-repeating, mostly English benchmark corpus, built deterministically from text already
 * on the machine (no network): the project's corpora, documentation files of the installed npm
 * packages, then the system's Node.js changelogs, Vim help and Debian changelogs/NEWS when those exist.
 * Files are taken in sorted path order, skipped when not valid UTF-8 or when their content was already
 * used (sha256), until the size is reached. Size and sha256 are recorded with every figure, because the
 * system parts depend on what the machine has installed.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';

export interface CorpusInfo {
  file: string;
  bytes: number;
  sha256: string;
  /** Number of files taken from each source, in order. */
  sources: Record<string, number>;
}

interface Source {
  name: string;
  root: string;
  /** Which files under root to take (path relative to root). */
  accept: (relative: string) => boolean;
}

function listFiles(root: string, accept: (relative: string) => boolean): string[] {
  if (!fs.existsSync(root)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    if (accept(path.relative(root, full))) out.push(full);
  }
  return out.sort();
}

function readText(file: string): Buffer | null {
  let bytes = fs.readFileSync(file);
  if (file.endsWith('.gz')) bytes = gunzipSync(bytes);
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
  return bytes;
}

function sources(projectRoot: string): Source[] {
  const docs = /\.(md|txt)$/i;
  return [
    { name: 'data/kjv.txt', root: path.join(projectRoot, 'data'), accept: (r) => r === 'kjv.txt' },
    {
      name: 'data/multilingual',
      root: path.join(projectRoot, 'data', 'multilingual'),
      accept: (r) => docs.test(r),
    },
    { name: 'node_modules docs', root: path.join(projectRoot, 'node_modules'), accept: (r) => docs.test(r) },
    { name: 'nodejs changelogs', root: '/usr/share/doc/nodejs/changelogs', accept: (r) => docs.test(r) },
    { name: 'vim help', root: '/usr/share/vim/vim90/doc', accept: (r) => r.endsWith('.txt') },
    {
      name: 'debian changelogs and NEWS',
      root: '/usr/share/doc',
      accept: (r) => /(^|\/)(changelog|NEWS|changelog\.Debian)(\.gz)?$/.test(r),
    },
  ];
}

/**
 * Builds (or reuses) `<outDir>/english-<minBytes>.txt` and returns its description. A manifest next to it
 * records the sha256; a mismatch rebuilds.
 */
export function buildBenchCorpus(
  projectRoot: string,
  outDir: string,
  minBytes = 40 * 1024 * 1024,
): CorpusInfo {
  const file = path.join(outDir, `english-${minBytes}.txt`);
  const manifest = `${file}.json`;
  if (fs.existsSync(file) && fs.existsSync(manifest)) {
    const info = JSON.parse(fs.readFileSync(manifest, 'utf8')) as CorpusInfo;
    const sha256 = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    if (sha256 === info.sha256) return info;
  }
  fs.mkdirSync(outDir, { recursive: true });
  const seen = new Set<string>();
  const parts: Buffer[] = [];
  const counts: Record<string, number> = {};
  let total = 0;
  for (const source of sources(projectRoot)) {
    if (total >= minBytes) break;
    counts[source.name] = 0;
    for (const f of listFiles(source.root, source.accept)) {
      if (total >= minBytes) break;
      const bytes = readText(f);
      if (bytes === null || bytes.length === 0) continue;
      const digest = createHash('sha256').update(bytes).digest('hex');
      if (seen.has(digest)) continue;
      seen.add(digest);
      const chunk = bytes[bytes.length - 1] === 0x0a ? bytes : Buffer.concat([bytes, Buffer.from('\n')]);
      parts.push(chunk);
      total += chunk.length;
      counts[source.name]!++;
    }
  }
  if (total < minBytes)
    throw new Error(`only ${total} bytes of text found for the benchmark corpus (need ${minBytes})`);
  const data = Buffer.concat(parts);
  const info: CorpusInfo = {
    file,
    bytes: data.length,
    sha256: createHash('sha256').update(data).digest('hex'),
    sources: counts,
  };
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
  fs.writeFileSync(manifest, `${JSON.stringify(info, null, 2)}\n`);
  return info;
}
