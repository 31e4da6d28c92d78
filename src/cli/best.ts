/** `convsweep best DIR`: the best trial's resolved config, to stdout or (atomically) to a file. */
import type { Argv } from 'yargs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../fs-atomic.js';
import { rankSweep } from '../report/rank-sweep.js';
import { trialConfigText } from '../report/best.js';
import { shellWord } from '../shell-word.js';
import { TRIALS_DIR } from '../sweep/folder-layout.js';
import { runCommand } from './command-runner.js';
import { withRankBy, withVerbose } from './options.js';
import { bestLine } from './sweep-outcome.js';

export interface BestArgs {
  dir: string;
  out?: string;
  rankBy?: string;
  verbose: boolean;
}

export const bestCommand = {
  command: 'best <dir>',
  describe: 'print the best trial\'s config (as it trained; `convsweep train` accepts it), or write it with -o',
  builder: (y: Argv) =>
    withRankBy(withVerbose(y.positional('dir', { type: 'string', demandOption: true, describe: 'sweep results folder (the --out of `convsweep run`)' })))
      .option('out', { alias: 'o', type: 'string', describe: 'write the config to this file instead of stdout' })
      .example('convsweep best results/mnist-quick -o my-net.json', 'keep the winner\'s config, then `convsweep train my-net.json`'),
  handler: (argv: BestArgs) =>
    runCommand(async () => {
      const ranked = await rankSweep(argv.dir, { rankBy: argv.rankBy, ifEmpty: 'error' });
      const { rows, best } = ranked;
      if (!best) {
        const failed = rows.filter((r) => r.status === 'failed').length;
        throw new InputError({ file: join(argv.dir, TRIALS_DIR), path: '', message: `no completed trial (${failed} failed, ${rows.length - failed} unreadable)`, hint: `\`convsweep report ${shellWord(argv.dir)}\` lists why each failed` });
      }
      const text = await trialConfigText(argv.dir, best.trial_id);
      process.stderr.write(`${bestLine(ranked)}\n`);
      if (argv.out === undefined) {
        process.stdout.write(text);
        return;
      }
      await mkdir(dirname(argv.out), { recursive: true });
      await writeFileAtomic(argv.out, text);
      process.stderr.write(`written to ${argv.out}\n`);
    }, argv.verbose),
};
