/** `convsweep report DIR`: rebuild a sweep's leaderboard, charts, best/ and report.html from its trials/. */
import type { Argv } from 'yargs';
import { join } from 'node:path';
import { REPORT_HTML, writeReport } from '../report/aggregate.js';
import { METRIC_COLUMNS } from '../report/leaderboard.js';
import { formatMetric, metricTitle } from '../report/metric-format.js';
import { runCommand } from './command-runner.js';
import { withVerbose } from './options.js';

export interface ReportArgs {
  dir: string;
  rankBy?: string;
  verbose: boolean;
}

export const reportCommand = {
  command: 'report <dir>',
  describe: 'rebuild a sweep\'s leaderboard (CSV, JSON), charts, best/ and report.html from its trials/',
  builder: (y: Argv) =>
    withVerbose(y.positional('dir', { type: 'string', demandOption: true, describe: 'sweep results folder (the --out of `convsweep run`)' })).option('rank-by', {
      type: 'string',
      choices: [...METRIC_COLUMNS],
      describe: 'rank by this metric instead of the sweep\'s (accuracies: higher is better; losses, params, time: lower)',
    }),
  handler: (argv: ReportArgs) =>
    runCommand(async () => {
      const result = await writeReport(argv.dir, { rankBy: argv.rankBy, ifEmpty: 'error' });
      const count = (s: string) => result.rows.filter((r) => r.status === s).length;
      const unreadable = count('unreadable');
      process.stdout.write(`${count('completed')} completed, ${count('failed')} failed${unreadable > 0 ? `, ${unreadable} unreadable` : ''}; ranked by ${result.ranking.metric} (${result.ranking.goal})\n`);
      const best = result.rows.find((r) => r.rank === 1);
      if (best) process.stdout.write(`best: ${best.trial_id} ${best.label} ${metricTitle(result.ranking.metric)} ${formatMetric(result.ranking.metric, best[result.ranking.metric])}\n`);
      else process.stdout.write('no completed trial: no best/\n');
      process.stdout.write(`report: ${join(argv.dir, REPORT_HTML)}\n`);
    }, argv.verbose),
};
