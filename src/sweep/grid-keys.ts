/**
 * What a grid key changes in a config. A few names are shortcuts for a group of layers (filters,
 * dropout, units); every other key is a path into the base config with its defaults filled in
 * (learning_rate, layers[0].kernel_size, callbacks[0].patience). A path's parent must exist; its
 * leaf may be new, and the config validator then judges it (and suggests the key meant).
 */

type Json = unknown;
type JsonObject = Record<string, Json>;

/** A grid key, or one of its values, that cannot apply to the base config. */
export class GridKeyError extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message);
    this.name = 'GridKeyError';
  }
}

export interface GridKey {
  key: string;
  /** Sets `value` in `config` (a private copy the caller owns). */
  apply(config: JsonObject, value: Json): void;
}

interface LayerGroup {
  type: string;
  field: string;
  describe: string;
  /** Which of the layers of `type` belong to the group. */
  select?: (indices: number[]) => number[];
}

const LAYER_GROUPS: Record<string, LayerGroup> = {
  filters: { type: 'Conv2D', field: 'filters', describe: 'Conv2D layers' },
  dropout: { type: 'Dropout', field: 'rate', describe: 'Dropout layers' },
  // The last Dense layer is the classifier, whose units are fixed by the number of classes.
  units: { type: 'Dense', field: 'units', describe: 'Dense layers before the output layer', select: (indices) => indices.slice(0, -1) },
};

export const SHORTCUTS = [...Object.keys(LAYER_GROUPS), 'learning_rate', 'batch_size', 'epochs', 'optimizer'];

function layersOf(config: JsonObject): JsonObject[] {
  return config.layers as JsonObject[];
}

/** A number sets every layer of the group; an array sets them in order and must have one entry a layer. */
function layerGroupKey(key: string, group: LayerGroup, base: JsonObject): GridKey {
  const ofType = layersOf(base).flatMap((layer, i) => (layer.type === group.type ? [i] : []));
  const members = group.select ? group.select(ofType) : ofType;
  if (members.length === 0) throw new GridKeyError(`the base config has no ${group.describe}`, `${key} sets ${group.field} on them`);
  return {
    key,
    apply(config, value) {
      if (Array.isArray(value) && value.length !== members.length) {
        throw new GridKeyError(`has ${value.length} entries but the base config has ${members.length} ${group.describe}`, `give one ${group.field} per layer, or a single number for all`);
      }
      members.forEach((layerIndex, i) => {
        layersOf(config)[layerIndex][group.field] = Array.isArray(value) ? value[i] : value;
      });
    },
  };
}

type Segment = string | number;

const PATH_SYNTAX = /^[A-Za-z_][A-Za-z0-9_]*(?:\[\d+\]|\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** `layers[0].kernel_size` → ['layers', 0, 'kernel_size'] */
export function parsePath(key: string): Segment[] {
  if (!PATH_SYNTAX.test(key)) {
    throw new GridKeyError('is neither a shortcut nor a path into the config', `shortcuts: ${SHORTCUTS.join(', ')}; paths look like layers[0].kernel_size`);
  }
  return [...key.matchAll(/([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]/g)].map((m) => (m[1] !== undefined ? m[1] : Number(m[2])));
}

function pathText(segments: Segment[]): string {
  return segments.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

/** The container at which `segments` ends, checked against the base config. */
function walk(root: Json, segments: Segment[]): Json {
  let node = root;
  segments.forEach((segment, i) => {
    const here = pathText(segments.slice(0, i)) || 'the config';
    if (typeof segment === 'number') {
      if (!Array.isArray(node)) throw new GridKeyError(`${here} is not a list`);
      if (segment >= node.length) throw new GridKeyError(`${pathText(segments.slice(0, i + 1))} does not exist in the base config`, `${here} has ${node.length} entries`);
      node = node[segment];
    } else {
      if (node === null || typeof node !== 'object' || Array.isArray(node)) throw new GridKeyError(`${here} is not an object`);
      if (!Object.hasOwn(node, segment)) throw new GridKeyError(`${pathText(segments.slice(0, i + 1))} does not exist in the base config`, `${here} has ${Object.keys(node).join(', ') || 'no keys'}`);
      node = (node as JsonObject)[segment];
    }
  });
  return node;
}

function pathKey(key: string, base: JsonObject): GridKey {
  const segments = parsePath(key);
  const parentPath = segments.slice(0, -1);
  const leaf = segments[segments.length - 1];
  const parent = walk(base, parentPath);
  if (typeof leaf === 'number') walk(base, segments);
  else if (parent === null || typeof parent !== 'object' || Array.isArray(parent)) {
    throw new GridKeyError(`${pathText(parentPath) || 'the config'} is not an object`);
  }
  return {
    key,
    apply(config, value) {
      // defineProperty, not assignment: a leaf named __proto__ must become a key the validator sees.
      Object.defineProperty(walk(config, parentPath) as object, leaf, { value, writable: true, enumerable: true, configurable: true });
    },
  };
}

/** Throws GridKeyError when the key names nothing that exists in the base config. */
export function gridKey(key: string, base: JsonObject): GridKey {
  const group = LAYER_GROUPS[key];
  return group ? layerGroupKey(key, group, base) : pathKey(key, base);
}
