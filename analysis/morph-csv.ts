/** MorphScore word lists: CSV files with columns `full_word, pt1, rest` (RFC 4180 quoting). */
import { FileError, readTextFile } from '../utils/fs.js';

export interface MorphItem {
  fullWord: string;
  pt1: string;
  rest: string;
}

const MORPH_COLUMNS = ['full_word', 'pt1', 'rest'] as const;

/** Reads a MorphScore CSV (header with at least `full_word, pt1, rest`; RFC 4180 quoting). */
export function readMorphCsv(file: string): MorphItem[] {
  const text = readTextFile(file, 'MorphScore CSV').replace(/^\uFEFF/, '');
  const rows = parseCsv(text, file);
  if (rows.length === 0)
    throw new FileError(file, 'empty CSV: expected a header with columns full_word, pt1, rest');
  const header = rows[0]!.map((h) => h.trim());
  const index = new Map(header.map((h, i) => [h, i]));
  for (const col of MORPH_COLUMNS) {
    if (!index.has(col)) throw new FileError(file, `missing column "${col}" (header: ${header.join(', ')})`);
  }
  const [iw, ip, ir] = MORPH_COLUMNS.map((c) => index.get(c)!) as [number, number, number];
  const items: MorphItem[] = [];
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r]!;
    if (row.length === 1 && row[0] === '') continue;
    if (row.length < header.length)
      throw new FileError(file, `row ${r + 1} has ${row.length} fields, the header has ${header.length}`);
    items.push({ fullWord: row[iw]!, pt1: row[ip]!, rest: row[ir]! });
  }
  if (items.length === 0) throw new FileError(file, 'no MorphScore items after the header');
  return items;
}

function parseCsv(text: string, file: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      if (c === '\r' && text[i + 1] === '\n') i++;
    } else field += c;
    i++;
  }
  if (quoted) throw new FileError(file, 'unterminated quoted field');
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
