/**
 * The two kinds of failure a user can meet, so that every command maps them to the same exit codes:
 * InputError (exit 2) is something wrong in what the user gave us, found before anything is written;
 * RunError (exit 1) is a failure while running.
 */

/** One problem in a user's input, printed as `file: /json/path: message (hint)`. */
export interface Problem {
  file: string;
  /** JSON pointer into the file, '' when the problem is the file as a whole. */
  path: string;
  message: string;
  hint?: string;
}

export function formatProblem(p: Problem): string {
  const where = p.path ? `${p.file}: ${p.path}` : p.file;
  return `${where}: ${p.message}${p.hint ? ` (${p.hint})` : ''}`;
}

export class InputError extends Error {
  readonly problems: Problem[];
  constructor(problems: Problem[] | Problem) {
    const list = Array.isArray(problems) ? problems : [problems];
    super(list.map(formatProblem).join('\n'));
    this.name = 'InputError';
    this.problems = list;
  }
}

export class RunError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RunError';
  }
}

/** Training diverged: the loss became NaN or infinite. */
export class NonFiniteLossError extends RunError {
  constructor(message: string) {
    super(message);
    this.name = 'NonFiniteLossError';
  }
}

/** A run stopped by its AbortSignal (Ctrl-C, a time limit): neither bad input nor a crash. */
export class AbortedError extends Error {
  constructor(message = 'aborted') {
    super(message);
    this.name = 'AbortedError';
  }
}
