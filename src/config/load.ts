/**
 * A config file → a ResolvedConfig: parsed, checked against config.schema.json with its defaults
 * filled in, then checked for what the schema cannot say (input_shape placement, unique layer names,
 * layer output shapes). Every problem is reported at once, one line each:
 * `configs/x.json: /layers/2/type: unknown layer type "Conv2d" (did you mean "Conv2D"?)`.
 */
import { Ajv, type ErrorObject } from 'ajv';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { InputError, type Problem } from '../errors.js';
import { AUGMENTATION_TYPES } from './layer-kinds.js';
import { closest } from './suggest.js';
import type { IntOrPair, Layer, ModelConfig } from './types.generated.js';

type Defaulted = 'optimizer' | 'learning_rate' | 'epochs' | 'batch_size' | 'loss' | 'metrics' | 'validation_split' | 'callbacks' | 'dataset';

/** A config that passed validateConfig: every setting with a schema default is present. The trainer fills in seed. */
export type ResolvedConfig = ModelConfig & Required<Pick<ModelConfig, Defaulted>>;

/** The parts of a JSON Schema this module reads. */
interface Schema {
  $ref?: string;
  title?: string;
  description?: string;
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  oneOf?: Schema[];
  discriminator?: { propertyName: string };
  const?: unknown;
  enum?: unknown[];
  definitions?: Record<string, Schema>;
  minItems?: number;
  maxItems?: number;
}

type Found = Omit<Problem, 'file'>;

const schema: Schema = JSON.parse(await readFile(new URL('../../../src/config/schema/config.schema.json', import.meta.url), 'utf8'));
// verbose: each error carries the schema it comes from, which is how the noise of a failed oneOf is sorted out below.
const validateSchema = new Ajv({ allErrors: true, useDefaults: true, discriminator: true, verbose: true }).compile<ModelConfig>(schema);

export function parseConfigText(text: string, file: string): unknown {
  // Some editors start a file with a byte-order mark, which JSON.parse rejects.
  const json = text.startsWith('\uFEFF') ? text.slice(1) : text;
  try {
    return JSON.parse(json);
  } catch (err) {
    const stop = findSyntaxError(json);
    if (!stop) throw new InputError({ file, path: '', message: `invalid JSON: ${(err as Error).message}` });
    const before = json.slice(0, stop.offset);
    const lines = before.split('\n');
    const found = stop.offset < json.length ? JSON.stringify(json[stop.offset]) : 'the end of the file';
    const trailingComma = /,\s*$/.test(before) && /[}\]]/.test(json[stop.offset] ?? '');
    throw new InputError({
      file,
      path: '',
      message: `invalid JSON at line ${lines.length}, column ${lines[lines.length - 1].length + 1}: expected ${stop.expected}, found ${found}`,
      hint: trailingComma ? 'JSON allows no comma before } or ]' : undefined,
    });
  }
}

export function validateConfig(raw: unknown, file: string): ResolvedConfig {
  // Ajv fills defaults in place; the caller's object stays as written.
  const config = structuredClone(raw);
  if (!validateSchema(config)) throw new InputError(schemaProblems(validateSchema.errors ?? [], config).map((p) => ({ file, ...p })));
  const problems = semanticProblems(config as ResolvedConfig);
  if (problems.length > 0) throw new InputError(problems.map((p) => ({ file, ...p })));
  return withDecodedShape(config as ResolvedConfig);
}

/**
 * Folder and CSV datasets are decoded to the model's input: the entry records that shape, so that
 * it alone (a trial's config.json, the dataset a sweep loads) says what the images become.
 */
function withDecodedShape(config: ResolvedConfig): ResolvedConfig {
  const { dataset } = config;
  if (!('format' in dataset) || dataset.format === 'idx' || dataset.image_shape !== undefined) return config;
  return { ...config, dataset: { ...dataset, image_shape: [...config.layers[0].input_shape!] as [number, number, number] } };
}

export async function loadConfigFile(path: string): Promise<{ config: ResolvedConfig; file: string; dir: string }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError({ file: path, path: '', message: 'cannot read file', hint: code ?? (err as Error).message });
  }
  return { config: validateConfig(parseConfigText(text, path), path), file: path, dir: dirname(resolve(path)) };
}

export function checkAgainstDataset(config: ResolvedConfig, file: string, data: { imageShape: [number, number, number]; classes: number }): void {
  const problems: Problem[] = [];
  const input = config.layers[0].input_shape!;
  if (input.join() !== data.imageShape.join()) {
    problems.push({ file, path: '/layers/0/input_shape', message: `${list(input)} does not match the dataset's images ${list(data.imageShape)}`, hint: `use ${list(data.imageShape)}` });
  }
  const shapes = outputShapes(config);
  const width = shapes[shapes.length - 1][0];
  if (width !== data.classes) {
    // The output width is set by the last layer that is not shape-preserving: normally the final Dense.
    let last = config.layers.length - 1;
    while (last > 0 && SHAPE_PRESERVING.has(config.layers[last].type)) last--;
    problems.push(
      config.layers[last].type === 'Dense'
        ? { file, path: `/layers/${last}/units`, message: `${width} output units, but the dataset has ${data.classes} classes`, hint: `set units to ${data.classes}` }
        : {
            file,
            path: `/layers/${last}`,
            message: `the model outputs ${width} values per example, but the dataset has ${data.classes} classes`,
            hint: `end with a Dense layer of ${data.classes} units`,
          },
    );
  }
  if (problems.length > 0) throw new InputError(problems);
}

/** Each layer's output shape without the batch dimension, e.g. [26, 26, 32] or [10], for a config that passed validateConfig. */
export function outputShapes(config: Pick<ModelConfig, 'layers'>): number[][] {
  const input = config.layers[0].input_shape;
  if (!input) throw new Error('outputShapes: the first layer has no input_shape; validate the config first');
  const walk = walkShapes(config.layers, input);
  if (walk.problem) throw new Error(`outputShapes: ${walk.problem.message}; validate the config first`);
  return walk.shapes;
}

// ---- Schema errors → problems ----

function schemaProblems(errors: ErrorObject[], data: unknown): Found[] {
  const explained = explainedOneOfNoise(errors, data);
  // A misspelt required key ("filter") is reported as unknown, not also as a missing "filters".
  const misspelt = new Set(errors.flatMap((e) => misspeltKeyPath(e) ?? []));
  const problems: Found[] = [];
  // One problem per place: a wrong type also fails that value's enum, a missing layer type its discriminator.
  const paths = new Set<string>();
  for (const error of errors) {
    if (explained.has(error)) continue;
    const problem = error.keyword === 'oneOf' ? oneOfProblem(error, errors, explained) : problemFor(error);
    if (!problem || paths.has(problem.path) || (error.keyword === 'required' && misspelt.has(problem.path))) continue;
    paths.add(problem.path);
    problems.push(problem);
  }
  return problems;
}

/** For an unknown key, where the key it is likely a misspelling of would be. */
function misspeltKeyPath(error: ErrorObject): string | undefined {
  if (error.keyword !== 'additionalProperties') return undefined;
  const near = closest(error.params.additionalProperty as string, allowedKeys(error));
  return near === undefined ? undefined : `${error.instancePath}/${escapePointer(near)}`;
}

function allowedKeys(error: ErrorObject): string[] {
  return Object.keys((error.parentSchema as Schema).properties ?? {});
}

/**
 * When no branch of a oneOf matches, ajv reports the errors of every branch. Keep those of the branch
 * the user meant, judged from the value (its JSON type, then which branch knows most of its keys):
 * `{"l3": 1}` is a misspelt `{"l2": …}`, not a serialized regularizer missing class_name.
 * Returns the errors of the other branches.
 */
function explainedOneOfNoise(errors: ErrorObject[], data: unknown): Set<ErrorObject> {
  const noise = new Set<ErrorObject>();
  for (const oneOf of errors.filter((e) => e.keyword === 'oneOf')) {
    const branches = oneOf.schema as Schema[];
    const meant = intendedBranch(branches, valueAt(data, oneOf.instancePath));
    for (const error of errors) {
      if (error === oneOf || !isUnder(error.instancePath, oneOf.instancePath)) continue;
      const depth = depthOf(error.instancePath) - depthOf(oneOf.instancePath);
      const fromMeant = meant !== undefined && reaches(meant, error.parentSchema, depth);
      if (!fromMeant && branches.some((b) => reaches(b, error.parentSchema, depth))) noise.add(error);
    }
  }
  return noise;
}

function intendedBranch(branches: Schema[], value: unknown): Schema | undefined {
  const known = (b: Schema) => (isObject(value) ? Object.keys(value).filter((k) => Object.hasOwn(resolveRef(b).properties ?? {}, k)).length : 0);
  return branches.filter((b) => typeFits(resolveRef(b).type, value)).reduce<Schema | undefined>((best, b) => (best === undefined || known(b) > known(best) ? b : best), undefined);
}

/** The failed oneOf itself is a problem only when none of its branches' errors was kept to explain it. */
function oneOfProblem(oneOf: ErrorObject, errors: ErrorObject[], explained: Set<ErrorObject>): Found | undefined {
  const explainedInside = errors.some((e) => e !== oneOf && !explained.has(e) && isUnder(e.instancePath, oneOf.instancePath));
  if (explainedInside) return undefined;
  const forms = [...new Set((oneOf.schema as Schema[]).map(describe))];
  return { path: oneOf.instancePath, message: `must be ${forms.join(' or ')}, got ${shortJson(oneOf.data)}`, hint: (oneOf.parentSchema as Schema).description };
}

function problemFor(error: ErrorObject): Found {
  const params = error.params as Record<string, unknown>;
  const parent = error.parentSchema as Schema;
  const at = error.instancePath;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = params.additionalProperty as string;
      const allowed = allowedKeys(error);
      const near = closest(key, allowed);
      const hint = near !== undefined ? `did you mean ${JSON.stringify(near)}?` : (siblingHint(parent, key) ?? `allowed keys: ${allowed.join(', ')}`);
      return { path: `${at}/${escapePointer(key)}`, message: `unknown key ${JSON.stringify(key)}`, hint };
    }
    case 'required': {
      const key = params.missingProperty as string;
      const tags = parent.discriminator?.propertyName === key ? discriminatorTags(parent) : undefined;
      return { path: `${at}/${escapePointer(key)}`, message: `missing required key ${JSON.stringify(key)}`, hint: tags && `one of: ${tags.join(', ')}` };
    }
    case 'discriminator': {
      const tag = params.tag as string;
      const kind = kindOf(parent);
      const tags = discriminatorTags(parent);
      const path = `${at}/${escapePointer(tag)}`;
      if (params.error === 'mapping') {
        const value = params.tagValue as string;
        return { path, message: `unknown ${kind} type ${JSON.stringify(value)}`, hint: suggestion(value, tags, 'one of') };
      }
      return { path, message: `must be a string naming the ${kind} type, got ${shortJson(params.tagValue)}`, hint: `one of: ${tags.join(', ')}` };
    }
    case 'enum': {
      const allowed = params.allowedValues as unknown[];
      const value = error.data;
      const hint = typeof value === 'string' ? suggestion(value, allowed.map(String), 'one of') : `one of: ${allowed.join(', ')}`;
      // A titled enum names what it lists: `unknown optimizer "Adamm"`.
      return { path: at, message: `unknown ${parent.title ? kindOf(parent) : 'value'} ${shortJson(value)}`, hint };
    }
    case 'const':
      return { path: at, message: `must be ${JSON.stringify(params.allowedValue)}, got ${shortJson(error.data)}` };
    case 'type':
      return { path: at, message: `must be ${describe({ type: params.type as string })}, got ${shortJson(error.data)}` };
    case 'minItems':
    case 'maxItems': {
      const count = parent.minItems === parent.maxItems ? `exactly ${parent.minItems}` : `${error.keyword === 'minItems' ? 'at least' : 'at most'} ${params.limit as number}`;
      return { path: at, message: `must have ${count} item${params.limit === 1 ? '' : 's'}, got ${(error.data as unknown[]).length}` };
    }
    case 'minProperties':
      return { path: at, message: 'must not be empty', hint: `set at least one of: ${Object.keys(parent.properties ?? {}).join(', ')}` };
    default:
      return { path: at, message: `${error.message ?? error.keyword}, got ${shortJson(error.data)}` };
  }
}

function suggestion(word: string, candidates: string[], listLabel: string): string {
  const near = closest(word, candidates);
  return near !== undefined ? `did you mean ${JSON.stringify(near)}?` : `${listLabel}: ${candidates.join(', ')}`;
}

/** The values a discriminated schema takes for its tag, one per branch: the layer, callback and optimizer types. */
function discriminatorTags(s: Schema): string[] {
  return (s.oneOf ?? []).map((branch) => branchTag(s, resolveRef(branch)));
}

/** A branch's tag value: its const, or the first of its enum (the optimizers also take a lower-case "adam"). */
function branchTag(union: Schema, branch: Schema): string {
  const tag = branch.properties?.[union.discriminator!.propertyName];
  return String(tag?.const ?? tag?.enum?.[0]);
}

/** What a discriminated union is a union of, for messages: "layer", "callback", "optimizer" (from OptimizerSettings). */
function kindOf(union: Schema): string {
  return (union.title ?? '').replace(/(?<=.)[A-Z].*/, '').toLowerCase();
}

/** Each branch of a discriminated union (a layer type, an optimizer type) → the union. */
const unionOfBranch = new Map<Schema, Schema>(
  Object.values(schema.definitions ?? {}).flatMap((union) => (union.discriminator ? (union.oneOf ?? []).map((branch): [Schema, Schema] => [resolveRef(branch), union]) : [])),
);

/**
 * For an unknown key that is a setting of another branch of the same union, e.g. momentum on Adam:
 * "Adam takes beta_1, beta_2, epsilon; momentum is for SGD, RMSprop". Undefined otherwise.
 */
function siblingHint(branch: Schema, key: string): string | undefined {
  const union = unionOfBranch.get(branch);
  if (!union) return undefined;
  const tagKey = union.discriminator!.propertyName;
  const owners = (union.oneOf ?? []).map(resolveRef).filter((b) => b !== branch && Object.hasOwn(b.properties ?? {}, key));
  if (owners.length === 0) return undefined;
  const own = Object.keys(branch.properties ?? {}).filter((k) => k !== tagKey);
  const takes = own.length > 0 ? `takes ${own.join(', ')}` : 'takes no settings';
  return `${branchTag(union, branch)} ${takes}; ${key} is for ${owners.map((b) => branchTag(union, b)).join(', ')}`;
}

/** Whether `target` is `from`, or a part of it that applies `depth` levels further into the value. */
function reaches(from: Schema, target: unknown, depth: number): boolean {
  const s = resolveRef(from);
  if (depth === 0 && s === target) return true;
  if (s.oneOf?.some((branch) => reaches(branch, target, depth))) return true;
  if (depth === 0) return false;
  const children = [...Object.values(s.properties ?? {}), ...(s.items ? [s.items] : [])];
  return children.some((child) => reaches(child, target, depth - 1));
}

/** Follows local references ("#/definitions/Layer") within config.schema.json. */
function resolveRef(s: Schema): Schema {
  if (s.$ref === undefined) return s;
  const keys = s.$ref.slice(2).split('/').map(unescapePointer);
  return resolveRef(keys.reduce<Record<string, unknown>>((node, key) => node[key] as Record<string, unknown>, schema as Record<string, unknown>) as Schema);
}

const TYPE_WORDS: Record<string, string> = {
  integer: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
};

/** "an integer", "a list of 2 integers": what a schema's values look like, for messages. */
function describe(branch: Schema): string {
  const s = resolveRef(branch);
  const itemType = s.items && resolveRef(s.items).type;
  if (s.type === 'array' && s.minItems !== undefined && s.minItems === s.maxItems && itemType) return `a list of ${s.minItems} ${itemType}s`;
  return (s.type && TYPE_WORDS[s.type]) ?? 'a different value';
}

function typeFits(type: string | undefined, value: unknown): boolean {
  switch (type) {
    case undefined:
      return true;
    case 'integer':
    case 'number':
      return typeof value === 'number';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isObject(value);
    default:
      return typeof value === type;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value a JSON pointer names, reading own properties only. */
function valueAt(data: unknown, pointer: string): unknown {
  let node = data;
  for (const key of pointer.split('/').slice(1).map(unescapePointer)) {
    node = typeof node === 'object' && node !== null && Object.hasOwn(node, key) ? (node as Record<string, unknown>)[key] : undefined;
  }
  return node;
}

function isUnder(pointer: string, parent: string): boolean {
  return pointer === parent || pointer.startsWith(`${parent}/`);
}

function depthOf(pointer: string): number {
  return pointer === '' ? 0 : pointer.split('/').length - 1;
}

function escapePointer(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

function unescapePointer(key: string): string {
  return key.replaceAll('~1', '/').replaceAll('~0', '~');
}

/** A value for a message: scalars as JSON, containers by kind, so a message stays one short line. */
function shortJson(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (isObject(value)) return 'an object';
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

// ---- What the schema cannot say ----

function semanticProblems(config: ResolvedConfig): Found[] {
  const problems: Found[] = [];
  const { layers } = config;
  if (layers[0].input_shape === undefined) {
    problems.push({ path: '/layers/0/input_shape', message: 'the first layer needs input_shape, the [height, width, channels] of one image', hint: 'e.g. [28, 28, 1]' });
  }
  layers.forEach((layer, i) => {
    if (i > 0 && layer.input_shape !== undefined) problems.push({ path: `/layers/${i}/input_shape`, message: 'only the first layer takes input_shape', hint: 'remove it' });
  });
  // They transform the training images before the model (model/augmentation.ts), so they come first.
  const firstModelLayer = layers.findIndex((layer) => !AUGMENTATION_TYPES.has(layer.type));
  layers.forEach((layer, i) => {
    if (firstModelLayer >= 0 && i > firstModelLayer && AUGMENTATION_TYPES.has(layer.type)) {
      problems.push({ path: `/layers/${i}`, message: `${layer.type} must come before every other layer (it transforms the training images)`, hint: `move it before /layers/${firstModelLayer} (${layers[firstModelLayer].type})` });
    }
  });
  const firstUse = new Map<string, number>();
  layers.forEach((layer, i) => {
    if (layer.name === undefined) return;
    const first = firstUse.get(layer.name);
    if (first === undefined) firstUse.set(layer.name, i);
    else problems.push({ path: `/layers/${i}/name`, message: `duplicate layer name ${JSON.stringify(layer.name)}`, hint: `also the name of /layers/${first}` });
  });
  if (layers[0].input_shape !== undefined) {
    const walk = walkShapes(layers, layers[0].input_shape);
    if (walk.problem) {
      problems.push(walk.problem);
    } else {
      const output = walk.shapes[walk.shapes.length - 1];
      if (output.length !== 1) {
        problems.push({
          path: `/layers/${layers.length - 1}`,
          message: `the model outputs ${output.join('x')} per example, but must output a flat vector of class scores`,
          hint: 'add a Flatten (or GlobalAveragePooling2D) layer before the Dense layers',
        });
      }
    }
  }
  return problems;
}

/** Layers whose output has the shape of their input. */
const SHAPE_PRESERVING = new Set<Layer['type']>(['BatchNormalization', 'Activation', 'Dropout', 'Rescaling', 'LeakyReLU', 'ReLU', ...AUGMENTATION_TYPES]);

/** Output shapes layer by layer, stopping at the first layer that cannot take its input. */
function walkShapes(layers: Layer[], input: number[]): { shapes: number[][]; problem?: Found } {
  const shapes: number[][] = [];
  let shape = input;
  for (const [i, layer] of layers.entries()) {
    const next = layerOutput(layer, shape);
    if (!Array.isArray(next)) return { shapes, problem: { path: `/layers/${i}`, ...next } };
    shapes.push(next);
    shape = next;
  }
  return { shapes };
}

type Refusal = { message: string; hint?: string };

/** One layer's output shape as Keras computes it, or why it has none. */
function layerOutput(layer: Layer, input: number[]): number[] | Refusal {
  switch (layer.type) {
    case 'Conv2D': {
      if (input.length !== 3) return needsImage(layer.type, input);
      const out = slide(layer.type, input, 'kernel', pair(layer.kernel_size), pair(layer.strides ?? 1), [1, 1], layer.padding ?? 'valid');
      return Array.isArray(out) ? [...out, layer.filters] : out;
    }
    case 'DepthwiseConv2D':
    case 'SeparableConv2D': {
      if (input.length !== 3) return needsImage(layer.type, input);
      const out = slide(layer.type, input, 'kernel', pair(layer.kernel_size), pair(layer.strides ?? 1), [1, 1], layer.padding ?? 'valid');
      const channels = layer.type === 'SeparableConv2D' ? layer.filters : input[2] * (layer.depth_multiplier ?? 1);
      return Array.isArray(out) ? [...out, channels] : out;
    }
    case 'SpatialDropout2D':
      return input.length === 3 ? input : needsImage(layer.type, input);
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      if (input.length !== 3) return needsImage(layer.type, input);
      const pool = pair(layer.pool_size ?? 2);
      const out = slide(layer.type, input, 'pool', pool, pair(layer.strides ?? pool), pool, layer.padding ?? 'valid');
      return Array.isArray(out) ? [...out, input[2]] : out;
    }
    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling2D':
      return input.length === 3 ? [input[2]] : needsImage(layer.type, input);
    case 'Flatten':
      // tfjs' Flatten wants at least two dimensions besides the batch.
      return input.length >= 2 ? [input.reduce((a, b) => a * b, 1)] : { message: `Flatten needs a multi-dimensional input, but gets [${input}]`, hint: 'remove it' };
    case 'Dense':
      // Keras applies Dense to the last axis, so Dense on an image is legal and keeps its height and width.
      return [...input.slice(0, -1), layer.units];
    case 'BatchNormalization':
    case 'Activation':
    case 'Dropout':
    case 'Rescaling':
    case 'LeakyReLU':
    case 'ReLU':
      return input;
    case 'Reshape':
      return reshaped(input, layer.target_shape);
    case 'ZeroPadding2D': {
      if (input.length !== 3) return needsImage(layer.type, input);
      const p = layer.padding ?? 1;
      const [[top, bottom], [left, right]] = typeof p === 'number' ? [[p, p], [p, p]] : typeof p[0] === 'number' ? [[p[0], p[0]], [p[1] as number, p[1] as number]] : (p as number[][]);
      return [input[0] + top + bottom, input[1] + left + right, input[2]];
    }
    case 'LSTM':
    case 'GRU':
      if (input.length !== 2) {
        return { message: `${layer.type} needs a [time steps, features] input, but gets [${input}]`, hint: input.length === 3 ? `put a Reshape with target_shape [${input[0]}, ${input[1] * input[2]}] before it (rows as time steps)` : undefined };
      }
      return layer.return_sequences ? [input[0], layer.units] : [layer.units];
    case 'RandomRotation':
    case 'RandomTranslation':
    case 'RandomZoom':
    case 'RandomFlip':
    case 'RandomContrast':
      return input.length === 3 ? input : needsImage(layer.type, input);
  }
}

/**
 * Height and width after a sliding window (Keras' conv_output_length): ceil((n - size + 1) / stride)
 * with valid padding, ceil(n / stride) with same. Strides are named in a message only when not the default.
 */
function slide(
  type: string,
  input: number[],
  label: 'kernel' | 'pool',
  size: [number, number],
  strides: [number, number],
  defaultStrides: [number, number],
  padding: 'valid' | 'same',
): [number, number] | Refusal {
  const [h, w] = [0, 1].map((axis) => Math.ceil((padding === 'same' ? input[axis] : input[axis] - size[axis] + 1) / strides[axis]));
  if (h >= 1 && w >= 1) return [h, w];
  const stridesNote = strides.join() === defaultStrides.join() ? '' : `, strides ${pairText(strides)}`;
  return { message: `${type} output would be ${h}x${w} (input ${input[0]}x${input[1]}, ${label} ${pairText(size)}${stridesNote}, ${padding} padding)` };
}

/** Keras' Reshape: the same number of values, one entry of -1 inferred. */
function reshaped(input: number[], target: number[]): number[] | Refusal {
  const total = input.reduce((a, b) => a * b, 1);
  const unknown = target.filter((d) => d === -1).length;
  const known = target.reduce((a, d) => (d === -1 ? a : a * d), 1);
  if (unknown > 1) return { message: 'target_shape may have one -1 entry at most' };
  if (unknown === 1 ? total % known !== 0 : known !== total) {
    return { message: `cannot reshape [${input}] (${total} values) to [${target}]`, hint: unknown === 0 ? `the entries must multiply to ${total}` : undefined };
  }
  return target.map((d) => (d === -1 ? total / known : d));
}

function needsImage(type: string, input: number[]): Refusal {
  return { message: `${type} needs an image-shaped input (height, width, channels), but gets [${input}]`, hint: 'move it before Flatten' };
}

function pair(value: IntOrPair): [number, number] {
  return typeof value === 'number' ? [value, value] : value;
}

function pairText([a, b]: [number, number]): string {
  return a === b ? `${a}` : `${a}x${b}`;
}

function list(values: number[]): string {
  return `[${values.join(', ')}]`;
}

// ---- JSON syntax errors ----

class SyntaxStop {
  constructor(
    readonly offset: number,
    readonly expected: string,
  ) {}
}

/**
 * Where JSON.parse gave up and what it wanted there. V8's messages do not always carry a position
 * ("Unexpected token '}', … is not valid JSON"), so a small scanner of JSON's grammar finds it.
 */
function findSyntaxError(text: string): SyntaxStop | undefined {
  let pos = 0;
  function fail(expected: string): never {
    throw new SyntaxStop(pos, expected);
  }
  function skipSpace(): void {
    while (pos < text.length && ' \t\n\r'.includes(text[pos])) pos++;
  }
  function expectChar(ch: string, expected: string): void {
    if (text[pos] !== ch) fail(expected);
    pos++;
  }
  function matchAt(pattern: RegExp): boolean {
    const sticky = new RegExp(pattern.source, 'y');
    sticky.lastIndex = pos;
    if (!sticky.test(text)) return false;
    pos = sticky.lastIndex;
    return true;
  }
  function value(): void {
    skipSpace();
    if (text[pos] === '{') return object();
    if (text[pos] === '[') return array();
    if (text[pos] === '"') return string();
    if (!matchAt(/true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/)) fail('a value');
  }
  function object(): void {
    pos++;
    skipSpace();
    if (text[pos] === '}') {
      pos++;
      return;
    }
    for (;;) {
      skipSpace();
      if (text[pos] !== '"') fail('a double-quoted key');
      string();
      skipSpace();
      expectChar(':', "':' after the key");
      value();
      skipSpace();
      if (text[pos] === '}') {
        pos++;
        return;
      }
      expectChar(',', "',' or '}'");
    }
  }
  function array(): void {
    pos++;
    skipSpace();
    if (text[pos] === ']') {
      pos++;
      return;
    }
    for (;;) {
      value();
      skipSpace();
      if (text[pos] === ']') {
        pos++;
        return;
      }
      expectChar(',', "',' or ']'");
    }
  }
  function string(): void {
    pos++;
    for (;;) {
      const ch = text[pos];
      if (ch === '"') {
        pos++;
        return;
      }
      if (ch === undefined || ch < ' ') fail('a closing quote');
      if (ch !== '\\') pos++;
      else if (!matchAt(/\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/)) fail('an escape such as \\n, \\" or \\u00e9');
    }
  }
  try {
    value();
    skipSpace();
    if (pos < text.length) fail('the end of the file');
    return undefined;
  } catch (err) {
    if (err instanceof SyntaxStop) return err;
    throw err;
  }
}
