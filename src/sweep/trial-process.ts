/**
 * A trial in its own process, forked by a pool worker (worker-entry.ts): how native backends run,
 * since libtensorflow loads in one thread per process. The process loads the dataset itself from
 * the config's dataset entry, trains through runTrial, sends one outcome and exits. It ignores
 * Ctrl-C, which a terminal sends to the whole process group: the sweep decides, and asks through
 * an abort message. When its worker goes away (the IPC channel closes), it stops at once.
 */
import { selectBackend } from '../backend/select.js';
import { loadDataset } from '../data/load.js';
import { failureOf, TrialStatus, type TrialOutcome } from './trial.js';
import { runTrial, Verdicts, type ControlMessage, type ProgressMessage, type TrialJob, type TrialProcessMessage } from './worker-entry.js';

const controller = new AbortController();
const verdicts = new Verdicts(controller.signal);

function send(message: TrialProcessMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected) return resolve();
    process.send!(message, undefined, undefined, () => resolve());
  });
}

async function runJob(job: TrialJob): Promise<TrialOutcome> {
  try {
    const [backend, data] = await Promise.all([selectBackend(job.backend), loadDataset(job.dataset ?? job.config.dataset, job.configFile)]);
    return await runTrial(job, { backend, data, signal: controller.signal, report: (message: ProgressMessage) => void send(message), verdicts });
  } catch (err) {
    return { status: TrialStatus.FAILED, ...failureOf(err) };
  }
}

process.on('SIGINT', () => undefined);
process.on('disconnect', () => process.exit(1));
process.on('message', (message: TrialJob | ControlMessage) => {
  if ('type' in message) {
    if (message.type === 'abort') controller.abort();
    else if (message.type === 'verdict') verdicts.hear(message);
    return;
  }
  void runJob(message).then(async (outcome) => {
    await send({ type: 'outcome', outcome });
    process.exit(0);
  });
});
