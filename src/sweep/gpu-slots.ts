/**
 * Which GPU a native-backend trial may see. Each GPU takes `trialsPerGpu` trials at once; a trial
 * holds a slot from dispatch to its end and sees only its slot's GPU (CUDA_VISIBLE_DEVICES), so
 * trials never share a GPU beyond what the user asked for.
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import type { BackendName } from '../backend/select.js';

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

export function machineShape(backend: BackendName): { cores: number; gpus: number } {
  // nvidia-smi is only worth asking when a trial could use what it finds.
  return { cores: availableParallelism(), gpus: backend === 'tensorflow-gpu' ? detectGpuCount() : 0 };
}

export class GpuSlots {
  /** Trials running on each GPU. */
  private readonly load: number[];

  constructor(gpus: number, private readonly trialsPerGpu: number) {
    this.load = Array.from({ length: gpus }, () => 0);
  }

  /**
   * The least-loaded GPU with room (lowest index on ties), or undefined when there are no GPUs or
   * all are full; the caller then runs without a slot.
   */
  acquire(): number | undefined {
    let chosen: number | undefined;
    this.load.forEach((running, gpu) => {
      if (running < this.trialsPerGpu && (chosen === undefined || running < this.load[chosen])) chosen = gpu;
    });
    if (chosen !== undefined) this.load[chosen]++;
    return chosen;
  }

  release(gpu: number | undefined): void {
    if (gpu !== undefined && this.load[gpu] > 0) this.load[gpu]--;
  }
}
