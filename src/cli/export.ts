/** `convsweep export DIR`: the sweep as an Optuna JournalStorage log, in the sweep folder or anywhere with --out. */
import type { Argv } from 'yargs';
import { mkdir, open, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../fs-atomic.js';
import { JOURNAL_WORKER_ID, OPTUNA_JOURNAL, optunaJournal } from '../report/optuna-journal.js';
import { rankSweep } from '../report/rank-sweep.js';
import { shellWord } from '../shell-word.js';
import { runCommand } from './command-runner.js';
import { withVerbose } from './options.js';

export interface ExportArgs {
  dir: string;
  out?: string;
  verbose: boolean;
}

/** The first line of a file, or undefined when there is no file; at most 64 KiB are read. */
async function firstLine(path: string): Promise<string | undefined> {
  let file;
  try {
    file = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InputError({ file: path, path: '', message: `cannot be opened: ${(err as Error).message}`, hint: 'choose another --out' });
  }
  try {
    const buffer = Buffer.alloc(65536);
    const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).toString('utf8').split('\n')[0];
  } catch (err) {
    throw new InputError({ file: path, path: '', message: `cannot be read: ${(err as Error).message}`, hint: 'choose another --out' });
  } finally {
    await file.close();
  }
}

/**
 * An existing file is replaced only when it is a journal convsweep wrote: an Optuna journal holds
 * every study its user ran into it, and replacing one would lose them.
 */
async function checkReplaceable(path: string): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (info?.isDirectory()) throw new InputError({ file: path, path: '', message: 'is a folder, not a file', hint: `give a file name, e.g. --out ${shellWord(join(path, OPTUNA_JOURNAL))}` });
  const line = await firstLine(path);
  if (line === undefined) return;
  let op: unknown;
  try {
    op = JSON.parse(line);
  } catch {
    op = undefined;
  }
  if ((op as { worker_id?: unknown } | undefined)?.worker_id !== JOURNAL_WORKER_ID) {
    throw new InputError({ file: path, path: '', message: 'exists and is not a journal convsweep wrote', hint: 'choose another --out, or remove the file first' });
  }
}

export const exportCommand = {
  command: 'export <dir>',
  describe: 'write a sweep as an Optuna JournalStorage log, for optuna.load_study, optuna-dashboard and Optuna\'s plots',
  builder: (y: Argv) =>
    withVerbose(y.positional('dir', { type: 'string', demandOption: true, describe: 'sweep results folder (the --out of `convsweep run`)' }))
      .option('out', { alias: 'o', type: 'string', describe: `write the journal to this file (default: ${OPTUNA_JOURNAL} in the sweep folder)` })
      .example('convsweep export results/mnist-random-asha', `write results/mnist-random-asha/${OPTUNA_JOURNAL}`)
      .example('convsweep export results/mnist-random-asha -o asha.log && optuna-dashboard asha.log', 'open the sweep in optuna-dashboard'),
  handler: (argv: ExportArgs) =>
    runCommand(async () => {
      const { sweep, trials } = await rankSweep(argv.dir, { ifEmpty: 'error' });
      const out = argv.out ?? join(argv.dir, OPTUNA_JOURNAL);
      await checkReplaceable(out);
      const text = await optunaJournal(sweep, trials);
      await mkdir(dirname(out), { recursive: true });
      await writeFileAtomic(out, text);
      process.stdout.write(`${trials.length} trials of study ${JSON.stringify(sweep.name)} written to ${out}\n`);
      process.stdout.write(`optuna.load_study(study_name=${JSON.stringify(sweep.name)}, storage=JournalStorage(JournalFileStorage(${JSON.stringify(out)})))\n`);
    }, argv.verbose),
};
