/** `convsweep schema [--sweep]`: prints the JSON Schema of config files, or of sweep files, for editors and other tools. */
import type { Argv } from 'yargs';
import { readFile } from 'node:fs/promises';
import { runCommand } from './command-runner.js';

export const schemaCommand = {
  command: 'schema',
  describe: 'print the JSON Schema of config files (--sweep: of sweep files), for editors',
  builder: (y: Argv) =>
    y
      .option('sweep', { type: 'boolean', default: false, describe: 'the schema of sweep files instead' })
      .example('convsweep schema > config.schema.json', 'for an editor\'s "$schema" or json.schemas setting')
      .example('convsweep schema --sweep > sweep.schema.json', 'the same for sweep files'),
  handler: (argv: { sweep: boolean }) =>
    runCommand(async () => {
      const file = argv.sweep ? 'sweep.schema.json' : 'config.schema.json';
      process.stdout.write(await readFile(new URL(`../../../src/config/schema/${file}`, import.meta.url), 'utf8'));
    }),
};
