/**
 * Which GPU a native-backend trial may see. Each GPU takes `trialsPerGpu` trials at once; a trial
 * holds a slot from dispatch to its end and sees only its slot's GPU (CUDA_VISIBLE_DEVICES), so
 * trials never share a GPU beyond what the user asked for.
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import type { BackendName } from '../backend/names.js';

/** GPUs that `nvidia-smi -L` lists; 0 when it is absent or fails. */
export function detectGpuCount(): number {
  try {
    const listing = execFileSync('nvidia-smi', ['-L'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
    return listing.split('\n').filter((line) => line.startsWith('GPU ')).length;
  } catch {
    return 0;
  }
}

/** Workers when --workers is not given: one a core on the CPU, `trialsPerGpu` a GPU on CUDA (at least one). */
export function defaultWorkerCount(backend: BackendName, machine: { cores: number; gpus: number }, trialsPerGpu = 1): number {
  if (backend === 'tensorflow-gpu') return Math.max(1, machine.gpus * trialsPerGpu);
  return Math.max(1, machine.cores);
}

let gpuCount: number | undefined;

export function machineShape(backend: BackendName): { cores: number; gpus: number } {
  // nvidia-smi is only worth asking when a trial could use what it finds, and only once a process.
  if (backend === 'tensorflow-gpu') gpuCount ??= detectGpuCount();
  return { cores: availableParallelism(), gpus: backend === 'tensorflow-gpu' ? (gpuCount ?? 0) : 0 };
}

export class GpuSlots {
  /** The CUDA device numbers trials may use. */
  private readonly devices: number[];
  /** Trials running on each device, by position in `devices`. */
  private readonly load: number[];

  /** `gpus`: how many (devices 0..n-1), or which device numbers (`convsweep worker --gpus 2,3`). */
  constructor(gpus: number | number[], private readonly trialsPerGpu: number) {
    this.devices = Array.isArray(gpus) ? [...gpus] : Array.from({ length: gpus }, (_, i) => i);
    this.load = this.devices.map(() => 0);
  }

  /**
   * The device number of the least-loaded GPU with room (first listed on ties), or undefined when
   * there are no GPUs or all are full; the caller then runs without a slot.
   */
  acquire(): number | undefined {
    let chosen: number | undefined;
    this.load.forEach((running, i) => {
      if (running < this.trialsPerGpu && (chosen === undefined || running < this.load[chosen])) chosen = i;
    });
    if (chosen === undefined) return undefined;
    this.load[chosen]++;
    return this.devices[chosen];
  }

  release(device: number | undefined): void {
    const i = device === undefined ? -1 : this.devices.indexOf(device);
    if (i >= 0 && this.load[i] > 0) this.load[i]--;
  }
}
