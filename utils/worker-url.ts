/**
 * Locates the compiled JavaScript of a worker script next to the calling module. Worker threads cannot
 * run TypeScript, so when the caller is itself loaded from source (tests run `.ts` through swc), the
 * script is taken from the compiled tree `<root>/dist/<same folder>/`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { packageRoot } from './paths.js';

/** URL of `scriptName` (a `.js` file) beside the module at `moduleUrl` (`import.meta.url`). */
export function compiledWorkerUrl(moduleUrl: string, scriptName: string): URL {
  const here = fileURLToPath(moduleUrl);
  if (here.endsWith('.js')) return new URL(`./${scriptName}`, moduleUrl);
  const projectRoot = packageRoot();
  const relativeDir = path.relative(projectRoot, path.dirname(here));
  const compiled = path.join(projectRoot, 'dist', relativeDir, scriptName);
  if (!fs.existsSync(compiled)) {
    throw new Error(`worker script ${compiled} not found: run \`npm run build\` first`);
  }
  return pathToFileURL(compiled);
}
