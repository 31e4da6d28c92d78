/** Sweep files for the sweep tests: written to a temporary folder, with a tiny inline net that trains in about a second. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot, tempDir } from '../helpers.js';

export const mnistSmall = join(repoRoot, 'configs', 'mnist-small.json');

/**
 * Conv2D(4) → pool → flatten → dropout → Dense(10): small enough for a few hundred images in about a
 * second. The L2 penalty makes a diverging run fail loudly: an absurd learning rate overflows it to
 * Infinity (the cross-entropy alone is clipped and stays finite).
 */
export function tinyNet(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'tiny',
    layers: [
      { type: 'Conv2D', filters: 4, kernel_size: 3, activation: 'relu', input_shape: [28, 28, 1] },
      { type: 'MaxPooling2D', pool_size: 2 },
      { type: 'Flatten' },
      { type: 'Dropout', rate: 0.1 },
      { type: 'Dense', units: 10, activation: 'softmax', kernel_regularizer: { l2: 0.001 } },
    ],
    optimizer: 'Adam',
    learning_rate: 0.01,
    epochs: 1,
    batch_size: 32,
    ...extra,
  };
}

/** A sweep on the tiny net over a slice of MNIST: 1 epoch, `train` training and `test` test images. */
export function tinySweep(grid: Record<string, unknown[]>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'tiny-sweep', base: tinyNet(), grid, epochs: 1, train_limit: 240, test_limit: 100, ...extra };
}

export async function writeSweep(sweep: unknown, name = 'sweep.json', dir?: string): Promise<string> {
  const folder = dir ?? (await tempDir('convsweep-sweep-'));
  const file = join(folder, name);
  await writeFile(file, typeof sweep === 'string' ? sweep : JSON.stringify(sweep, null, 2));
  return file;
}
