/**
 * A labelled grayscale image set kept as the raw bytes of its IDX files. Pixels stay uint8 until a
 * batch is made (normalised to [0, 1] then, the paper's eq. 1), so a dataset costs 1 byte a pixel and
 * can live in a SharedArrayBuffer that every worker of a pool reads without a copy.
 */
export type ImageShape = [height: number, width: number, channels: number];

export interface ImageSet {
  /** count × height × width × channels bytes, row-major (NHWC). */
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

export interface Dataset {
  name: string;
  imageShape: ImageShape;
  classes: number;
  /** The name of each class, by label: folder names, CSV label names, or "0", "1", … */
  classNames: string[];
  train: ImageSet;
  test: ImageSet;
}

export function imageSize(shape: ImageShape): number {
  return shape[0] * shape[1] * shape[2];
}

/** The first `limit` examples (the CLI's --train-limit / --test-limit), sharing the bytes. */
export function firstExamples(set: ImageSet, shape: ImageShape, limit: number | undefined): ImageSet {
  if (limit === undefined || limit >= set.count) return set;
  const size = imageSize(shape);
  return { images: set.images.subarray(0, limit * size), labels: set.labels.subarray(0, limit), count: limit };
}

/** Examples [start, end) as a view on the same bytes. */
export function rangeOf(set: ImageSet, shape: ImageShape, start: number, end: number): ImageSet {
  const size = imageSize(shape);
  return { images: set.images.subarray(start * size, end * size), labels: set.labels.subarray(start, end), count: end - start };
}

/**
 * Keras' validation_split: the last fraction of the training examples, taken before any shuffling.
 * Keras rounds the split point down: int(n * (1 - split)).
 */
/** How many of `count` examples stay for training when `fraction` goes to validation (Keras rounds the split point down). */
export function trainingCount(count: number, fraction: number): number {
  return Math.floor(count * (1 - fraction));
}

export function splitValidation(set: ImageSet, shape: ImageShape, fraction: number): { train: ImageSet; validation: ImageSet } {
  const trainCount = trainingCount(set.count, fraction);
  return { train: rangeOf(set, shape, 0, trainCount), validation: rangeOf(set, shape, trainCount, set.count) };
}

/** A copy of the dataset whose bytes live in SharedArrayBuffers, for posting to worker threads without copying. */
export function toShared(data: Dataset): Dataset {
  const share = (bytes: Uint8Array) => {
    if (bytes.buffer instanceof SharedArrayBuffer) return bytes;
    const shared = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
    shared.set(bytes);
    return shared;
  };
  const shareSet = (s: ImageSet): ImageSet => ({ images: share(s.images), labels: share(s.labels), count: s.count });
  return { ...data, train: shareSet(data.train), test: shareSet(data.test) };
}
