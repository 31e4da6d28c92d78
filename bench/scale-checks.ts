/**
 * What must hold after the scale benchmark's faults, checked from what the run left behind: the
 * results folder, the coordinator's sweep.log (both lives, in order) and each worker's own log.
 * Pure functions of parsed records, so that a test can feed them a doctored log and see them fail.
 */
import { AshaPruner, type AshaSettings } from '../src/sweep/pruner/asha.js';

export type LogLine = Record<string, unknown>;

export interface CheckResult {
  name: string;
  pass: boolean;
  /** One line for people: what was counted, or what is wrong (the first few offenders). */
  detail: string;
}

/** A trial folder as found in results/<sweep>/trials. */
export interface TrialFolder {
  dir: string;
  number?: number;
  /** completed, pruned (metrics.json), failed (error.json), or undefined when it holds neither. */
  status?: string;
}

export interface WorkerLog {
  name: string;
  /** SIGKILLed by the benchmark (its log may end mid-trial). */
  killed: boolean;
  lines: LogLine[];
}

const TERMINAL = new Set(['completed', 'pruned', 'failed']);
const few = (items: unknown[]) => items.slice(0, 5).map(String).join('; ') + (items.length > 5 ? `; … ${items.length} in all` : '');

/** Parses JSON lines, skipping a torn last line (a process killed mid-write). */
export function parseJsonLines(text: string): LogLine[] {
  const lines: LogLine[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      lines.push(JSON.parse(line) as LogLine);
    } catch {
      // Torn by a kill.
    }
  }
  return lines;
}

/** The results folder: one folder a trial, numbers 1..N once each under the id the sweep gave it, each ended. */
export function checkResultsFolder(folders: readonly TrialFolder[], expectedIds: ReadonlyMap<number, string>): CheckResult {
  const problems: string[] = [];
  const seen = new Map<number, number>();
  for (const f of folders) {
    if (f.dir.startsWith('.')) problems.push(`staging leftover ${f.dir}`);
    else if (f.number === undefined) problems.push(`${f.dir} has no trial number`);
    else {
      seen.set(f.number, (seen.get(f.number) ?? 0) + 1);
      if (expectedIds.get(f.number) !== f.dir) problems.push(`${f.dir} holds trial ${f.number}, whose id is ${expectedIds.get(f.number) ?? 'not in the sweep'}`);
      if (!f.status || !TERMINAL.has(f.status)) problems.push(`trial ${f.number} (${f.dir}) did not end`);
    }
  }
  for (const number of expectedIds.keys()) {
    const n = seen.get(number) ?? 0;
    if (n === 0) problems.push(`trial ${number} lost`);
    if (n > 1) problems.push(`trial ${number} in ${n} folders`);
  }
  const counts = [...TERMINAL].map((s) => `${folders.filter((f) => f.status === s).length} ${s}`).join(', ');
  return { name: 'results: every trial once, numbers 1..N', pass: problems.length === 0, detail: problems.length === 0 ? `${expectedIds.size} trial folders: ${counts}` : few(problems) };
}

/** sweep.log: each trial's ending recorded exactly once (over both coordinator lives), as its folder says. */
export function checkSweepLogEndings(sweepLog: readonly LogLine[], folders: readonly TrialFolder[]): CheckResult {
  const ends = new Map<number, string[]>();
  for (const line of sweepLog) {
    if (line.event !== 'trial-end' || !TERMINAL.has(String(line.status))) continue;
    const number = Number(line.number);
    ends.set(number, [...(ends.get(number) ?? []), String(line.status)]);
  }
  const problems: string[] = [];
  for (const f of folders) {
    if (f.number === undefined) continue;
    const recorded = ends.get(f.number) ?? [];
    if (recorded.length !== 1) problems.push(`trial ${f.number} ended ${recorded.length} times in sweep.log (${recorded.join(', ')})`);
    else if (recorded[0] !== f.status) problems.push(`trial ${f.number} ended ${recorded[0]} in sweep.log but its folder says ${f.status}`);
  }
  for (const number of ends.keys()) if (!folders.some((f) => f.number === number)) problems.push(`trial ${number} ended in sweep.log but has no folder`);
  return { name: 'sweep.log: every trial ends exactly once', pass: problems.length === 0, detail: problems.length === 0 ? `${ends.size} trial-end lines, one a trial` : few(problems) };
}

/**
 * The workers' logs (trial-end events, by trial id): every completed or pruned trial was ended by a
 * worker with that status; a trial ended more than once only when each earlier ending was the
 * last thing a worker killed by the benchmark did (killed before its result reached the queue,
 * so the queue gave the trial to another worker). A trial failed by the queue itself (its workers
 * vanished too often) need not have a worker's ending. One slot a worker, so a worker's trial
 * lines follow one another.
 */
export function checkWorkerEndings(workers: readonly WorkerLog[], folders: readonly TrialFolder[]): CheckResult {
  type Ending = { worker: WorkerLog; status: string; lastOfKilled: boolean };
  const endings = new Map<string, Ending[]>();
  for (const worker of workers) {
    const trialLines = worker.lines.filter((l) => l.event === 'trial-start' || l.event === 'trial-end');
    trialLines.forEach((line, i) => {
      if (line.event !== 'trial-end' || !TERMINAL.has(String(line.status))) return;
      const id = String(line.id);
      endings.set(id, [...(endings.get(id) ?? []), { worker, status: String(line.status), lastOfKilled: worker.killed && i === trialLines.length - 1 }]);
    });
  }
  const problems: string[] = [];
  let repeated = 0;
  for (const f of folders) {
    if (f.number === undefined || f.dir.startsWith('.')) continue;
    const list = endings.get(f.dir) ?? [];
    if (f.status !== 'failed' && !list.some((e) => e.status === f.status)) problems.push(`trial ${f.number} is ${f.status} but no worker ended it so`);
    if (list.length > 1) {
      repeated++;
      const unexplained = list.filter((e) => !e.lastOfKilled).length;
      if (unexplained > 1) problems.push(`trial ${f.number} ended ${list.length} times on workers ${list.map((e) => `${e.worker.name}:${e.status}`).join(', ')}`);
    }
  }
  for (const id of endings.keys()) if (!folders.some((f) => f.dir === id)) problems.push(`workers ended ${id}, which has no folder`);
  const total = [...endings.values()].reduce((s, l) => s + l.length, 0);
  const starts = workers.reduce((s, w) => s + w.lines.filter((l) => l.event === 'trial-start').length, 0);
  return {
    name: 'workers: every trial ends exactly once',
    pass: problems.length === 0,
    detail: problems.length === 0 ? `${total} worker trial-end events over ${endings.size} trials in ${workers.length} worker logs; ${starts - total} attempt(s) cut short (a killed worker, a stop) and run again; ${repeated} trial(s) run again after their worker was killed between its end and its record` : few(problems),
  };
}

/**
 * ASHA's verdicts as an unbroken run would give them from the same events: sweep.log's epoch lines
 * (both coordinator lives, in order) through one fresh pruner, each ending told to it with the
 * epochs the coordinator saw; every recorded verdict must be the one this pruner gives.
 */
export function checkAshaVerdicts(sweepLog: readonly LogLine[], settings: AshaSettings, metric: string): CheckResult {
  const pruner = new AshaPruner(settings);
  const seen = new Map<number, number[]>();
  const problems: string[] = [];
  let verdicts = 0;
  let stops = 0;
  for (const line of sweepLog) {
    const number = Number(line.number);
    if (line.event === 'trial-epoch') {
      const epoch = Number(line.epoch);
      const value = typeof line[metric] === 'number' ? (line[metric] as number) : Number.NaN;
      const values = seen.get(number) ?? [];
      values[epoch - 1] = value;
      seen.set(number, values);
      if (epoch >= settings.maxEpochs) continue;
      const expected = pruner.shouldStop(number, epoch, value);
      const recorded = line.verdict === 'stop';
      verdicts++;
      if (recorded) stops++;
      if (expected !== recorded) problems.push(`trial ${number} epoch ${epoch}: recorded ${recorded ? 'stop' : 'go on'}, an unbroken run gives ${expected ? 'stop' : 'go on'}`);
    } else if (line.event === 'trial-end' && TERMINAL.has(String(line.status))) {
      pruner.finished(number, line.status as 'completed' | 'pruned' | 'failed', seen.get(number) ?? []);
    }
  }
  return { name: 'ASHA: every verdict as an unbroken run gives it', pass: problems.length === 0 && verdicts > 0, detail: problems.length === 0 ? `${verdicts} verdicts replayed (${stops} stops), all equal` : few(problems) };
}

/** What the sweep left in Redis after it ended: keys of its queue, its data, its registry entry. */
export function checkRedisLeftovers(keys: readonly { key: string; bytes: number }[], announced: boolean): CheckResult {
  const bytes = keys.reduce((s, k) => s + k.bytes, 0);
  const problems = [...(announced ? ['the sweep is still announced'] : []), ...keys.map((k) => `${k.key} (${k.bytes} B)`)];
  return { name: 'Redis: nothing of the finished sweep left', pass: problems.length === 0, detail: problems.length === 0 ? 'no key of its queue or data, not announced' : `${keys.length} keys, ${bytes} B: ${few(problems)}` };
}
