/** Config layers → a tf.Sequential model, the paper's Fig. 3 without its getattr. */
import * as tf from '@tensorflow/tfjs';
import type { Layer } from '../config/types.generated.js';
import { isAugmentation } from './augmentation.js';
import { createLayer, KERAS_BASE_NAME } from './layers.js';

/** Unique Keras-style names: the user's where given, else conv2d, conv2d_1, … skipping names taken. */
export function layerNames(layers: Layer[]): string[] {
  const taken = new Set(layers.flatMap((l) => (l.name ? [l.name] : [])));
  const used = new Map<string, number>();
  return layers.map((layer) => {
    if (layer.name) return layer.name;
    const base = KERAS_BASE_NAME[layer.type];
    for (;;) {
      const n = used.get(base) ?? 0;
      used.set(base, n + 1);
      const candidate = n === 0 ? base : `${base}_${n}`;
      if (!taken.has(candidate)) {
        taken.add(candidate);
        return candidate;
      }
    }
  });
}

/**
 * A Reshape's -1 made a number: tfjs leaves it unknown in the static shape, and a recurrent layer
 * after it cannot build its weights without the feature count.
 */
function withKnownTarget(layer: Layer, input: number[]): Layer {
  if (layer.type !== 'Reshape' || !layer.target_shape.includes(-1)) return layer;
  const total = input.reduce((a, b) => a * b, 1);
  const known = layer.target_shape.reduce((a, d) => (d === -1 ? a : a * d), 1);
  return { ...layer, target_shape: layer.target_shape.map((d) => (d === -1 ? total / known : d)) as typeof layer.target_shape };
}

/**
 * Builds the model. Initial weights come from tfjs' initialisers, which draw from Math.random, so a
 * caller that wants them reproducible builds inside withSeededRandom (train/seeded-random.ts).
 */
export function buildModel(layers: Layer[], inputShape: number[]): tf.Sequential {
  // Augmentation layers are identity at inference and transform training batches before the model sees them.
  const modelLayers = layers.filter((layer) => !isAugmentation(layer));
  const names = layerNames(modelLayers);
  const model = tf.sequential();
  modelLayers.forEach((layer, i) => {
    const input = i === 0 ? inputShape : (model.outputs[0].shape.slice(1) as number[]);
    model.add(createLayer(withKnownTarget(layer, input), names[i], i === 0 ? inputShape : undefined));
  });
  // A Sequential builds its inner graph lazily, and until then calculateLosses() returns no
  // regularisation penalties at all; built now, the model is complete whatever is called first.
  model.build();
  return model;
}
