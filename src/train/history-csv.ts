/** history.csv read back: what train/artifacts.ts writes (HISTORY_COLUMNS), for the report and a resumed sweep alike. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HistoryRow } from './history.js';
import { HISTORY_FILE } from './run-folder.js';

/** Minimal RFC 4180 parser: quoted fields, doubled quotes, CRLF or LF. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

function numberOrNull(text: string | undefined): number | null {
  if (text === undefined || text.trim() === '') return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

/** A run's history.csv (the columns of train/artifacts.ts HISTORY_COLUMNS); [] when missing or unreadable. */
export async function readHistory(trialDir: string): Promise<HistoryRow[]> {
  let text: string;
  try {
    text = await readFile(join(trialDir, HISTORY_FILE), 'utf8');
  } catch {
    return [];
  }
  const [header, ...rows] = parseCsv(text);
  if (!header) return [];
  const col = (name: string) => header.indexOf(name);
  const at = (row: string[], name: string) => (col(name) >= 0 ? numberOrNull(row[col(name)]) : null);
  return rows
    .map((row) => ({
      epoch: at(row, 'epoch') ?? Number.NaN,
      loss: at(row, 'loss') ?? Number.NaN,
      accuracy: at(row, 'accuracy') ?? Number.NaN,
      val_loss: at(row, 'val_loss'),
      val_accuracy: at(row, 'val_accuracy'),
      lr: at(row, 'lr') ?? Number.NaN,
      seconds: at(row, 'seconds') ?? Number.NaN,
    }))
    .filter((r) => Number.isFinite(r.epoch));
}
