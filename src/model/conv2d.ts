/**
 * Keras' Conv2D, as tfjs-layers implements it, except that in training mode on the wasm backend a
 * convolution with a bias and relu (or no activation) runs as one kernel
 * (src/backend/wasm-kernels/conv2d-bias-activation.ts) instead of a convolution, an Add and a Relu,
 * with the same numbers. Inference, other backends and activations, and everything that is saved
 * (class name, config, weights) are tfjs-layers' own, so saved models load anywhere.
 */
import * as tf from '@tensorflow/tfjs';
import { CONV2D_BIAS_ACTIVATION, type Conv2DBiasActivationAttrs } from '../backend/wasm-kernels/conv2d-bias-activation.js';
import { RELU_GRAD } from '../backend/wasm-kernels/relu-grad.js';

type LayerArgs = Parameters<typeof tf.layers.conv2d>[0];

/** tfjs-layers' class, reached through an instance: the package exports only the factory. */
const TfConv2D = Object.getPrototypeOf(tf.layers.conv2d({ filters: 1, kernelSize: 1 })).constructor as new (args: LayerArgs) => tf.layers.Layer;

/** The fields of tfjs-layers' Conv2D this layer reads (private in its typings). */
interface Conv2DState {
  kernel: tf.LayerVariable;
  bias: tf.LayerVariable | null;
  strides: number[];
  padding: string;
  dataFormat: string;
  dilationRate: number[];
  activation: { getClassName(): string };
}

/** The fused kernel, and relu's gradient kernel that its gradient runs (each can be left out: CONVSWEEP_WASM_KERNELS_SKIP). */
function fusedAvailable(): boolean {
  return tf.getBackend() === 'wasm' && tf.getKernel(CONV2D_BIAS_ACTIVATION, 'wasm') !== undefined && tf.getKernel(RELU_GRAD, 'wasm') !== undefined;
}

export class Conv2DLayer extends TfConv2D {
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    const state = this as unknown as Conv2DState;
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    const activation = state.activation.getClassName();
    const fusable =
      kwargs.training === true && fusedAvailable() && state.bias !== null && (activation === 'relu' || activation === 'linear') &&
      state.dataFormat === 'channelsLast' && (state.padding === 'valid' || state.padding === 'same') &&
      state.dilationRate.every((d) => d === 1) && input.rank === 4 && input.dtype === 'float32';
    if (!fusable) return super.call(inputs, kwargs);
    const attrs: Conv2DBiasActivationAttrs = { strides: [state.strides[0], state.strides[1]], pad: state.padding as 'valid' | 'same', activation };
    return tf.engine().runKernel(CONV2D_BIAS_ACTIVATION, { x: input, filter: state.kernel.read(), bias: state.bias!.read() }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
  }
}

export function conv2d(args: LayerArgs): tf.layers.Layer {
  return new Conv2DLayer(args);
}
