/**
 * convsweep's WebAssembly SIMD kernels (AssemblyScript), compiled by `npm run build` into
 * simd.wasm next to the loader (../simd.ts). The module imports the tfjs wasm backend's memory and
 * works on tensors in place, so it must own no memory of its own: no allocation, no static data,
 * no runtime. Pointers are byte offsets into that memory; shapes are element counts.
 */
export { columnSums, columnDots } from './column-sums';
export { affine, affine2 } from './channel-affine';
export { reluGrad } from './relu-grad';
export { maxPoolGrad } from './max-pool-grad';
export { conv2d } from './conv2d';
export { conv2dFilterGrad } from './conv2d-filter-grad';
export { adam } from './adam';
