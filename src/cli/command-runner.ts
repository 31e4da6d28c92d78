/**
 * How every command ends: exit 0 on success, 2 with one line per problem for bad input, 1 for a
 * failure while running, 130 when interrupted. Stack traces only with --verbose.
 */
import { AbortedError, InputError, RunError } from '../errors.js';

export const EXIT = { ok: 0, failed: 1, badInput: 2, interrupted: 130 } as const;

export function exitCodeFor(err: unknown): number {
  if (err instanceof InputError) return EXIT.badInput;
  if (err instanceof AbortedError) return EXIT.interrupted;
  return EXIT.failed;
}

export function reportError(err: unknown, verbose: boolean): void {
  if (err instanceof InputError) {
    for (const line of err.message.split('\n')) process.stderr.write(`${line}\n`);
  } else if (err instanceof AbortedError) {
    process.stderr.write('interrupted\n');
  } else if (err instanceof RunError || err instanceof Error) {
    process.stderr.write(`error: ${err.message}\n`);
  } else {
    process.stderr.write(`error: ${String(err)}\n`);
  }
  if (verbose && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
}

/** Runs a command body and sets process.exitCode; a body may return its own exit code. */
export async function runCommand(body: () => Promise<number | void>, verbose = false): Promise<void> {
  try {
    process.exitCode = (await body()) ?? EXIT.ok;
  } catch (err) {
    reportError(err, verbose);
    process.exitCode = exitCodeFor(err);
  }
}

/**
 * First Ctrl-C aborts the signal (the command cleans up and exits 130); a second exits at once.
 * Returns the signal and a function that removes the handlers. `notice` prints the "stopping"
 * line: a display redrawn in place must print it itself, or its next redraw erases the wrong lines.
 */
export function interruptSignal(notice: (text: string) => void = (text) => process.stderr.write(`\n${text}\n`)): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    notice('stopping (Ctrl-C again to quit at once)');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    release: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
