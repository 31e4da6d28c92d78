/**
 * Keras layer descriptions → tfjs layers. The switch over `type` is the allowlist: a user string is
 * never used to look up a property on a library object (the paper's `getattr(layers, type)`), so
 * names like `__proto__` or `constructor` can only ever be unknown types, rejected by the schema.
 */
import * as tf from '@tensorflow/tfjs';
import type { ActivationName, DepthwiseConv2DLayer, IntOrPair, Layer, Regularizer, SeparableConv2DLayer } from '../config/types.generated.js';
import { batchNormalization } from './batch-normalization.js';
import { conv2d } from './conv2d.js';

type TfActivation = 'linear' | 'relu' | 'relu6' | 'elu' | 'selu' | 'sigmoid' | 'hardSigmoid' | 'tanh' | 'softmax' | 'softplus' | 'softsign' | 'swish';
type TfInitializer = 'glorotUniform' | 'glorotNormal' | 'heUniform' | 'heNormal' | 'leCunUniform' | 'leCunNormal' | 'randomNormal' | 'randomUniform' | 'truncatedNormal' | 'zeros' | 'ones';

const ACTIVATIONS: Record<ActivationName, TfActivation> = {
  linear: 'linear', relu: 'relu', relu6: 'relu6', elu: 'elu', selu: 'selu', sigmoid: 'sigmoid',
  hard_sigmoid: 'hardSigmoid', tanh: 'tanh', softmax: 'softmax', softplus: 'softplus', softsign: 'softsign', swish: 'swish',
};

const INITIALIZERS: Record<string, TfInitializer> = {
  glorot_uniform: 'glorotUniform', glorot_normal: 'glorotNormal', he_uniform: 'heUniform', he_normal: 'heNormal',
  lecun_uniform: 'leCunUniform', lecun_normal: 'leCunNormal', random_normal: 'randomNormal', random_uniform: 'randomUniform',
  truncated_normal: 'truncatedNormal', zeros: 'zeros', ones: 'ones',
};

/** Keras' default layer names (conv2d, conv2d_1, …), so saved models read like Keras ones and do not depend on tfjs' global counters. */
export const KERAS_BASE_NAME: Record<Layer['type'], string> = {
  Conv2D: 'conv2d', DepthwiseConv2D: 'depthwise_conv2d', SeparableConv2D: 'separable_conv2d', MaxPooling2D: 'max_pooling2d', AveragePooling2D: 'average_pooling2d',
  GlobalAveragePooling2D: 'global_average_pooling2d', GlobalMaxPooling2D: 'global_max_pooling2d',
  BatchNormalization: 'batch_normalization', Activation: 'activation', Flatten: 'flatten', Dense: 'dense', Dropout: 'dropout', SpatialDropout2D: 'spatial_dropout2d',
  Rescaling: 'rescaling', RandomRotation: 'random_rotation', RandomTranslation: 'random_translation', RandomZoom: 'random_zoom',
  RandomFlip: 'random_flip', RandomContrast: 'random_contrast',
  Reshape: 'reshape', ZeroPadding2D: 'zero_padding2d', LeakyReLU: 'leaky_re_lu', ReLU: 're_lu', LSTM: 'lstm', GRU: 'gru',
};

function pair(value: IntOrPair | undefined): [number, number] | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'number' ? [value, value] : value;
}

function activation(name: ActivationName | undefined): TfActivation | undefined {
  return name === undefined ? undefined : ACTIVATIONS[name];
}

function initializer(name: string | undefined): TfInitializer | undefined {
  return name === undefined ? undefined : INITIALIZERS[name];
}

/** Keras' ZeroPadding2D padding (p, [rows, columns], or [[top, bottom], [left, right]]) in tfjs' form. */
function zeroPadding(padding: number | number[] | number[][]): [[number, number], [number, number]] {
  if (typeof padding === 'number') return [[padding, padding], [padding, padding]];
  if (typeof padding[0] === 'number') return [[padding[0], padding[0]], [padding[1] as number, padding[1] as number]];
  return padding as [[number, number], [number, number]];
}

export function regularizerFactors(r: Regularizer): { l1: number; l2: number } {
  const factors = 'class_name' in r ? r.config : r;
  return { l1: factors.l1 ?? 0, l2: factors.l2 ?? 0 };
}

function regularizer(r: Regularizer | undefined): ReturnType<typeof tf.regularizers.l1l2> | undefined {
  return r === undefined ? undefined : tf.regularizers.l1l2(regularizerFactors(r));
}

/** What DepthwiseConv2D and SeparableConv2D (a depthwise convolution, then a pointwise one) share. */
function depthwiseArgs(layer: DepthwiseConv2DLayer | SeparableConv2DLayer) {
  return {
    kernelSize: pair(layer.kernel_size)!,
    strides: pair(layer.strides),
    padding: layer.padding,
    depthMultiplier: layer.depth_multiplier,
    activation: activation(layer.activation),
    useBias: layer.use_bias,
    depthwiseInitializer: initializer(layer.depthwise_initializer),
    biasInitializer: initializer(layer.bias_initializer),
    depthwiseRegularizer: regularizer(layer.depthwise_regularizer),
    biasRegularizer: regularizer(layer.bias_regularizer),
  };
}

/** One tfjs layer for one config entry; `name` is the unique layer name, `inputShape` only for the first. */
export function createLayer(layer: Layer, name: string, inputShape?: number[]): tf.layers.Layer {
  const common = { name, ...(inputShape ? { inputShape } : {}) };
  switch (layer.type) {
    case 'Conv2D':
      return conv2d({
        ...common,
        filters: layer.filters,
        kernelSize: pair(layer.kernel_size)!,
        strides: pair(layer.strides),
        padding: layer.padding,
        activation: activation(layer.activation),
        useBias: layer.use_bias,
        kernelInitializer: initializer(layer.kernel_initializer),
        biasInitializer: initializer(layer.bias_initializer),
        kernelRegularizer: regularizer(layer.kernel_regularizer),
        biasRegularizer: regularizer(layer.bias_regularizer),
      });
    case 'DepthwiseConv2D':
      return tf.layers.depthwiseConv2d({ ...common, ...depthwiseArgs(layer) });
    case 'SeparableConv2D':
      return tf.layers.separableConv2d({
        ...common,
        ...depthwiseArgs(layer),
        filters: layer.filters,
        pointwiseInitializer: initializer(layer.pointwise_initializer),
        pointwiseRegularizer: regularizer(layer.pointwise_regularizer),
      });
    case 'MaxPooling2D':
      return tf.layers.maxPooling2d({ ...common, poolSize: pair(layer.pool_size), strides: pair(layer.strides), padding: layer.padding });
    case 'AveragePooling2D':
      return tf.layers.averagePooling2d({ ...common, poolSize: pair(layer.pool_size), strides: pair(layer.strides), padding: layer.padding });
    case 'GlobalAveragePooling2D':
      return tf.layers.globalAveragePooling2d(common);
    case 'GlobalMaxPooling2D':
      return tf.layers.globalMaxPooling2d(common);
    case 'BatchNormalization':
      return batchNormalization({ ...common, momentum: layer.momentum, epsilon: layer.epsilon });
    case 'Activation':
      return tf.layers.activation({ ...common, activation: activation(layer.activation)! });
    case 'Flatten':
      return tf.layers.flatten(common);
    case 'Dense':
      return tf.layers.dense({
        ...common,
        units: layer.units,
        activation: activation(layer.activation),
        useBias: layer.use_bias,
        kernelInitializer: initializer(layer.kernel_initializer),
        biasInitializer: initializer(layer.bias_initializer),
        kernelRegularizer: regularizer(layer.kernel_regularizer),
        biasRegularizer: regularizer(layer.bias_regularizer),
      });
    case 'Dropout':
      return tf.layers.dropout({ ...common, rate: layer.rate });
    case 'SpatialDropout2D':
      // One draw per image and channel, broadcast over height and width (Keras' noise shape).
      return tf.layers.dropout({ ...common, rate: layer.rate, noiseShape: [null, 1, 1, null] as unknown as number[] });
    case 'Rescaling':
      return tf.layers.rescaling({ ...common, scale: layer.scale, offset: layer.offset });
    case 'Reshape':
      return tf.layers.reshape({ ...common, targetShape: layer.target_shape });
    case 'ZeroPadding2D':
      return tf.layers.zeroPadding2d({ ...common, padding: zeroPadding(layer.padding ?? 1) });
    case 'LeakyReLU':
      return tf.layers.leakyReLU({ ...common, alpha: layer.alpha });
    case 'ReLU':
      return tf.layers.reLU({ ...common, maxValue: layer.max_value });
    case 'LSTM':
    case 'GRU': {
      const args = {
        ...common,
        units: layer.units,
        activation: activation(layer.activation),
        recurrentActivation: activation(layer.recurrent_activation),
        returnSequences: layer.return_sequences,
        useBias: layer.use_bias,
        kernelInitializer: initializer(layer.kernel_initializer),
        biasInitializer: initializer(layer.bias_initializer),
        kernelRegularizer: regularizer(layer.kernel_regularizer),
        recurrentRegularizer: regularizer(layer.recurrent_regularizer),
        biasRegularizer: regularizer(layer.bias_regularizer),
      };
      return layer.type === 'LSTM' ? tf.layers.lstm({ ...args, unitForgetBias: layer.unit_forget_bias }) : tf.layers.gru(args);
    }
    case 'RandomRotation':
    case 'RandomTranslation':
    case 'RandomZoom':
    case 'RandomFlip':
    case 'RandomContrast':
      throw new Error(`${layer.type} is not a model layer: it transforms training batches (model/augmentation.ts)`);
    default: {
      const unknown: never = layer;
      throw new Error(`unknown layer type ${JSON.stringify((unknown as { type: unknown }).type)}`);
    }
  }
}
