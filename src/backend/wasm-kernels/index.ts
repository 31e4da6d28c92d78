/**
 * Training kernels for the tfjs wasm backend: the gradient kernels the stock backend lacks
 * (Conv2DBackpropFilter, the depthwise convolution's two) or gets wrong (MaxPoolGrad); faster replacements for hot ones on the
 * training path (Conv2D, Conv2DBackpropInput, Sum/Mean over leading axes, BatchMatMul, Tile,
 * Identity by reference, Slice without a copy of its input); Relu's gradient and an Adam step
 * (src/train/adam-optimizer.ts) as one kernel each; and two fused training kernels with their
 * gradients, a convolution with its bias and relu (used by the Conv2D layer, src/model/conv2d.ts)
 * and batch normalisation (used by the BatchNormalization layer, src/model/batch-normalization.ts). The heavy work runs in convsweep's own SIMD module
 * (simd.ts). Idempotent. Import '@tensorflow/tfjs-backend-wasm' first (it registers the stock
 * kernels these wrap); this module does not import it, so loading it never requires the package.
 */
import * as tf from '@tensorflow/tfjs';
import { captureStock } from './util.js';
import { conv2dConfig } from './conv2d.js';
import { CONV2D_BIAS_ACTIVATION, conv2dBiasActivationConfig, conv2dBiasActivationGradient } from './conv2d-bias-activation.js';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input.js';
import { maxPoolGradConfig } from './max-pool-grad.js';
import { depthwiseConv2dBackpropFilterConfig, depthwiseConv2dBackpropInputConfig } from './depthwise-conv2d-grad.js';
import { sumConfig } from './sum.js';
import { meanConfig } from './mean.js';
import { batchMatMulConfig } from './batch-mat-mul.js';
import { tileConfig } from './tile.js';
import { adamStepConfig } from './adam.js';
import { identityConfig } from './identity.js';
import { sliceConfig } from './slice.js';
import { RELU_GRAD, reluGradConfig, reluGradient } from './relu-grad.js';
import { BATCH_NORM_TRAINING, batchNormTrainingConfig, batchNormTrainingGradConfig, batchNormTrainingGradient } from './batch-norm-training.js';

const OURS: tf.KernelConfig[] = [conv2dConfig, conv2dBiasActivationConfig, conv2DBackpropFilterConfig, conv2DBackpropInputConfig, maxPoolGradConfig, sumConfig, meanConfig, batchMatMulConfig, tileConfig, identityConfig, sliceConfig, reluGradConfig, adamStepConfig, batchNormTrainingConfig, batchNormTrainingGradConfig, depthwiseConv2dBackpropInputConfig, depthwiseConv2dBackpropFilterConfig];

/** Stock kernels ours call into (captured before anything is replaced). */
const CALLED = ['Conv2D', 'Conv2DBackpropInput', 'Sum', 'Mean', 'BatchMatMul', 'Tile', 'Identity', 'Slice'];

/** tfjs' own gradient of Relu, which ours falls back to on other backends. */
let stockReluGradient: tf.GradConfig | undefined;

/**
 * `skip`: kernel names to leave stock (for benchmarking and debugging; the env var
 * CONVSWEEP_WASM_KERNELS_SKIP, comma-separated, is the default).
 */
export function registerWasmTrainingKernels(skip: readonly string[] = (typeof process !== 'undefined' ? process.env.CONVSWEEP_WASM_KERNELS_SKIP ?? '' : '').split(',')): void {
  if (!tf.getKernel('Conv2D', 'wasm')) throw new Error("registerWasmTrainingKernels: import '@tensorflow/tfjs-backend-wasm' first");
  for (const name of CALLED) captureStock(name);
  for (const cfg of OURS) {
    if (skip.includes(cfg.kernelName)) continue;
    const existing = tf.getKernel(cfg.kernelName, 'wasm');
    if (existing?.kernelFunc === cfg.kernelFunc) continue;
    if (existing) tf.unregisterKernel(cfg.kernelName, 'wasm');
    // Keep the stock setupFunc (it binds the C++ function the fallback path calls) in case the
    // backend initialises after this.
    tf.registerKernel({ ...cfg, setupFunc: existing?.setupFunc });
  }
  if (!skip.includes(BATCH_NORM_TRAINING) && !tf.getGradient(BATCH_NORM_TRAINING)) tf.registerGradient(batchNormTrainingGradient);
  if (!skip.includes(CONV2D_BIAS_ACTIVATION) && !tf.getGradient(CONV2D_BIAS_ACTIVATION)) tf.registerGradient(conv2dBiasActivationGradient);
  if (!skip.includes(RELU_GRAD) && !stockReluGradient) {
    stockReluGradient = tf.getGradient('Relu');
    tf.registerGradient(reluGradient(stockReluGradient));
  }
}
