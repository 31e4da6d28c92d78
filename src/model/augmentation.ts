/**
 * Keras' random preprocessing layers (RandomRotation, RandomTranslation, RandomZoom, RandomFlip,
 * RandomContrast) as what they are in training: a transformation of each training batch, drawn
 * afresh for every image. They are identity at inference, so they are not part of the saved model;
 * they lead the layers list (the config check enforces it), which lets them run on the batch's
 * pixels before it becomes a tensor. There they need no gradient and cost a few milliseconds a
 * batch in plain JavaScript, the same on every backend, and draw from their own seeded generator:
 * the same seed gives the same run.
 *
 * Geometry follows Keras (tf.raw_ops.ImageProjectiveTransformV3): each output pixel samples the
 * input at the inverse-transformed point, pixel centres at integer coordinates, rotations and
 * zooms about the image centre, fill modes reflect (Keras' default), wrap, constant and nearest.
 * One departure: consecutive rotations, translations and zooms are composed and the image
 * resampled once, where Keras interpolates after each layer.
 */
import { AUGMENTATION_TYPES } from '../config/layer-kinds.js';
import type { Layer } from '../config/types.generated.js';
import { createRng as rng } from '../random.js';

type AugmentationLayer = Extract<Layer, { type: 'RandomRotation' | 'RandomTranslation' | 'RandomZoom' | 'RandomFlip' | 'RandomContrast' }>;

export function isAugmentation(layer: Layer): layer is AugmentationLayer {
  return AUGMENTATION_TYPES.has(layer.type);
}

/** Transforms `count` images in place: count × height × width × channels values in [0, 1]. */
export type Augmenter = (pixels: Float32Array, count: number) => void;

type Rng = () => number;
type FillMode = 'reflect' | 'wrap' | 'constant' | 'nearest';


/** Keras' reading of a factor: f is [-f, f], a pair is [lower, upper]. */
function range(factor: number | number[]): [number, number] {
  return typeof factor === 'number' ? [-factor, factor] : [factor[0], factor[1]];
}

function uniform(random: Rng, [lo, hi]: [number, number]): number {
  return lo + (hi - lo) * random();
}

/**
 * A coordinate outside [0, n - 1] brought back in as the fill mode says, as TensorFlow's
 * MapCoordinate does; constant mode leaves it out, and the pixels it would read take the fill value.
 */
function mapCoordinate(x: number, n: number, mode: FillMode): number {
  if ((x >= 0 && x <= n - 1) || mode === 'constant') return x;
  if (n <= 1) return 0;
  let y = x;
  if (mode === 'reflect') {
    const period = 2 * n;
    if (y < 0) {
      if (y < -period) y += period * Math.trunc(-y / period);
      y = y < -n ? y + period : -y - 1;
    } else {
      y -= period * Math.trunc(y / period);
      if (y >= n) y = period - y - 1;
    }
  } else if (mode === 'wrap') {
    y = y < 0 ? y + n * (Math.trunc(-y / (n - 1)) + 1) : y - n * Math.trunc(y / (n - 1));
  }
  return Math.min(n - 1, Math.max(0, y));
}

interface Sampling {
  fillMode: FillMode;
  fillValue: number;
  nearest: boolean;
}

/**
 * One geometric transformation of every image: `inverse(out)` gives, for each output pixel
 * (x, y), the input point it samples, as [a0, a1, a2, b0, b1, b2]: x' = a0 x + a1 y + a2, y' = b0 x + b1 y + b2.
 */
function warp(pixels: Float32Array, count: number, shape: [number, number, number], sampling: Sampling, inverse: () => number[]): void {
  const [h, w, c] = shape;
  const size = h * w * c;
  const source = new Float32Array(size);
  for (let i = 0; i < count; i++) {
    const [a0, a1, a2, b0, b1, b2] = inverse();
    const image = pixels.subarray(i * size, (i + 1) * size);
    source.set(image);
    // A pixel outside the image (only in constant mode, the others map every point in) reads the fill value.
    const read = (px: number, py: number, k: number) => (px < 0 || py < 0 || px >= w || py >= h ? sampling.fillValue : source[(py * w + px) * c + k]);
    const constant = sampling.fillMode === 'constant';
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let sx = a0 * x + a1 * y + a2;
        let sy = b0 * x + b1 * y + b2;
        if (!constant && (sx < 0 || sx > w - 1)) sx = mapCoordinate(sx, w, sampling.fillMode);
        if (!constant && (sy < 0 || sy > h - 1)) sy = mapCoordinate(sy, h, sampling.fillMode);
        const o = (y * w + x) * c;
        if (sampling.nearest) {
          const px = Math.round(sx);
          const py = Math.round(sy);
          for (let k = 0; k < c; k++) image[o + k] = read(px, py, k);
          continue;
        }
        const x0 = Math.floor(sx);
        const y0 = Math.floor(sy);
        const fx = sx - x0;
        const fy = sy - y0;
        if (x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h) {
          // Inside: the four neighbours without bounds checks (nearly every pixel; this loop is the cost of augmentation).
          const p = (y0 * w + x0) * c;
          const below = p + w * c;
          for (let k = 0; k < c; k++) {
            const top = source[p + k] + (source[p + c + k] - source[p + k]) * fx;
            const bottom = source[below + k] + (source[below + c + k] - source[below + k]) * fx;
            image[o + k] = top + (bottom - top) * fy;
          }
        } else {
          for (let k = 0; k < c; k++) {
            const top = read(x0, y0, k) * (1 - fx) + (fx === 0 ? 0 : read(x0 + 1, y0, k) * fx);
            const bottom = fy === 0 ? 0 : read(x0, y0 + 1, k) * (1 - fx) + (fx === 0 ? 0 : read(x0 + 1, y0 + 1, k) * fx);
            image[o + k] = top * (1 - fy) + bottom * fy;
          }
        }
      }
    }
  }
}

function samplingOf(layer: { fill_mode?: FillMode; fill_value?: number; interpolation?: 'bilinear' | 'nearest' }): Sampling {
  return { fillMode: layer.fill_mode ?? 'reflect', fillValue: layer.fill_value ?? 0, nearest: layer.interpolation === 'nearest' };
}

/** A geometric layer's draw for one image: the inverse affine map, [a0, a1, a2, b0, b1, b2]. */
type Draw = () => number[];

/** Output → input maps compose as matrices: `first` then `second` as layers is first ∘ second as maps. */
function compose(first: number[], second: number[]): number[] {
  const [a0, a1, a2, b0, b1, b2] = first;
  const [c0, c1, c2, d0, d1, d2] = second;
  return [a0 * c0 + a1 * d0, a0 * c1 + a1 * d1, a0 * c2 + a1 * d2 + a2, b0 * c0 + b1 * d0, b0 * c1 + b1 * d1, b0 * c2 + b1 * d2 + b2];
}

function geometricDraw(layer: Extract<AugmentationLayer, { type: 'RandomRotation' | 'RandomTranslation' | 'RandomZoom' }>, shape: [number, number, number], random: Rng): Draw {
  const [h, w] = shape;
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  switch (layer.type) {
    case 'RandomRotation': {
      const angles = range(layer.factor).map((f) => f * 2 * Math.PI) as [number, number];
      return () => {
        // Counter-clockwise by the angle on screen (y down): the inverse turns the output point back.
        const t = uniform(random, angles);
        const cos = Math.cos(t);
        const sin = Math.sin(t);
        return [cos, -sin, cx - cos * cx + sin * cy, sin, cos, cy - sin * cx - cos * cy];
      };
    }
    case 'RandomTranslation': {
      const dy = range(layer.height_factor);
      const dx = range(layer.width_factor);
      return () => {
        const ty = uniform(random, dy) * h;
        const tx = uniform(random, dx) * w;
        return [1, 0, -tx, 0, 1, -ty];
      };
    }
    case 'RandomZoom': {
      const zy = range(layer.height_factor);
      const zx = layer.width_factor === undefined ? undefined : range(layer.width_factor);
      return () => {
        const sy = 1 + uniform(random, zy);
        const sx = zx === undefined ? sy : 1 + uniform(random, zx);
        return [sx, 0, cx - sx * cx, 0, sy, cy - sy * cy];
      };
    }
  }
}

function flipAugmenter(layer: Extract<AugmentationLayer, { type: 'RandomFlip' }>, shape: [number, number, number], random: Rng): Augmenter {
  const [h, w] = shape;
  const mode = layer.mode ?? 'horizontal_and_vertical';
  const horizontal = mode !== 'vertical';
  const vertical = mode !== 'horizontal';
  const exact: Sampling = { fillMode: 'nearest', fillValue: 0, nearest: true };
  return (pixels, count) =>
    warp(pixels, count, shape, exact, () => {
      const fx = horizontal && random() < 0.5;
      const fy = vertical && random() < 0.5;
      return [fx ? -1 : 1, 0, fx ? w - 1 : 0, 0, fy ? -1 : 1, fy ? h - 1 : 0];
    });
}

function contrastAugmenter(layer: Extract<AugmentationLayer, { type: 'RandomContrast' }>, shape: [number, number, number], random: Rng): Augmenter {
  const [h, w, c] = shape;
  const [lower, upper] = typeof layer.factor === 'number' ? [layer.factor, layer.factor] : layer.factor;
  const size = h * w * c;
  return (pixels, count) => {
    for (let i = 0; i < count; i++) {
      const factor = uniform(random, [1 - lower, 1 + upper]);
      const image = pixels.subarray(i * size, (i + 1) * size);
      for (let k = 0; k < c; k++) {
        let mean = 0;
        for (let p = k; p < size; p += c) mean += image[p];
        mean /= h * w;
        for (let p = k; p < size; p += c) image[p] = Math.min(1, Math.max(0, (image[p] - mean) * factor + mean));
      }
    }
  };
}

/**
 * The training-batch transformation of a config's augmentation layers, in their order, or
 * undefined when it has none. Each layer draws from its own generator: its `seed`, or one derived
 * from the run's seed and its position.
 */
export function createAugmenter(layers: Layer[], shape: [number, number, number], seed: number): Augmenter | undefined {
  const steps: Augmenter[] = [];
  // Consecutive rotations, translations and zooms that sample alike are one resampling of their
  // composed maps: each layer still draws its own parameters, and an image is interpolated once,
  // not once a layer (less blur, and the cost of one layer).
  let group: { sampling: Sampling; key: string; draws: Draw[] } | undefined;
  const close = () => {
    if (!group) return;
    const { sampling, draws } = group;
    steps.push((pixels, count) => warp(pixels, count, shape, sampling, () => draws.map((draw) => draw()).reduce(compose)));
    group = undefined;
  };
  layers.forEach((layer, i) => {
    if (!isAugmentation(layer)) return;
    const random = rng(layer.seed ?? (seed ^ Math.imul(0x9e3779b1, i + 1)) >>> 0);
    if (layer.type === 'RandomRotation' || layer.type === 'RandomTranslation' || layer.type === 'RandomZoom') {
      const sampling = samplingOf(layer);
      const key = JSON.stringify(sampling);
      if (group?.key !== key) close();
      group ??= { sampling, key, draws: [] };
      group.draws.push(geometricDraw(layer, shape, random));
      return;
    }
    close();
    steps.push(layer.type === 'RandomFlip' ? flipAugmenter(layer, shape, random) : contrastAugmenter(layer, shape, random));
  });
  close();
  if (steps.length === 0) return undefined;
  return (pixels, count) => {
    for (const step of steps) step(pixels, count);
  };
}
