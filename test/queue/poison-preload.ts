/**
 * Loaded into a `convsweep worker` with NODE_OPTIONS=--import: the process kills itself (SIGKILL,
 * as the kernel's OOM killer would) as soon as it starts training the trial named by
 * CONVSWEEP_TEST_POISON_TRIAL, which it sees as that trial's folder appearing in its --work-dir.
 * So a poison trial is tested on the real worker, with nothing in the worker's code for it.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';

const poison = process.env.CONVSWEEP_TEST_POISON_TRIAL;
const at = process.argv.indexOf('--work-dir');
if (isMainThread && poison && at > 0) {
  const trials = join(process.argv[at + 1], 'trials');
  setInterval(() => {
    try {
      for (const queue of readdirSync(trials)) {
        if (readdirSync(join(trials, queue)).some((name) => name.includes(poison))) process.kill(process.pid, 'SIGKILL');
      }
    } catch {
      // No trial yet.
    }
  }, 50).unref();
}
