/**
 * A strict PNG structure check for the chart tests: signature, every chunk's length and CRC, IHDR
 * first, IEND last with nothing after it, and the concatenated IDAT data inflating to exactly the
 * size the header implies (one filter byte per row plus the packed pixels). A truncated or
 * corrupted file fails here, where reading the header alone would pass. Non-interlaced only (what
 * resvg writes); an interlaced file is reported as such rather than mis-measured.
 */
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** CRC-32 (ISO 3309 / PNG spec, reflected polynomial 0xEDB88320); node:zlib only has crc32 from Node 22. */
const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Samples per pixel for each PNG colour type (0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA). */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const BIT_DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

export interface DecodedPng {
  width: number;
  height: number;
  colorType: number;
  bitDepth: number;
  /** Chunk types in file order. */
  chunks: string[];
  /** The inflated IDAT stream: per row, a filter byte then the packed scanline. */
  raw: Buffer;
}

/** Decodes the PNG's structure down to the inflated scanlines, asserting everything along the way. */
export function decodePng(png: Buffer, label = 'PNG'): DecodedPng {
  assert.ok(png.length >= SIGNATURE.length, `${label}: shorter than the PNG signature`);
  assert.deepEqual(png.subarray(0, 8), SIGNATURE, `${label}: PNG signature`);
  const chunks: string[] = [];
  const idat: Buffer[] = [];
  let header: { width: number; height: number; bitDepth: number; colorType: number; interlace: number } | undefined;
  let offset = 8;
  while (offset < png.length) {
    assert.ok(offset + 12 <= png.length, `${label}: truncated chunk header at byte ${offset}`);
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    assert.match(type, /^[A-Za-z]{4}$/, `${label}: bad chunk type at byte ${offset}`);
    const dataEnd = offset + 8 + length;
    assert.ok(dataEnd + 4 <= png.length, `${label}: chunk ${type} at byte ${offset} is truncated (${length} data bytes declared, file ends at ${png.length})`);
    const data = png.subarray(offset + 8, dataEnd);
    const stored = png.readUInt32BE(dataEnd);
    assert.equal(crc32(png.subarray(offset + 4, dataEnd)), stored, `${label}: CRC of chunk ${type} at byte ${offset}`);
    assert.ok(!chunks.includes('IEND'), `${label}: chunk ${type} after IEND`);
    if (chunks.length === 0) assert.equal(type, 'IHDR', `${label}: first chunk must be IHDR`);
    chunks.push(type);
    if (type === 'IHDR') {
      assert.equal(chunks.length, 1, `${label}: more than one IHDR`);
      assert.equal(length, 13, `${label}: IHDR length`);
      header = { width: data.readUInt32BE(0), height: data.readUInt32BE(4), bitDepth: data[8], colorType: data[9], interlace: data[12] };
      assert.equal(data[10], 0, `${label}: compression method`);
      assert.equal(data[11], 0, `${label}: filter method`);
    } else if (type === 'IDAT') {
      idat.push(data);
    }
    offset = dataEnd + 4;
  }
  assert.ok(header, `${label}: no IHDR`);
  assert.equal(chunks.at(-1), 'IEND', `${label}: last chunk must be IEND (file truncated?)`);
  assert.ok(idat.length > 0, `${label}: no IDAT`);
  const idatRun = chunks.slice(chunks.indexOf('IDAT'), chunks.lastIndexOf('IDAT') + 1);
  assert.ok(idatRun.every((t) => t === 'IDAT'), `${label}: IDAT chunks must be consecutive`);

  const { width, height, bitDepth, colorType, interlace } = header;
  assert.ok(width > 0 && height > 0, `${label}: zero size ${width}x${height}`);
  assert.ok(colorType in CHANNELS, `${label}: colour type ${colorType}`);
  assert.ok(BIT_DEPTHS[colorType].includes(bitDepth), `${label}: bit depth ${bitDepth} for colour type ${colorType}`);
  assert.equal(interlace, 0, `${label}: interlaced PNGs are not handled by this check`);
  if (colorType === 3) assert.ok(chunks.includes('PLTE'), `${label}: palette image without PLTE`);

  let raw: Buffer;
  try {
    raw = inflateSync(Buffer.concat(idat));
  } catch (err) {
    assert.fail(`${label}: IDAT data does not inflate: ${(err as Error).message}`);
  }
  const rowBytes = Math.ceil((width * CHANNELS[colorType] * bitDepth) / 8);
  assert.equal(raw.length, height * (1 + rowBytes), `${label}: inflated IDAT length for ${width}x${height}, colour type ${colorType}, bit depth ${bitDepth}`);
  for (let y = 0; y < height; y++) assert.ok(raw[y * (1 + rowBytes)] <= 4, `${label}: row ${y} has filter type ${raw[y * (1 + rowBytes)]}`);
  return { width, height, colorType, bitDepth, chunks, raw };
}

/** Width and height of a PNG that fully decodes (see decodePng). */
export function pngSize(png: Buffer, label?: string): { width: number; height: number } {
  const { width, height } = decodePng(png, label);
  return { width, height };
}
