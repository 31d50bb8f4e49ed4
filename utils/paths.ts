/**
 * Locations inside the installed cleangpt package (source checkout, compiled dist/ or node_modules), for
 * the embedded corpora and compiled worker scripts. Leaf module.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The directory holding cleangpt's package.json, found by walking up from this module. */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, 'utf8')).name === 'cleangpt')
      return dir;
    const parent = path.dirname(dir);
    if (parent === dir)
      throw new Error(
        'cannot locate the cleangpt package root (no package.json named "cleangpt" above this module)',
      );
    dir = parent;
  }
}

/** Path of a file shipped in the package's `data/` folder, e.g. `dataFile('kjv.txt')`. */
export function dataFile(name: string): string {
  return path.join(packageRoot(), 'data', name);
}
