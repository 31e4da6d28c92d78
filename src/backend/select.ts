/**
 * Picks the tfjs backend a run trains on. `auto` takes the first that loads, fastest first:
 * libtensorflow with CUDA, libtensorflow on the CPU, then WebAssembly (with the training kernels the
 * stock wasm backend lacks or gets wrong), then tfjs' pure-JS cpu backend as the last resort.
 */
import * as tf from '@tensorflow/tfjs';
import { InputError, RunError } from '../errors.js';
import { BACKEND_PACKAGE, BACKENDS, type BackendChoice, type BackendName } from './names.js';
import { registerWasmTrainingKernels } from './wasm-kernels/index.js';

class BackendUnavailable extends Error {}

export interface SkippedBackend {
  backend: BackendName;
  /** `@tensorflow/tfjs-node is not installed`, `… failed to load: …`. */
  reason: string;
}

/** The backends `auto` passed over, fastest first, on its last choice in this process. */
let skipped: SkippedBackend[] = [];

/** Why the faster backends did not load when `auto` last chose (none after an explicit choice). */
export function skippedByAuto(): readonly SkippedBackend[] {
  return skipped;
}

async function importOptional(pkg: string): Promise<void> {
  try {
    await import(pkg);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') throw new BackendUnavailable(`${pkg} is not installed`);
    throw new BackendUnavailable(`${pkg} failed to load: ${(err as Error).message}`);
  }
}

async function activate(name: BackendName): Promise<void> {
  switch (name) {
    case 'tensorflow-gpu':
    case 'tensorflow':
      // Both packages register their native backend under the name 'tensorflow'.
      await importOptional(BACKEND_PACKAGE[name]);
      break;
    case 'wasm':
      await importOptional(BACKEND_PACKAGE.wasm);
      registerWasmTrainingKernels();
      break;
    case 'cpu':
      break;
  }
  const tfName = name === 'tensorflow-gpu' ? 'tensorflow' : name;
  if (!(await tf.setBackend(tfName))) throw new BackendUnavailable(`backend ${tfName} did not initialise`);
  await tf.ready();
}

/**
 * Activates a backend and returns its name. An explicit choice that cannot load is bad input
 * (InputError naming the package to install); under `auto` the next one is tried.
 */
export async function selectBackend(choice: BackendChoice, source = '--backend'): Promise<BackendName> {
  // Production mode: no per-op debug checks, and no console banners from tfjs in the middle of our output.
  tf.enableProdMode();
  if (choice !== 'auto') {
    skipped = [];
    try {
      await activate(choice);
      return choice;
    } catch (err) {
      if (!(err instanceof BackendUnavailable)) throw err;
      throw new InputError({ file: source, path: '', message: `backend ${choice} is unavailable: ${err.message}`, hint: `npm install ${BACKEND_PACKAGE[choice]}, or use --backend auto` });
    }
  }
  const passed: SkippedBackend[] = [];
  for (const name of BACKENDS) {
    try {
      await activate(name);
      skipped = passed;
      return name;
    } catch (err) {
      if (!(err instanceof BackendUnavailable)) throw err;
      passed.push({ backend: name, reason: err.message });
    }
  }
  throw new RunError(`no tfjs backend could be loaded: ${passed.map((p) => p.reason).join('; ')}`);
}
