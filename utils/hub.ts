/**
 * Hugging Face Hub files with a local cache: `hf://datasets/OWNER/NAME/PATH[@REVISION]` resolves to a
 * cached local file, downloading it once when the network allows. Offline runs work from the cache (or
 * from local files, which need no resolution at all).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic } from './fs.js';

export interface HubOptions {
  /** Cache root; default `$CLEANGPT_CACHE` or `~/.cache/cleangpt/hub`. */
  cacheDir?: string;
  /** Injected for tests and proxies; defaults to the global fetch. */
  fetch?: typeof globalThis.fetch;
}

export interface HubReference {
  kind: 'datasets' | 'models';
  repo: string;
  file: string;
  revision: string;
}

export const isHubPath = (p: string): boolean => p.startsWith('hf://');

/** Parses `hf://datasets/owner/name/path/in/repo[@revision]` (also `models/`). */
export function parseHubPath(spec: string): HubReference {
  const match = /^hf:\/\/(datasets|models)\/([^/]+\/[^/]+)\/(.+?)(?:@([^/@]+))?$/.exec(spec);
  if (!match)
    throw new Error(`"${spec}" is not a Hub path; expected hf://datasets/OWNER/NAME/FILE[@REVISION]`);
  return {
    kind: match[1] as HubReference['kind'],
    repo: match[2]!,
    file: match[3]!,
    revision: match[4] ?? 'main',
  };
}

export function defaultCacheDir(): string {
  return process.env.CLEANGPT_CACHE ?? path.join(os.homedir(), '.cache', 'cleangpt', 'hub');
}

/** Local path of a Hub file: the cached copy, downloaded first when missing. */
export async function resolveHubFile(spec: string, options: HubOptions = {}): Promise<string> {
  const ref = parseHubPath(spec);
  const local = path.join(options.cacheDir ?? defaultCacheDir(), ref.kind, ref.repo, ref.revision, ref.file);
  if (fs.existsSync(local)) return local;
  const prefix = ref.kind === 'datasets' ? 'datasets/' : '';
  const url = `https://huggingface.co/${prefix}${ref.repo}/resolve/${encodeURIComponent(ref.revision)}/${ref.file}`;
  const fetchFn = options.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await fetchFn(url);
  } catch (error) {
    throw new Error(
      `cannot download ${spec} (${(error as Error).message}); offline runs need it in the cache at ${local}`,
    );
  }
  if (!response.ok) throw new Error(`cannot download ${spec}: HTTP ${response.status} from ${url}`);
  writeFileAtomic(local, new Uint8Array(await response.arrayBuffer()));
  return local;
}

/** Replaces every `hf://` input by its cached local path; local paths pass through unchanged. */
export async function resolveInputs(inputs: readonly string[], options: HubOptions = {}): Promise<string[]> {
  const out: string[] = [];
  for (const input of inputs) out.push(isHubPath(input) ? await resolveHubFile(input, options) : input);
  return out;
}
