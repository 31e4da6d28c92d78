/**
 * The epochs sweep.log recorded for trials whose folder is not finished: those running when the
 * coordinator stopped (or was killed), and failed ones. A resumed sweep's pruner learns them as
 * well as the finished trials' histories, so that it judges the next epochs as an unbroken run
 * would: ASHA's rungs keep the values those trials reported, and a trial run again is not judged
 * twice at a rung.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

export interface LoggedEpoch {
  number: number;
  id: string;
  epoch: number;
  value: number;
  /** The verdict sweep.log recorded for the epoch: the pruner stopped the trial there. */
  stop: boolean;
}

/**
 * The `trial-epoch` lines of `logPath`, in order, of the trials in `trialIds` (number → the id the
 * resumed sweep runs under that number; a line of another id belongs to a trial that no longer
 * exists). A missing log, or a torn line, holds nothing.
 */
export async function loggedEpochs(logPath: string, trialIds: ReadonlyMap<number, string>, metric: string): Promise<LoggedEpoch[]> {
  const epochs: LoggedEpoch[] = [];
  const stream = createReadStream(logPath, { encoding: 'utf8' });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    for await (const text of lines) {
      // Most lines are not epochs: not parsed.
      if (!text.includes('"trial-epoch"')) continue;
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text);
      } catch {
        continue;
      }
      const { number, epoch } = line;
      if (line.event !== 'trial-epoch' || typeof number !== 'number' || typeof epoch !== 'number' || trialIds.get(number) !== line.id) continue;
      epochs.push({ number, id: line.id as string, epoch, value: typeof line[metric] === 'number' ? (line[metric] as number) : Number.NaN, stop: line.verdict === 'stop' });
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  } finally {
    lines.close();
    stream.destroy();
  }
  return epochs;
}
