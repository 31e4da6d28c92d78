/**
 * Windows bitmaps, which sharp's prebuilt libvips cannot read: uncompressed 1-, 4-, 8-bit
 * (palette), 24- and 32-bit files (and 16/32-bit with BI_BITFIELDS masks), decoded to RGBA for
 * sharp to take as raw pixels. RLE-compressed bitmaps are rare enough to refuse with a hint.
 */

export interface RawImage {
  width: number;
  height: number;
  /** width × height × 4 bytes, RGBA, top row first. */
  data: Uint8Array;
}

const BI_RGB = 0;
const BI_BITFIELDS = 3;
const BI_ALPHABITFIELDS = 6;

export function isBmp(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x42 && bytes[1] === 0x4d;
}

/** Throws an Error whose message says what is wrong; the caller names the file. */
export function decodeBmp(bytes: Uint8Array): RawImage {
  if (bytes.length < 26) throw new Error('truncated BMP header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pixelOffset = view.getUint32(10, true);
  const headerSize = view.getUint32(14, true);
  if (headerSize < 40) throw new Error(`BMP header of ${headerSize} bytes (OS/2 bitmaps) is not supported`);
  if (bytes.length < 14 + headerSize) throw new Error('truncated BMP header');
  const width = view.getInt32(18, true);
  const rawHeight = view.getInt32(22, true);
  const bits = view.getUint16(28, true);
  const compression = view.getUint32(30, true);
  // A negative height is a top-down bitmap; positive, the usual bottom-up one.
  const height = Math.abs(rawHeight);
  if (width <= 0 || height === 0) throw new Error(`BMP of ${width}x${height} pixels`);
  if (compression !== BI_RGB && compression !== BI_BITFIELDS && compression !== BI_ALPHABITFIELDS) {
    throw new Error(`compressed BMP (compression ${compression}) is not supported; save it uncompressed or as PNG`);
  }
  if (![1, 4, 8, 16, 24, 32].includes(bits)) throw new Error(`BMP of ${bits} bits a pixel is not supported`);
  const stride = Math.ceil((width * bits) / 32) * 4;
  if (pixelOffset + stride * height > bytes.length) throw new Error(`truncated BMP: ${bytes.length} bytes, its ${width}x${height} pixels need ${pixelOffset + stride * height}`);

  const palette: number[][] = [];
  if (bits <= 8) {
    const colours = view.getUint32(46, true) || 1 << bits;
    const start = 14 + headerSize;
    for (let i = 0; i < colours && start + 4 * i + 3 <= pixelOffset; i++) palette.push([bytes[start + 4 * i + 2], bytes[start + 4 * i + 1], bytes[start + 4 * i]]);
  }
  const masks = bitMasks(view, bits, compression, headerSize);
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const row = pixelOffset + stride * (rawHeight > 0 ? height - 1 - y : y);
    for (let x = 0; x < width; x++) {
      const o = 4 * (y * width + x);
      if (bits <= 8) {
        const bit = x * bits;
        const index = (bytes[row + (bit >> 3)] >> (8 - bits - (bit & 7))) & ((1 << bits) - 1);
        const colour = palette[index] ?? [0, 0, 0];
        out.set(colour, o);
        out[o + 3] = 255;
      } else if (masks) {
        const value = bits === 16 ? view.getUint16(row + 2 * x, true) : view.getUint32(row + 4 * x, true);
        for (let c = 0; c < 4; c++) out[o + c] = c === 3 && masks[3] === 0 ? 255 : masked(value, masks[c]);
      } else {
        const p = row + (bits / 8) * x;
        out[o] = bytes[p + 2];
        out[o + 1] = bytes[p + 1];
        out[o + 2] = bytes[p];
        // Plain 32-bit BMPs leave the fourth byte unused (often zero): opaque, not transparent.
        out[o + 3] = 255;
      }
    }
  }
  return { width, height, data: out };
}

/** R, G, B, A masks for 16- and 32-bit pixels; undefined for 24-bit and plain 32-bit ones. */
function bitMasks(view: DataView, bits: number, compression: number, headerSize: number): number[] | undefined {
  if (compression === BI_BITFIELDS || compression === BI_ALPHABITFIELDS) {
    const alpha = compression === BI_ALPHABITFIELDS || headerSize >= 56 ? view.getUint32(66, true) : 0;
    return [view.getUint32(54, true), view.getUint32(58, true), view.getUint32(62, true), alpha];
  }
  // 16-bit without masks is 5-5-5.
  return bits === 16 ? [0x7c00, 0x03e0, 0x001f, 0] : undefined;
}

function masked(value: number, mask: number): number {
  if (mask === 0) return 0;
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  const max = mask >>> shift;
  return Math.round((((value & mask) >>> shift) * 255) / max);
}
