/**
 * A training-mode convolution with its bias and relu (or no activation) as one kernel on wasm, for
 * the Conv2D layer (src/model/conv2d.ts). While gradients are recorded tfjs runs a convolution's
 * bias and activation as separate kernels (its FusedConv2D is for inference), an Add and a Relu,
 * each a pass over the whole activation; here they are the direct convolution's epilogue. The
 * gradient runs the kernels the unfused graph would (relu's gradient, the bias sum,
 * Conv2DBackpropInput and Conv2DBackpropFilter) on the same numbers, so training is unchanged
 * bit for bit, only faster.
 */
import * as tf from '@tensorflow/tfjs';
import { directConv2d } from './conv2d.js';
import { RELU_GRAD } from './relu-grad.js';
import type { KernelArgs, TensorInfo } from './util.js';

export const CONV2D_BIAS_ACTIVATION = 'ConvsweepConv2DBiasActivation';

export interface Conv2DBiasActivationAttrs {
  strides: [number, number];
  pad: 'valid' | 'same';
  activation: 'relu' | 'linear';
}

/** inputs x [N,H,W,C], filter [kh,kw,C,F], bias [F] → y [N,Ho,Wo,F] */
function conv2dBiasActivation({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const { x, filter, bias } = inputs;
  const { strides, pad, activation } = attrs as unknown as Conv2DBiasActivationAttrs;
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filter.shape as [number, number, number, number], strides, 1, pad);
  return directConv2d(backend, x, filter, [info.strideHeight, info.strideWidth], info.padInfo.top, info.padInfo.left, info.outHeight, info.outWidth, { bias, relu: activation === 'relu' });
}

export const conv2dBiasActivationConfig = {
  kernelName: CONV2D_BIAS_ACTIVATION,
  backendName: 'wasm',
  kernelFunc: conv2dBiasActivation as unknown as tf.KernelFunc,
};

export const conv2dBiasActivationGradient: tf.GradConfig = {
  kernelName: CONV2D_BIAS_ACTIVATION,
  inputsToSave: ['x', 'filter'],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter, y] = saved;
    const { strides, pad, activation } = attrs as unknown as Conv2DBiasActivationAttrs;
    const dyT = Array.isArray(dy) ? dy[0] : dy;
    // relu'(pre-activation) is step(y): y > 0 exactly where its input was.
    const dyA = activation === 'relu' ? (tf.engine().runKernel(RELU_GRAD, { dy: dyT, x: y }) as tf.Tensor) : dyT;
    const convAttrs = { strides, pad, dataFormat: 'NHWC', dimRoundingMode: undefined } as unknown as tf.NamedAttrMap;
    return {
      x: () => tf.engine().runKernel('Conv2DBackpropInput', { dy: dyA, filter }, { ...convAttrs, inputShape: x.shape }) as tf.Tensor,
      filter: () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: dyA }, { ...convAttrs, filterShape: filter.shape }) as tf.Tensor,
      bias: () => tf.sum(dyA, [0, 1, 2]),
    };
  },
};
