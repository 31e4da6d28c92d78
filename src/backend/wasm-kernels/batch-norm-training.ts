/**
 * Batch normalisation in training mode as one kernel forward and one backward, for the wasm
 * backend. tfjs-layers computes it from tf.moments and tf.batchNorm, and its gradient from a dozen
 * elementwise kernels (Sub, Mul, Sum, RealDiv, Tile, …) each making a pass over the full
 * activation; here the forward pass reads x three times (mean, moments about the mean, output)
 * and the backward pass reads x and dy twice, each pass one SIMD kernel (simd.ts) with float64
 * per-channel totals.
 *
 * For x of shape [..., C] normalised over every axis but the last (the layer's default axis -1),
 * rows = size / C, mean and variance (biased, as tf.moments) per channel:
 *   y = gamma (x - mean) / sqrt(variance + epsilon) + beta
 *   dbeta = Σ dy,  dgamma = Σ dy·x̂  with x̂ = (x - mean)·invstd
 *   dx = gamma·invstd · (dy - dbeta/rows - x̂·dgamma/rows)
 * every product taken of x − mean, never of x and mean apart (which would cancel for data far
 * from zero).
 * The kernel also returns mean and variance, which the layer uses for its moving averages; no
 * gradient flows through them (as in tfjs-layers, where they feed only those averages).
 */
import * as tf from '@tensorflow/tfjs';
import { addressOf, f32At, f64At, simdKernels, withScratch } from './simd.js';
import { f32, type KernelArgs, type TensorInfo } from './util.js';

export const BATCH_NORM_TRAINING = 'ConvsweepBatchNormTraining';
export const BATCH_NORM_TRAINING_GRAD = 'ConvsweepBatchNormTrainingGrad';

export interface BatchNormTrainingAttrs {
  epsilon: number;
}

function channelsOf(x: TensorInfo): { rows: number; channels: number } {
  const channels = x.shape[x.shape.length - 1];
  const size = x.shape.reduce((a, b) => a * b, 1);
  return { rows: channels === 0 ? 0 : size / channels, channels };
}

/** inputs x, gamma, beta → [y, mean, variance] */
function batchNormTraining({ inputs, backend, attrs }: KernelArgs): TensorInfo[] {
  const { x, gamma, beta } = inputs;
  const { epsilon } = attrs as unknown as BatchNormTrainingAttrs;
  const { rows, channels: C } = channelsOf(x);
  const y = backend.makeOutput(x.shape, 'float32');
  const meanOut = backend.makeOutput([C], 'float32');
  const varianceOut = backend.makeOutput([C], 'float32');
  const simd = simdKernels(backend);
  const px = addressOf(backend, x);
  // Scratch: float64 sums A and B; float32 partial sums (2C), zeros, mean, scale and shift.
  withScratch(backend, 2 * C, 6 * C, (sumsAt, f32Base) => {
    const [aAt, bAt] = [sumsAt, sumsAt + 8 * C];
    const [partialAt, zerosAt, meanAt, scaleAt, shiftAt] = [0, 2, 3, 4, 5].map((slot) => f32Base + slot * 4 * C);
    // The mean, then the moments about it (two passes: no cancellation however large the mean).
    simd.columnSums(px, zerosAt, rows, C, partialAt, aAt);
    const mean32 = f32At(backend, meanAt, C);
    const a = f64At(backend, aAt, C);
    for (let c = 0; c < C; c++) mean32[c] = a[c] / rows;
    a.fill(0);
    simd.columnDots(px, meanAt, px, meanAt, rows, C, partialAt, aAt, bAt);
    const [d, dd] = [f64At(backend, aAt, C), f64At(backend, bAt, C)];
    const [scale, shift] = [f32At(backend, scaleAt, C), f32At(backend, shiftAt, C)];
    const [gv, bv, meanV, varV] = [f32(backend, gamma), f32(backend, beta), f32(backend, meanOut), f32(backend, varianceOut)];
    for (let c = 0; c < C; c++) {
      // d/rows corrects the float32 rounding of the mean the deviations were taken from.
      const offset = d[c] / rows;
      const variance = Math.max(0, dd[c] / rows - offset * offset);
      const k = gv[c] / Math.sqrt(variance + epsilon);
      scale[c] = k;
      shift[c] = bv[c] - offset * k; // y = (x − mean32)·k + β − offset·k = (x − mean)·k + β
      meanV[c] = mean32[c] + offset;
      varV[c] = variance;
    }
    simd.affine(px, meanAt, scaleAt, shiftAt, addressOf(backend, y), rows, C);
  });
  return [y, meanOut, varianceOut];
}

/** inputs dy, x, gamma, mean, variance → [dx, dgamma, dbeta] */
function batchNormTrainingGrad({ inputs, backend, attrs }: KernelArgs): TensorInfo[] {
  const { dy, x, gamma, mean, variance } = inputs;
  const { epsilon } = attrs as unknown as BatchNormTrainingAttrs;
  const { rows, channels: C } = channelsOf(x);
  const dx = backend.makeOutput(x.shape, 'float32');
  const dgammaOut = backend.makeOutput([C], 'float32');
  const dbetaOut = backend.makeOutput([C], 'float32');
  const simd = simdKernels(backend);
  // Scratch: float64 Σdy and Σdy·(x − mean); float32 partial sums (2C), zeros, and the per-channel
  // coefficients of dx = a·dy + b·(x − mean) + d.
  withScratch(backend, 2 * C, 6 * C, (sumsAt, f32Base) => {
    const [dbetaAt, dyxAt] = [sumsAt, sumsAt + 8 * C];
    const [partialAt, zerosAt, aAt, bAt, dAt] = [0, 2, 3, 4, 5].map((slot) => f32Base + slot * 4 * C);
    simd.columnDots(addressOf(backend, dy), zerosAt, addressOf(backend, x), addressOf(backend, mean), rows, C, partialAt, dbetaAt, dyxAt);
    const [dbeta, dyx] = [f64At(backend, dbetaAt, C), f64At(backend, dyxAt, C)];
    const [a, b, d] = [f32At(backend, aAt, C), f32At(backend, bAt, C), f32At(backend, dAt, C)];
    const [gv, vv, dgamma, dbetaV] = [f32(backend, gamma), f32(backend, variance), f32(backend, dgammaOut), f32(backend, dbetaOut)];
    for (let c = 0; c < C; c++) {
      const invstd = 1 / Math.sqrt(vv[c] + epsilon);
      const dg = dyx[c] * invstd;
      const ac = gv[c] * invstd;
      a[c] = ac;
      b[c] = (-ac * invstd * dg) / rows;
      d[c] = (-ac * dbeta[c]) / rows;
      dgamma[c] = dg;
      dbetaV[c] = dbeta[c];
    }
    // dx = a·dy + b·(x − mean) + d
    simd.affine2(addressOf(backend, dy), aAt, addressOf(backend, x), addressOf(backend, mean), bAt, dAt, addressOf(backend, dx), rows, C);
  });
  return [dx, dgammaOut, dbetaOut];
}

export const batchNormTrainingConfig = {
  kernelName: BATCH_NORM_TRAINING,
  backendName: 'wasm',
  kernelFunc: batchNormTraining as unknown as tf.KernelFunc,
};

export const batchNormTrainingGradConfig = {
  kernelName: BATCH_NORM_TRAINING_GRAD,
  backendName: 'wasm',
  kernelFunc: batchNormTrainingGrad as unknown as tf.KernelFunc,
};

/** The forward kernel's gradient: the backward kernel, for x, gamma and beta. */
export const batchNormTrainingGradient: tf.GradConfig = {
  kernelName: BATCH_NORM_TRAINING,
  inputsToSave: ['x', 'gamma'],
  outputsToSave: [false, true, true],
  gradFunc: (dy, saved, attrs) => {
    const [x, gamma, mean, variance] = saved;
    const dyY = Array.isArray(dy) ? dy[0] : dy;
    const [dx, dgamma, dbeta] = tf.engine().runKernel(BATCH_NORM_TRAINING_GRAD, { dy: dyY, x, gamma, mean, variance }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
    return { x: () => dx, gamma: () => dgamma, beta: () => dbeta };
  },
};
