/**
 * What a user should hear when `--backend auto` fell back past the native backends: npm skips them
 * quietly when their install script cannot download libtensorflow, and a run line saying `wasm` is
 * the first sign of it.
 */
import { BACKEND_PACKAGE } from '../backend/names.js';
import { skippedByAuto } from '../backend/select.js';

/** One line naming why tensorflow(-gpu) did not load and how to get them, or undefined when auto took the first it tried. */
export function backendNote(): string | undefined {
  const native = skippedByAuto().filter((s) => s.backend === 'tensorflow-gpu' || s.backend === 'tensorflow');
  if (native.length === 0) return undefined;
  return `note: ${native.map((s) => s.reason).join(', ')} (npm skips them when it cannot download libtensorflow); for an NVIDIA GPU install CUDA and \`npm install ${BACKEND_PACKAGE['tensorflow-gpu']}\`, for libtensorflow on the CPU \`npm install ${BACKEND_PACKAGE.tensorflow}\` (README: Backends)`;
}
