/** `convsweep report DIR`: rebuild a sweep's leaderboard, charts, best/ and report.html from its trials/. */
import { statSync } from 'node:fs';
import type { Argv } from 'yargs';
import { writeReport } from '../report/aggregate.js';
import { FolderLock } from '../sweep/folder-lock.js';
import { runCommand } from './command-runner.js';
import { withRankBy, withVerbose } from './options.js';
import { outcomeLines } from './sweep-outcome.js';

/** A missing folder or a file is writeReport's to refuse, and no lock creates it. */
function isFolder(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

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
      // A running sweep writes its report itself when it ends; two writers of best/ at once would mix two winners.
      const lock = isFolder(argv.dir) ? await FolderLock.take(argv.dir, { command: 'convsweep report', takeOverStale: true, hint: 'wait for it to end: a run writes the report itself when it ends' }) : undefined;
      let result: Awaited<ReturnType<typeof writeReport>>;
      try {
        result = await writeReport(argv.dir, { rankBy: argv.rankBy, ifEmpty: 'error' });
      } finally {
        await lock?.release();
      }
      const count = (s: string) => result.rows.filter((r) => r.status === s).length;
      const unreadable = count('unreadable');
      process.stdout.write(`${count('completed')} completed, ${count('failed')} failed${unreadable > 0 ? `, ${unreadable} unreadable` : ''}; ranked by ${result.ranking.metric} (${result.ranking.goal})\n`);
      for (const line of outcomeLines(result, argv.dir)) process.stdout.write(`${line}\n`);
    }, argv.verbose),
};
