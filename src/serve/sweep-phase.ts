/**
 * Where a sweep is in its life, as the dashboard reads it from sweep.log alone (the process that
 * writes the log may run on another machine, so whether it is alive cannot be known):
 *
 *   not started   a sweep.json, no start line yet
 *   running       the last run has a start line and no end line
 *   stalled?      running, but silent for longer than it ever was (the page decides, by its clock)
 *   finished      the last run's end line: every planned trial recorded, or max_time_s passed
 *   interrupted   the last run's end line says interrupted (Ctrl-C) or trials were left unrun;
 *                 also a folder without a log whose trials are not all there
 */
export const SWEEP_PHASES = ['not started', 'running', 'stalled?', 'finished', 'interrupted'] as const;
export type SweepPhase = (typeof SWEEP_PHASES)[number];

export function sweepPhase(input: { sawStart: boolean; running: boolean; end: Record<string, unknown> | null; finished: number; planned: number }): SweepPhase {
  if (input.running) return 'running';
  if (input.end) {
    if (input.end.interrupted === true) return 'interrupted';
    const notRun = typeof input.end.notRun === 'number' ? input.end.notRun : 0;
    return notRun === 0 || input.end.timeUp === true ? 'finished' : 'interrupted';
  }
  if (input.finished === 0) return 'not started';
  return input.finished >= input.planned ? 'finished' : 'interrupted';
}

/** running turns into stalled? after `stallAfterS` without a line. */
export function phaseAt(phase: SweepPhase, lastLineAt: number | null, stallAfterS: number, now: number): SweepPhase {
  return phase === 'running' && lastLineAt !== null && now - lastLineAt > stallAfterS * 1000 ? 'stalled?' : phase;
}
