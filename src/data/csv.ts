/**
 * CSV image files in Kaggle's digit-recognizer layout: a header row, a `label` column (integers or
 * names) and one column per pixel, 0 to 255, row-major (height × width × channels of them). The
 * file is streamed, so its size is bounded by the decoded bytes (1 a pixel), not by its text.
 */
import { createReadStream } from 'node:fs';
import { parse, CsvError } from 'csv-parse';
import { InputError } from '../errors.js';
import type { ImageShape } from './dataset.js';

export interface CsvImages {
  images: Uint8Array;
  /** The label column as written, one entry a row; undefined when the file has none. */
  labels: string[] | undefined;
  /** Each row's line in the file, for messages about its label. */
  lines: number[];
  count: number;
}

export const LABEL_COLUMN = 'label';

/** Reads every row; `labels: 'required'` makes a missing label column an error, 'optional' (predict) ignores it. */
export async function readCsvImages(file: string, shape: ImageShape, labels: 'required' | 'optional'): Promise<CsvImages> {
  const pixels = shape[0] * shape[1] * shape[2];
  const fail = (line: number | undefined, message: string, hint?: string): never => {
    throw new InputError({ file, path: '', message: line === undefined ? message : `line ${line}: ${message}`, hint });
  };
  const stream = createReadStream(file);
  // relax_column_count: a ragged row is reported here, with what was expected, rather than as csv-parse words it.
  const parser = stream.pipe(parse({ relax_column_count: true, skip_empty_lines: true, trim: true, info: true, bom: true }));
  // pipe() does not pass a read error on (a missing file, a folder): the parser would wait forever.
  stream.on('error', (err) => parser.destroy(err));
  let images = new Uint8Array(pixels * 1024);
  const labelValues: string[] = [];
  const lines: number[] = [];
  let labelAt = -1;
  let columns = 0;
  let count = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const line = info.lines;
      if (columns === 0) {
        columns = record.length;
        labelAt = record.indexOf(LABEL_COLUMN);
        if (record.every((cell) => cell !== '' && Number.isFinite(Number(cell)))) fail(line, 'the first row must be a header naming the columns', 'Kaggle\'s layout: label,pixel0,pixel1,…');
        if (labelAt < 0 && labels === 'required') fail(line, `no "${LABEL_COLUMN}" column in the header`, 'name the column of the classes "label"');
        const pixelColumns = columns - (labelAt >= 0 ? 1 : 0);
        if (pixelColumns !== pixels) {
          fail(line, `${pixelColumns} pixel columns, but images of ${shape.join('x')} need ${pixels}`, `set the first layer's input_shape to match (${pixelColumns} = height × width)`);
        }
        continue;
      }
      if (record.length !== columns) fail(line, `${record.length} values, but the header has ${columns} columns`, 'every row needs a label and every pixel');
      if ((count + 1) * pixels > images.length) {
        const grown = new Uint8Array(images.length * 2);
        grown.set(images);
        images = grown;
      }
      let o = count * pixels;
      for (let c = 0; c < columns; c++) {
        if (c === labelAt) continue;
        const cell = record[c];
        const value = pixelValue(cell);
        if (value < 0) fail(line, `column ${c + 1}: ${JSON.stringify(cell)} is not a pixel value`, 'pixels are integers from 0 to 255');
        images[o++] = value;
      }
      if (labelAt >= 0) {
        const label = record[labelAt];
        if (label === '') fail(line, 'the label is empty');
        labelValues.push(label);
      }
      lines.push(line);
      count++;
    }
  } catch (err) {
    if (err instanceof CsvError) fail(undefined, `not a readable CSV file (${err.message})`);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') fail(undefined, 'is a folder, not a CSV file', 'for a folder of class subfolders use "format": "folder"');
    if (code !== undefined && !(err instanceof InputError)) fail(undefined, `cannot read CSV file (${code})`);
    throw err;
  } finally {
    stream.destroy();
  }
  if (columns === 0) fail(undefined, 'empty CSV file', 'it needs a header row and one row an image');
  if (count === 0) fail(undefined, 'no rows below the header');
  return { images: images.slice(0, count * pixels), labels: labelAt >= 0 ? labelValues : undefined, lines, count };
}

/** An integer 0…255 written in decimal (as "12" or "12.0"), or -1. */
function pixelValue(cell: string): number {
  let value = 0;
  let digits = 0;
  for (let i = 0; i < cell.length; i++) {
    const code = cell.charCodeAt(i) - 48;
    if (code >= 0 && code <= 9) {
      value = value * 10 + code;
      digits++;
    } else {
      // Spreadsheets write whole numbers as "12.0"; anything else after the digits is not a pixel.
      return digits > 0 && /^\.0*$/.test(cell.slice(i)) && value <= 255 ? value : -1;
    }
  }
  return digits > 0 && value <= 255 ? value : -1;
}
