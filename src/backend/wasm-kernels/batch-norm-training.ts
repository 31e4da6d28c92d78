/**
 * Batch normalisation in training mode as one kernel forward and one backward, for the wasm
 * backend. tfjs-layers computes it from tf.moments and tf.batchNorm, and its gradient from a dozen
 * elementwise kernels (Sub, Mul, Sum, RealDiv, Tile, …) each making a pass over the full
 * activation; here the forward pass reads x twice and the backward pass reads x and dy twice,
 * with float64 per-channel sums.
 *
 * For x of shape [..., C] normalised over every axis but the last (the layer's default axis -1),
 * rows = size / C, mean and variance (biased, as tf.moments) per channel:
 *   y = gamma (x - mean) / sqrt(variance + epsilon) + beta
 *   dbeta = Σ dy,  dgamma = Σ dy·x̂  with x̂ = (x - mean)·invstd
 *   dx = gamma·invstd · (dy - dbeta/rows - x̂·dgamma/rows)
 * The kernel also returns mean and variance, which the layer uses for its moving averages; no
 * gradient flows through them (as in tfjs-layers, where they feed only those averages).
 */
import * as tf from '@tensorflow/tfjs';
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
  // Views after every allocation: an allocation may grow (and so move) the heap.
  const xv = f32(backend, x);
  const yv = f32(backend, y);
  const gv = f32(backend, gamma);
  const bv = f32(backend, beta);
  // One pass for both moments: float64 sums of x and x² per channel (var = E[x²] - mean², exact
  // enough in float64 for activations, whose mean is never 1e7 times their spread).
  const mean = new Float64Array(C);
  const variance = new Float64Array(C);
  sumsPerChannel(xv, xv, rows, C, mean, variance);
  for (let c = 0; c < C; c++) {
    mean[c] /= rows;
    variance[c] = Math.max(0, variance[c] / rows - mean[c] * mean[c]);
  }
  const scale = new Float64Array(C);
  const shift = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    scale[c] = gv[c] / Math.sqrt(variance[c] + epsilon);
    shift[c] = bv[c] - mean[c] * scale[c];
  }
  affinePerChannel(yv, xv, scale, undefined, undefined, shift, C);
  f32(backend, meanOut).set(mean);
  f32(backend, varianceOut).set(variance);
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
  const dyv = f32(backend, dy);
  const xv = f32(backend, x);
  const dxv = f32(backend, dx);
  const gv = f32(backend, gamma);
  const mv = f32(backend, mean);
  const vv = f32(backend, variance);
  const invstd = new Float64Array(C);
  for (let c = 0; c < C; c++) invstd[c] = 1 / Math.sqrt(vv[c] + epsilon);
  const dbeta = new Float64Array(C);
  const dyx = new Float64Array(C); // Σ dy·x, then Σ dy·(x - mean)
  sumsPerChannel(dyv, xv, rows, C, dbeta, dyx);
  for (let c = 0; c < C; c++) dyx[c] -= mv[c] * dbeta[c];
  // dx = a·dy + b·x + d per channel (the formula above, expanded).
  const a = new Float64Array(C);
  const b = new Float64Array(C);
  const d = new Float64Array(C);
  const dgamma = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    dgamma[c] = dyx[c] * invstd[c];
    a[c] = gv[c] * invstd[c];
    b[c] = (-a[c] * invstd[c] * dgamma[c]) / rows;
    d[c] = (-a[c] * dbeta[c]) / rows - b[c] * mv[c];
  }
  affinePerChannel(dxv, xv, b, dyv, a, d, C);
  f32(backend, dgammaOut).set(dgamma);
  f32(backend, dbetaOut).set(dbeta);
  return [dx, dgammaOut, dbetaOut];
}

/**
 * sum[c] += u, dot[c] += u·v over the rows of two [rows, C] arrays, in float64. Four rows at a time:
 * this loop shape runs about twice as fast in V8 as one row at a time.
 */
function sumsPerChannel(u: Float32Array, v: Float32Array, rows: number, C: number, sum: Float64Array, dot: Float64Array): void {
  let r = 0;
  let o = 0;
  for (; r + 4 <= rows; r += 4, o += 4 * C) {
    const o1 = o + C;
    const o2 = o1 + C;
    const o3 = o2 + C;
    for (let c = 0; c < C; c++) {
      const u0 = u[o + c];
      const u1 = u[o1 + c];
      const u2 = u[o2 + c];
      const u3 = u[o3 + c];
      sum[c] += u0 + u1 + (u2 + u3);
      dot[c] += u0 * v[o + c] + u1 * v[o1 + c] + (u2 * v[o2 + c] + u3 * v[o3 + c]);
    }
  }
  for (; r < rows; r++, o += C) {
    for (let c = 0; c < C; c++) {
      sum[c] += u[o + c];
      dot[c] += u[o + c] * v[o + c];
    }
  }
}

/**
 * out = x·k[c] + w·kw[c] + offset[c] elementwise (the w term only when given), one flat loop with a
 * wrapping channel counter: in V8 about three times as fast as nested row and channel loops.
 */
function affinePerChannel(out: Float32Array, x: Float32Array, k: Float64Array, w: Float32Array | undefined, kw: Float64Array | undefined, offset: Float64Array, C: number): void {
  const n = out.length;
  let c = 0;
  if (w && kw) {
    for (let i = 0; i < n; i++) {
      out[i] = x[i] * k[c] + w[i] * kw[c] + offset[c];
      if (++c === C) c = 0;
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    out[i] = x[i] * k[c] + offset[c];
    if (++c === C) c = 0;
  }
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
