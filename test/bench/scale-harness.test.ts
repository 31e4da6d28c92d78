/**
 * The scale benchmark's harness, small: replay workers on the real queue, a real coordinator and a
 * real persistent Redis, one worker SIGKILLed, the coordinator SIGKILLed and resumed, and Redis restarted;
 * every check must pass — and each check must fail on evidence doctored the way the fault it
 * guards against would leave it.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { checkAshaVerdicts, checkRedisLeftovers, checkResultsFolder, checkSweepLogEndings, checkWorkerEndings } from '../../bench/scale-checks.js';
import { runScaleBench } from '../../bench/scale-run.js';
import { tempDir } from '../helpers.js';
import { hasRedisServer } from '../queue/redis-server.js';

const table = fileURLToPath(new URL('../../../bench/tables/mnist-curves.json', import.meta.url));
const asha = { minEpochs: 1, reductionFactor: 3, maxEpochs: 8, goal: 'maximize' as const };

test('scale harness: 20 trials through a worker kill, a coordinator kill and resume, and a Redis restart end exactly once with ASHA verdicts intact, and its checks catch doctored evidence', { timeout: 120_000 }, async (t) => {
  if (!hasRedisServer()) {
    if (process.env.CI === 'true') throw new Error('the scale harness needs redis-server in CI');
    t.skip('no redis-server');
    return;
  }
  const report = await runScaleBench({ trials: 20, workers: 3, faults: true, seed: 3, epochSeconds: 0.15, tableFile: table, killEverySeconds: 1, maxWorkerKills: 1, killCoordinator: true, lockDurationMs: 3000, dir: await tempDir('convsweep-scale-test-') });
  for (const c of report.checks) assert.ok(c.pass, `${c.name}: ${c.detail}`);
  assert.equal(report.checks.length, 5);
  assert.deepEqual([report.faults.workerKills, report.faults.coordinatorKills, report.faults.redisRestarts], [1, 1, 1]);
  assert.equal(report.figures.trials, 20);
  assert.ok(Number(report.figures.decisions_answered) > 0);
  // Workers ask again for a verdict the killed coordinator never sent, and the resumed one answers:
  // no trial waits out the worker's 60 s and goes on unjudged.
  const unanswered = report.evidence.workerLogs.flatMap((w) => w.lines.filter((l) => l.event === 'no-verdict'));
  assert.deepEqual(unanswered, []);

  const { sweepLog, workerLogs, folders, expectedIds } = report.evidence;
  // A recorded verdict that the pruner would not give.
  const stopAt = sweepLog.findIndex((l) => l.verdict === 'stop');
  assert.ok(stopAt >= 0, 'ASHA stopped some trial');
  const flipped = sweepLog.map((l, i) => (i === stopAt ? { ...l, verdict: undefined } : l));
  const asha1 = checkAshaVerdicts(flipped, asha, 'val_accuracy');
  assert.equal(asha1.pass, false);
  assert.match(asha1.detail, new RegExp(`trial ${sweepLog[stopAt].number} epoch ${sweepLog[stopAt].epoch}: recorded go on, an unbroken run gives stop`));
  // A trial recorded twice by the coordinator.
  const end = sweepLog.find((l) => l.event === 'trial-end')!;
  assert.match(checkSweepLogEndings([...sweepLog, end], folders).detail, new RegExp(`trial ${end.number} ended 2 times`));
  // A worker that was not killed ending a trial another worker also ended.
  const live = workerLogs.find((w) => !w.killed && w.lines.some((l) => l.event === 'trial-end'))!;
  const ending = live.lines.find((l) => l.event === 'trial-end')!;
  const twice = workerLogs.map((w) => (w === live ? w : { ...w, lines: [...w.lines, { ...ending, worker: w.name }] }));
  const workers1 = checkWorkerEndings([...twice, { name: 'extra', killed: false, lines: [ending] }], folders);
  assert.equal(workers1.pass, false);
  assert.match(workers1.detail, /ended \d+ times on workers/);
  // A trial lost, and one in two folders.
  const [first, second] = folders;
  assert.match(checkResultsFolder(folders.slice(1), expectedIds).detail, new RegExp(`trial ${first.number} lost`));
  assert.match(checkResultsFolder([...folders, { ...second, dir: `${second.dir}-copy` }], expectedIds).detail, new RegExp(`trial ${second.number} in 2 folders`));
  // A key left behind.
  assert.equal(checkRedisLeftovers([{ key: 'convsweep:sweep-x:events', bytes: 900 }], false).pass, false);
  assert.equal(checkRedisLeftovers([], true).pass, false);
});
