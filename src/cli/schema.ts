/** `convsweep schema`: prints the config JSON Schema, for editors and other tools. */
import { readFile } from 'node:fs/promises';
import { runCommand } from './command-runner.js';

export const schemaCommand = {
  command: 'schema',
  describe: 'print the JSON Schema of config files',
  handler: () =>
    runCommand(async () => {
      process.stdout.write(await readFile(new URL('../../../src/config/schema/config.schema.json', import.meta.url), 'utf8'));
    }),
};
