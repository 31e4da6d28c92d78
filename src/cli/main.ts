#!/usr/bin/env node
/** The convsweep command line: one file a command in this folder, wired together here. */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { benchCommand } from './bench.js';
import { bestCommand } from './best.js';
import { EXIT } from './command-runner.js';
import { reportCommand } from './report.js';
import { sweepRunCommand } from './run.js';
import { schemaCommand } from './schema.js';
import { trainCommand } from './train.js';
import { validateCommand } from './validate.js';
import { workerCommand } from './worker.js';

await yargs(hideBin(process.argv))
  .scriptName('convsweep')
  .command(trainCommand)
  .command(validateCommand)
  .command(schemaCommand)
  .command(benchCommand)
  .command(sweepRunCommand)
  .command(reportCommand)
  .command(bestCommand)
  .command(workerCommand)
  .demandCommand(1, 'name a command')
  .strict()
  .recommendCommands()
  .fail((message, err, y) => {
    if (err) throw err;
    process.stderr.write(`${message}\n(convsweep --help for usage)\n`);
    process.exit(EXIT.badInput);
  })
  .help()
  .parseAsync();
