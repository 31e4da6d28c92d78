/**
 * A trained model as `predict` and `evaluate` open it: a `train` output folder or a sweep's best/
 * (model/ beside config.json), or a model/ folder alone. What it needs besides the weights comes
 * from beside them: the class names (model/classes.json; numbered for runs older than class names),
 * how its training images were resized and its loss (config.json, when there).
 */
import type * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { numberedClasses } from '../data/classes.js';
import type { ImageShape } from '../data/dataset.js';
import type { ResizeMode } from '../data/images.js';
import { InputError } from '../errors.js';
import { CLASSES_FILE, loadModel } from '../model/file-io.js';
import type { LossName } from './losses.js';
import { CONFIG_FILE } from './run-folder.js';

export interface TrainedModel {
  model: tf.LayersModel;
  /** The folder named on the command line. */
  dir: string;
  classNames: string[];
  imageShape: ImageShape;
  resize: ResizeMode;
  loss: LossName;
}

export async function openTrainedModel(dir: string): Promise<TrainedModel> {
  const modelDir = existsSync(join(dir, 'model', 'model.json')) ? join(dir, 'model') : dir;
  if (!existsSync(join(modelDir, 'model.json'))) {
    throw new InputError({ file: dir, path: '', message: existsSync(dir) ? 'holds no model (no model.json, nor model/model.json)' : 'does not exist', hint: 'name a train output folder or a sweep\'s best/' });
  }
  let model: tf.LayersModel;
  try {
    model = await loadModel(modelDir);
  } catch (err) {
    throw new InputError({ file: join(modelDir, 'model.json'), path: '', message: `cannot load the model (${(err as Error).message})` });
  }
  const input = model.inputs[0].shape.slice(1) as number[];
  const output = model.outputs[0].shape[model.outputs[0].shape.length - 1] as number;
  if (input.length !== 3 || input.some((d) => !d)) throw new InputError({ file: join(modelDir, 'model.json'), path: '', message: `takes inputs of shape [${input}], not images` });
  const classNames = await readClassNames(join(modelDir, CLASSES_FILE), output);
  // config.json sits beside model/ in a run folder; a model/ folder named alone has its run's above it.
  const configFile = [join(dir, CONFIG_FILE), basename(modelDir) === 'model' ? join(dirname(modelDir), CONFIG_FILE) : ''].find((f) => f && existsSync(f));
  const config = configFile ? (JSON.parse(await readFile(configFile, 'utf8')) as { loss?: LossName; dataset?: { resize?: ResizeMode } }) : {};
  return { model, dir, classNames, imageShape: input as ImageShape, resize: config.dataset?.resize ?? 'stretch', loss: config.loss ?? 'categorical_crossentropy' };
}

async function readClassNames(file: string, outputs: number): Promise<string[]> {
  if (!existsSync(file)) return numberedClasses(outputs);
  const names: unknown = JSON.parse(await readFile(file, 'utf8'));
  if (!Array.isArray(names) || names.length !== outputs || names.some((n) => typeof n !== 'string')) {
    throw new InputError({ file, path: '', message: `must list the model's ${outputs} class names` });
  }
  return names as string[];
}
