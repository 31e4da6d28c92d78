/**
 * One image file → the bytes a model takes: grayscale (or RGB for 3 channels), resized to the
 * model's input. Training (folder datasets), `predict` and `evaluate` all go through decodeImage,
 * so a model sees new images exactly as it saw its training images.
 *
 * Resizing follows Keras' image_dataset_from_directory: bilinear interpolation (libvips' linear
 * kernel, which widens with the reduction so that large scans are averaged, not aliased), and by
 * default the image is stretched to the target; "pad" keeps the aspect ratio and centres the image
 * on black, the background of MNIST-like digits. Transparent pixels also become black.
 */
import { readFile } from 'node:fs/promises';
import sharp, { type Sharp } from 'sharp';
import { InputError } from '../errors.js';
import { decodeBmp, isBmp } from './bmp.js';
import type { ImageShape } from './dataset.js';

export type ResizeMode = 'stretch' | 'pad';

const BLACK = { r: 0, g: 0, b: 0 };

/** What the images of a dataset are decoded to, checked once before thousands of images are. */
export function checkChannels(shape: ImageShape, where: { file: string; path: string }): void {
  if (shape[2] !== 1 && shape[2] !== 3) {
    throw new InputError({ ...where, message: `images are decoded to 1 (grayscale) or 3 (RGB) channels, not ${shape[2]}`, hint: 'set the first layer\'s input_shape to [height, width, 1]' });
  }
}

/** The pixels of one image file, height × width × channels bytes; an InputError naming the file when it cannot be read. */
export async function decodeImage(file: string, shape: ImageShape, resize: ResizeMode = 'stretch'): Promise<Uint8Array> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new InputError({ file, path: '', message: `cannot read image (${(err as NodeJS.ErrnoException).code ?? String(err)})` });
  }
  return decodeImageBytes(bytes, shape, resize, file);
}

export async function decodeImageBytes(bytes: Uint8Array, shape: ImageShape, resize: ResizeMode, file: string): Promise<Uint8Array> {
  const [height, width, channels] = shape;
  if (bytes.length === 0) throw new InputError({ file, path: '', message: 'empty file, not an image' });
  try {
    // failOn 'truncated': a half-written file is an error, not an image with its bottom half grey.
    const source = isBmp(bytes) ? fromBmp(bytes) : sharp(bytes, { failOn: 'truncated', pages: 1 });
    const rgb = await source.flatten({ background: BLACK }).toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    // Gray as Keras (TensorFlow's decoders, rgb_to_grayscale) makes it: ITU-R 601 weights on the
    // stored values, before resizing. libvips' own grayscale weighs linear light (red becomes 127, not 76).
    const pixels = channels === 1 ? luma(rgb.data, rgb.info.channels) : rgb.data;
    const resized = sharp(pixels, { raw: { width: rgb.info.width, height: rgb.info.height, channels: channels === 1 ? 1 : rgb.info.channels } });
    // Without it, sharp writes a one-band image out as sRGB, three equal bands.
    if (channels === 1) resized.toColourspace('b-w');
    const { data, info } = await resized
      .resize(width, height, { fit: resize === 'pad' ? 'contain' : 'fill', background: BLACK, kernel: 'linear' })
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== channels || data.length !== height * width * channels) {
      throw new Error(`decoded to ${info.width}x${info.height}x${info.channels}, expected ${width}x${height}x${channels}`);
    }
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError({ file, path: '', ...describeFailure((err as Error).message) });
  }
}

function luma(rgb: Uint8Array, stride: number): Uint8Array {
  const gray = new Uint8Array(rgb.length / stride);
  for (let i = 0, o = 0; o < gray.length; i += stride, o++) gray[o] = Math.round(0.299 * rgb[i] + 0.587 * rgb[i + 1] + 0.114 * rgb[i + 2]);
  return gray;
}

function fromBmp(bytes: Uint8Array): Sharp {
  const image = decodeBmp(bytes);
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 } });
}

/** libvips' and the BMP decoder's messages, as a user reads them. */
function describeFailure(message: string): { message: string; hint?: string } {
  if (/unsupported image format/i.test(message)) return { message: 'not an image (PNG, JPEG, BMP, WebP or GIF expected)', hint: 'remove the file, or convert it' };
  if (/premature end|truncated|read error|unexpected end|not enough data|corrupt|invalid/i.test(message)) {
    return { message: `truncated or corrupted image (${message.trim()})`, hint: 'the file may be incomplete' };
  }
  return { message: `cannot decode image (${message.trim()})` };
}
