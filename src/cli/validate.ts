/**
 * `convsweep validate FILE`: exit 0 when the file is valid, 2 otherwise. A config is checked against
 * the schema and its dataset; a sweep as `convsweep run` checks it before training anything (its base
 * config, and the config of every trial).
 */
import type { Argv } from 'yargs';
import { prepareConfig } from '../train/prepare.js';
import { shellWord } from '../shell-word.js';
import { runCommand } from './command-runner.js';
import { kindOfFile } from './file-kind-check.js';
import { withVerbose } from './options.js';

export const validateCommand = {
  command: 'validate <file>',
  describe: 'check a config or a sweep file (a sweep: its base config and every trial); exit 0 if valid, 2 with one line per problem if not',
  builder: (y: Argv) =>
    withVerbose(y.positional('file', { type: 'string', demandOption: true, describe: 'config or sweep JSON file' }))
      .example('convsweep validate configs/paper-exp1.json', 'a config')
      .example('convsweep validate sweeps/mnist-quick.json', 'a sweep'),
  handler: (argv: { file: string; verbose: boolean }) =>
    runCommand(async () => {
      if ((await kindOfFile(argv.file)) === 'sweep') {
        // Loaded only for sweeps: it brings the sweep runner and tfjs.
        const { planSweep } = await import('../sweep/run-sweep.js');
        const { sweep, search, data } = await planSweep({ sweepFile: argv.file });
        const total = search.sampler.maxTrials;
        const keys = Object.keys(sweep.definition.grid ?? sweep.definition.space ?? {});
        const method = sweep.method === 'grid' ? '' : `${sweep.method} `;
        process.stdout.write(`${argv.file}: valid ${method}sweep (${total} trial${total === 1 ? '' : 's'} over ${keys.join(', ')}, dataset ${data.name} ${data.imageShape.join('x')}); run it with \`convsweep run ${shellWord(argv.file)}\`\n`);
        return;
      }
      const { config, data } = await prepareConfig(argv.file);
      process.stdout.write(`${argv.file}: valid (${config.layers.length} layers, dataset ${data.name} ${data.imageShape.join('x')}, ${data.classes} classes)\n`);
    }, argv.verbose),
};
