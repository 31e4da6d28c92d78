/** Kinds of layers that the config check, the model builder and the trainer each treat apart. */
import type { Layer } from './types.generated.js';

/** Keras' random preprocessing layers: training-batch transformations, not part of the model (model/augmentation.ts). */
export const AUGMENTATION_TYPES: ReadonlySet<Layer['type']> = new Set<Layer['type']>(['RandomRotation', 'RandomTranslation', 'RandomZoom', 'RandomFlip', 'RandomContrast']);
