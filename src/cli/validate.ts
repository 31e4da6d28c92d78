/** `convsweep validate FILE`: exit 0 when the config is valid (against its dataset too), 2 otherwise. */
import type { Argv } from 'yargs';
import { prepareConfig } from '../train/prepare.js';
import { runCommand } from './command-runner.js';
import { withVerbose } from './options.js';

export const validateCommand = {
  command: 'validate <file>',
  describe: 'check a config file; exit 0 if valid, 2 with one line per problem if not',
  builder: (y: Argv) => withVerbose(y.positional('file', { type: 'string', demandOption: true })),
  handler: (argv: { file: string; verbose: boolean }) =>
    runCommand(async () => {
      const { config, data } = await prepareConfig(argv.file);
      process.stdout.write(`${argv.file}: valid (${config.layers.length} layers, dataset ${data.name} ${data.imageShape.join('x')}, ${data.classes} classes)\n`);
    }, argv.verbose),
};
