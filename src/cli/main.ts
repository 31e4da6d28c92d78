#!/usr/bin/env node
/**
 * The convsweep command line: one file a command in this folder, wired together here. Only the
 * command being run is loaded (tfjs, vega and BullMQ take seconds to load, and `validate` or
 * `schema` need none of them); help and unknown commands load them all.
 */
import { createRequire } from 'node:module';
import type { Argv, CommandModule } from 'yargs';
import { closest } from '../config/suggest.js';
import { EXIT } from './command-runner.js';

// The CommonJS build of yargs: its ES module build lays help out with a wrap that cuts words at
// the column ("c" / "urves"); the CommonJS one wraps on words.
const yargs = createRequire(import.meta.url)('yargs') as (args: string[]) => Argv;

/** Each command module's typed handler, seen by yargs as the generic module it is. */
const COMMANDS: Record<string, () => Promise<object>> = {
  train: async () => (await import('./train.js')).trainCommand,
  validate: async () => (await import('./validate.js')).validateCommand,
  schema: async () => (await import('./schema.js')).schemaCommand,
  predict: async () => (await import('./predict.js')).predictCommand,
  evaluate: async () => (await import('./evaluate.js')).evaluateCommand,
  bench: async () => (await import('./bench.js')).benchCommand,
  run: async () => (await import('./run.js')).sweepRunCommand,
  report: async () => (await import('./report.js')).reportCommand,
  best: async () => (await import('./best.js')).bestCommand,
  export: async () => (await import('./export.js')).exportCommand,
  worker: async () => (await import('./worker.js')).workerCommand,
  serve: async () => (await import('./serve.js')).serveCommand,
};

/** One line, as every bad-input message, then exit 2. */
function refuse(message: string): never {
  process.stderr.write(`${message} (convsweep --help for usage)\n`);
  process.exit(EXIT.badInput);
}

const args = process.argv.slice(2);
const first = args[0];
// An unknown command is named, with the command it is close to: yargs' own suggestion reaches
// further (it offered `validate` for `evaluate`).
if (first !== undefined && !first.startsWith('-') && !Object.hasOwn(COMMANDS, first)) {
  const near = closest(first, Object.keys(COMMANDS));
  refuse(`unknown command ${JSON.stringify(first)}${near ? `: did you mean ${JSON.stringify(near)}?` : ''}`);
}
const wantsHelp = args.some((a) => a === '--help' || a === '-h');
const named = first !== undefined && Object.hasOwn(COMMANDS, first) && !wantsHelp;
const commands = await Promise.all((named ? [COMMANDS[first]] : Object.values(COMMANDS)).map((load) => load()));

const cli = yargs(args).scriptName('convsweep');
for (const command of commands) cli.command(command as CommandModule);
await cli
  .demandCommand(1, 'name a command')
  .strict()
  .fail((message, err) => {
    if (err) throw err;
    // yargs spreads some messages over two lines.
    refuse(message.replace(/\s*\n\s*/g, ' '));
  })
  .help()
  .alias('h', 'help')
  .wrap(process.stdout.columns || 80)
  .epilog('Each command has its own help: convsweep COMMAND --help')
  .parseAsync();
// Every command has finished its work here. A library's stray timer (ioredis keeps one after a
// failed connection) must not hold the exit back; what is still buffered for a pipe must reach it
// first (a write's callback runs once it and everything before it is flushed).
const flushed = (stream: NodeJS.WriteStream) => new Promise<void>((resolve) => stream.write('', () => resolve()));
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(process.exitCode ?? EXIT.ok);
