/** pino loggers: JSON lines into a run's or a sweep's log file, written synchronously so a crash loses no line. */
import pino from 'pino';

export type Logger = pino.Logger;

export function fileLogger(path: string): { logger: Logger; close: () => void } {
  const destination = pino.destination({ dest: path, sync: true, mkdir: true });
  const logger = pino({ base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, destination);
  return {
    logger,
    close: () => {
      destination.flushSync();
      // Releases the file descriptor: worker threads share the process's, and a sweep opens one a trial.
      destination.end();
    },
  };
}

/** A logger that drops everything, for callers that want none. */
export const silentLogger: Logger = pino({ level: 'silent' });
