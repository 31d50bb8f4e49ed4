import * as fs from 'node:fs';
import * as path from 'node:path';

/** The embedded corpora in data/ (KJV and the multilingual samples), the texts every peer-parity test runs on. */
const DATA = path.join(import.meta.dirname, '..', 'data');
export const CORPORA = [
  path.join(DATA, 'kjv.txt'),
  ...fs
    .readdirSync(path.join(DATA, 'multilingual'))
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map((f) => path.join(DATA, 'multilingual', f)),
];
