/** `convsweep report DIR`: rebuild a sweep's leaderboard, charts, best/ and report.html from its trials/. */
import type { Argv } from 'yargs';
import { writeReport } from '../report/aggregate.js';
import { runCommand } from './command-runner.js';
import { withRankBy, withVerbose } from './options.js';
import { outcomeLines } from './sweep-outcome.js';

export interface ReportArgs {
  dir: string;
  rankBy?: string;
  verbose: boolean;
}

export const reportCommand = {
  command: 'report <dir>',
  describe: 'rebuild a sweep\'s leaderboard (CSV, JSON), charts, best/ and report.html from its trials/',
  builder: (y: Argv) =>
    withRankBy(withVerbose(y.positional('dir', { type: 'string', demandOption: true, describe: 'sweep results folder (the --out of `convsweep run`)' })))
      .example('convsweep report results/mnist-quick', 'rebuild the quick start\'s report')
      .example('convsweep report results/mnist-quick --rank-by val_accuracy', 'choose the winner on the validation set'),
  handler: (argv: ReportArgs) =>
    runCommand(async () => {
      const result = await writeReport(argv.dir, { rankBy: argv.rankBy, ifEmpty: 'error' });
      const count = (s: string) => result.rows.filter((r) => r.status === s).length;
      const unreadable = count('unreadable');
      process.stdout.write(`${count('completed')} completed, ${count('failed')} failed${unreadable > 0 ? `, ${unreadable} unreadable` : ''}; ranked by ${result.ranking.metric} (${result.ranking.goal})\n`);
      for (const line of outcomeLines(result, argv.dir)) process.stdout.write(`${line}\n`);
    }, argv.verbose),
};
