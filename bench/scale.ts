/**
 * The queue at scale, under faults: a random + ASHA sweep of --trials trials coordinated by the
 * real `convsweep run SWEEP --queue URL`, pulled from the real BullMQ queue by --workers worker
 * processes (the real SweepWorker) whose training is replayed from a recorded learning-curve
 * table at --epoch-seconds an epoch, so that the coordination layer is what is measured. With
 * --faults on: a random worker SIGKILLed every few seconds (and replaced), the coordinator
 * SIGKILLed once at 30% and started again with --resume, Redis (AOF on) restarted once at 60%.
 * Checks (PASS/FAIL, exit 1 on a FAIL): every trial ends exactly once, no trial lost or
 * duplicated, every ASHA verdict as an unbroken run gives it, nothing of the sweep left in Redis.
 * Figures: coordinator CPU per trial and per epoch event, decision latency p50/p99, Redis memory
 * per trial in flight and per finished trial, trials a second; also written to
 * results/bench/scale-<date>.json.
 *
 *   npm run build && node dist/bench/scale.js [--trials 1000] [--workers 24] [--faults on|off] [--seed 1]
 *     [--epoch-seconds 0.5] [--table bench/tables/mnist-curves.json] [--kill-every 4] [--profile DIR] [--keep]
 *
 * --profile DIR: the coordinator runs under `node --cpu-prof` and leaves its profile in DIR.
 */
import { execSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../src/fs-atomic.js';
import { runScaleBench } from './scale-run.js';
import { textFlag } from './flags.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

function numberFlag(name: string, fallback: number, min: number, integer = true): number {
  const text = textFlag(name, String(fallback));
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    process.stderr.write(`--${name}: must be ${integer ? 'an integer' : 'a number'} of at least ${min}, got ${JSON.stringify(text)}\n`);
    process.exit(2);
  }
  return value;
}

const faultsFlag = textFlag('faults', 'on');
if (faultsFlag !== 'on' && faultsFlag !== 'off') {
  process.stderr.write(`--faults: must be on or off, got ${JSON.stringify(faultsFlag)}\n`);
  process.exit(2);
}
const options = {
  trials: numberFlag('trials', 1000, 2),
  workers: numberFlag('workers', 24, 1),
  faults: faultsFlag === 'on',
  seed: numberFlag('seed', 1, 0),
  epochSeconds: numberFlag('epoch-seconds', 0.5, 0, false),
  tableFile: resolve(textFlag('table', join(repoRoot, 'bench/tables/mnist-curves.json'))),
  killEverySeconds: numberFlag('kill-every', 4, 0.1, false),
  asha: { minEpochs: numberFlag('min-epochs', 1, 1), reductionFactor: numberFlag('reduction-factor', 3, 2) },
  profileDir: process.argv.includes('--profile') ? resolve(textFlag('profile', 'results/bench/profiles')) : undefined,
};
const keep = process.argv.includes('--keep');
const dir = await mkdtemp(join(tmpdir(), 'convsweep-scale-'));
const machine = (() => {
  try {
    return /Model name:\s*(.*)/.exec(execSync('lscpu', { encoding: 'utf8' }))?.[1].trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
})();

process.stdout.write(`scale: ${options.trials} trials, random + ASHA, ${options.workers} replay workers, faults ${faultsFlag}, ${options.epochSeconds} s an epoch on average; ${machine}; in ${dir}\n`);
const started = new Date();
let failed = true;
try {
  const report = await runScaleBench({ ...options, dir, onProgress: (line) => process.stdout.write(`  ${line}\n`) });
  failed = report.checks.some((c) => !c.pass);
  for (const c of report.checks) process.stdout.write(`${c.pass ? 'PASS' : 'FAIL'}  ${c.name}: ${c.detail}\n`);
  const f = report.figures;
  const target = (ok: boolean) => (ok ? 'met' : 'MISSED');
  const per = (x: unknown) => (x === null ? 'n/a' : String(x));
  process.stdout.write(
    `faults: ${report.faults.workerKills} worker kills, ${report.faults.coordinatorKills} coordinator kill, ${report.faults.redisRestarts} Redis restart (${report.faults.redisOutageMs.map((ms) => `${ms.toFixed(0)} ms`).join(', ') || 'none'} without a server)\n` +
      `wall ${f.wall_s} s; ${f.trials} trials, ${f.epoch_events} epoch events; ${per(f.trials_per_s)} trials/s\n` +
      `coordinator CPU: ${f.coordinator_loop_cpu_s} s in the loop (${f.coordinator_cpu_s} s with start-up and report): ${f.coordinator_cpu_ms_per_trial} ms a trial, ${f.coordinator_cpu_ms_per_epoch_event} ms an epoch event (target <= 2: ${target(Number(f.coordinator_cpu_ms_per_epoch_event) <= 2)})\n` +
      `epoch end -> verdict at the worker: p50 ${per(f.decision_ms_p50)} ms, p99 ${per(f.decision_ms_p99)} ms, max ${per(f.decision_ms_max)} ms over ${f.decisions_answered} answered (target p99 <= 100: ${target(f.decision_ms_p99 !== null && Number(f.decision_ms_p99) <= 100)}); ${f.decisions_unanswered} unanswered (coordinator or Redis down)\n` +
      `Redis: ${per(f.redis_bytes_per_trial_in_flight)} B a trial in flight (${f.redis_samples} samples, ${f.redis_mean_trials_in_flight} in flight on average); the sweep's keys at 90%: ${per(f.redis_sweep_keys_at_90pct)} keys, ${per(f.redis_sweep_bytes_at_90pct)} B = ${per(f.redis_bytes_per_finished_trial_at_90pct)} B a finished trial (by kind, keys:bytes: ${per(f.redis_keys_by_kind_at_90pct)}; ${per(f.redis_bytes_per_queued_or_running_trial_at_90pct)} B a trial not yet finished); after the end: ${report.checks.find((c) => c.name.startsWith('Redis'))?.detail} (target <= 10240 B a trial: ${target(report.checks.find((c) => c.name.startsWith('Redis'))?.pass === true)})\n` +
      `Redis commands a trial, all clients${options.faults ? ', since its restart' : ''}: ${f.redis_commands_per_trial}\n`,
  );
  const out = join(repoRoot, 'results', 'bench', `scale-${started.toISOString().replace(/[:.]/g, '-')}.json`);
  await mkdir(join(repoRoot, 'results', 'bench'), { recursive: true });
  await writeFileAtomic(out, `${JSON.stringify({ started: started.toISOString(), machine, command: `node dist/bench/scale.js ${process.argv.slice(2).join(' ')}`.trim(), options: report.options, checks: report.checks, faults: report.faults, figures: report.figures }, null, 2)}\n`);
  process.stdout.write(`written to ${out}\n`);
} finally {
  if (keep || failed) process.stdout.write(`kept ${dir}\n`);
  else await rm(dir, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
