#!/usr/bin/env node
/**
 * The convsweep command line: one file a command in this folder, wired together here. Only the
 * command being run is loaded (tfjs, vega and BullMQ take seconds to load, and `validate` or
 * `schema` need none of them); help and unknown commands load them all.
 */
import yargs, { type CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { EXIT } from './command-runner.js';

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
  worker: async () => (await import('./worker.js')).workerCommand,
};

const args = hideBin(process.argv);
const named = args[0] !== undefined && Object.hasOwn(COMMANDS, args[0]) && !args.includes('--help');
const commands = await Promise.all((named ? [COMMANDS[args[0]]] : Object.values(COMMANDS)).map((load) => load()));

const cli = yargs(args).scriptName('convsweep');
for (const command of commands) cli.command(command as CommandModule);
await cli
  .demandCommand(1, 'name a command')
  .strict()
  .recommendCommands()
  .fail((message, err) => {
    if (err) throw err;
    // One line, as every bad-input message (yargs spreads some over two).
    process.stderr.write(`${message.replace(/\s*\n\s*/g, ' ')} (convsweep --help for usage)\n`);
    process.exit(EXIT.badInput);
  })
  .help()
  .parseAsync();
// Every command has finished its work here. A library's stray timer (ioredis keeps one after a
// failed connection) must not hold the exit back; what is still buffered for a pipe must reach it
// first (a write's callback runs once it and everything before it is flushed).
const flushed = (stream: NodeJS.WriteStream) => new Promise<void>((resolve) => stream.write('', () => resolve()));
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(process.exitCode ?? EXIT.ok);
