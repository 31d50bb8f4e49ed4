/**
 * Locates the compiled JavaScript of a module that a worker thread imports. Worker threads cannot run
 * TypeScript, so when the caller is itself loaded from source (tests run `.ts` through swc), a module of
 * this package is taken from the compiled tree `<root>/dist/<same folder>/`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { packageRoot } from './paths.js';

/** URL of `scriptName` (a `.js` file) beside the module at `moduleUrl` (`import.meta.url`). */
export function compiledWorkerUrl(moduleUrl: string, scriptName: string): URL {
  if (fileURLToPath(moduleUrl).endsWith('.js')) return new URL(`./${scriptName}`, moduleUrl);
  return compiledModuleUrl(new URL(`./${scriptName.replace(/\.js$/, '.ts')}`, moduleUrl).href);
}

/**
 * URL a worker thread imports for the module at `moduleUrl`: a `.ts` source of this package maps to its
 * compiled `.js` under dist/; any other URL is imported as given.
 */
export function compiledModuleUrl(moduleUrl: string): URL {
  const url = new URL(moduleUrl);
  if (url.protocol !== 'file:' || !url.pathname.endsWith('.ts')) return url;
  const projectRoot = packageRoot();
  const relative = path.relative(projectRoot, fileURLToPath(url)).replace(/\.ts$/, '.js');
  if (relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) return url;
  const compiled = path.join(projectRoot, 'dist', relative);
  if (!fs.existsSync(compiled)) {
    throw new Error(`compiled module ${compiled} not found: run \`npm run build\` first`);
  }
  return pathToFileURL(compiled);
}
