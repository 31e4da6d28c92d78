/**
 * The IDX format of the original MNIST files (and Fashion-MNIST, EMNIST, …): a big-endian header
 * (two zero bytes, a type code, the number of dimensions, then each dimension as uint32) followed by
 * the raw values. Only unsigned bytes (type 0x08) occur in image sets, so only they are accepted.
 */
import { readFile } from 'node:fs/promises';
import { InputError } from '../errors.js';

export interface IdxArray {
  dims: number[];
  /** The values, row-major, exactly product(dims) of them. */
  data: Uint8Array;
}

const UNSIGNED_BYTE = 0x08;

export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  const fail = (message: string, hint?: string) => new InputError({ file, path: '', message, hint });
  if (bytes.length < 4) throw fail(`not an IDX file: ${bytes.length} bytes is shorter than the header`);
  if (bytes[0] !== 0 || bytes[1] !== 0) throw fail('not an IDX file: the magic number must start with two zero bytes', 'is it gzip-compressed? gunzip it first');
  if (bytes[2] !== UNSIGNED_BYTE) throw fail(`IDX type 0x${bytes[2].toString(16).padStart(2, '0')} is not supported`, 'only unsigned byte data (0x08) is');
  const rank = bytes[3];
  if (rank < 1 || rank > 4) throw fail(`IDX rank ${rank} is not supported (1 to 4)`);
  const headerLength = 4 + 4 * rank;
  if (bytes.length < headerLength) throw fail(`truncated IDX header: ${bytes.length} bytes, need ${headerLength}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const expected = dims.reduce((a, b) => a * b, 1);
  const actual = bytes.length - headerLength;
  if (actual < expected) throw fail(`truncated IDX file: header says ${dims.join('x')} = ${expected} values, file holds ${actual}`, 'the download may be incomplete');
  if (actual > expected) throw fail(`corrupted IDX file: ${actual - expected} bytes after the ${dims.join('x')} values the header declares`);
  return { dims, data: bytes.subarray(headerLength) };
}

export async function readIdxFile(path: string): Promise<IdxArray> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new InputError({ file: path, path: '', message: `cannot read IDX file (${(err as NodeJS.ErrnoException).code ?? String(err)})` });
  }
  return parseIdx(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
}

/** An unsigned-byte IDX file holding `data` as a `dims` array: how decoded datasets are cached and sent to queue workers. */
export function idxBytes(dims: number[], data: Uint8Array): Uint8Array {
  const expected = dims.reduce((a, b) => a * b, 1);
  if (data.length !== expected) throw new RangeError(`idxBytes: ${data.length} values for dims ${dims.join('x')}`);
  const bytes = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(bytes.buffer);
  bytes[2] = UNSIGNED_BYTE;
  bytes[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  bytes.set(data, 4 + 4 * dims.length);
  return bytes;
}
