/** `convsweep best DIR`: the best trial's resolved config, to stdout or (atomically) to a file. */
import type { Argv } from 'yargs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../fs-atomic.js';
import { rankSweep } from '../report/rank-sweep.js';
import { trialConfigText } from '../report/best.js';
import { formatMetric } from '../report/metric-format.js';
import { METRIC_COLUMNS } from '../report/leaderboard.js';
import { TRIALS_DIR } from '../sweep/folder-layout.js';
import { runCommand } from './command-runner.js';
import { withVerbose } from './options.js';

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
    withVerbose(y.positional('dir', { type: 'string', demandOption: true, describe: 'sweep results folder' }))
      .option('out', { alias: 'o', type: 'string', describe: 'write the config to this file instead of stdout' })
      .option('rank-by', { type: 'string', choices: [...METRIC_COLUMNS], describe: 'rank by this metric instead of the sweep\'s' }),
  handler: (argv: BestArgs) =>
    runCommand(async () => {
      const { rows, ranking } = await rankSweep(argv.dir, { rankBy: argv.rankBy, ifEmpty: 'error' });
      const best = rows.find((r) => r.rank === 1);
      if (!best) {
        const failed = rows.filter((r) => r.status === 'failed').length;
        throw new InputError({ file: join(argv.dir, TRIALS_DIR), path: '', message: `no completed trial (${failed} failed, ${rows.length - failed} unreadable)`, hint: 'see the error column of `convsweep report DIR`' });
      }
      const text = await trialConfigText(argv.dir, best.trial_id);
      process.stderr.write(`best: ${best.trial_id} ${best.label} (${ranking.metric} ${formatMetric(ranking.metric, best[ranking.metric])})\n`);
      if (argv.out === undefined) {
        process.stdout.write(text);
        return;
      }
      await mkdir(dirname(argv.out), { recursive: true });
      await writeFileAtomic(argv.out, text);
      process.stderr.write(`written to ${argv.out}\n`);
    }, argv.verbose),
};
