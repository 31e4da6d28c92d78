/**
 * The dashboard's reading of sweep.log lines, without a server: a resumed sweep (a run killed
 * mid-trial, then a new start line), a trial cancelled by Ctrl-C (queued again), a refused trial,
 * a pruner's stop verdict, and the sweep's phase from its end line and from silence.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { phaseAt, sweepPhase } from '../../src/serve/sweep-phase.js';
import { SweepState, type LogLine } from '../../src/serve/sweep-state.js';
import { sampledTrialId } from '../../src/sweep/trial.js';
import { planTrials } from './dashboard-fixture.js';

const trials = planTrials(3, 2);
const definition = { name: 's', method: 'random', max_trials: 4, space: { learning_rate: { distribution: 'log_uniform', min: 1e-4, max: 0.1 }, dropout: [0.1, 0.3] }, early_stopping: { type: 'asha' }, metric: 'val_accuracy', trials: trials.map(({ id, label, number, index, values, seed }) => ({ id, label, number, index, values, seed })) };
let clock = Date.parse('2026-01-01T00:00:00Z');
const at = (event: string, fields: Record<string, unknown> = {}): LogLine => ({ event, time: new Date((clock += 1000)).toISOString(), ...fields });

it('reads a sweep killed mid-trial and resumed, a cancelled trial, a refused one and a pruned one', () => {
  const state = new SweepState('s', definition);
  assert.deepEqual([...state.trials.values()].map((t) => t.status), ['queued', 'queued', 'queued']);
  assert.equal(state.counts().queued, 4, 'max_trials 4: one not known by id yet');
  assert.equal(state.header.logKeys.join(), 'learning_rate');
  const [a, b, c] = trials;
  state.applyLines([at('start', { trials: 4 }), at('trial-start', { id: a.id, number: 1, label: a.label, values: a.values }), at('trial-epoch', { id: a.id, number: 1, ...a.history[0] })]);
  assert.equal(state.header.phase, 'running');
  assert.equal(state.trials.get(a.id)!.history.length, 1);
  // Killed: a new run starts; the trial it was running is queued again, its epochs gone.
  state.applyLines([at('start', { trials: 4 })]);
  assert.equal(state.trials.get(a.id)!.status, 'queued');
  assert.deepEqual(state.trials.get(a.id)!.history, []);
  const changes = state.applyLines([
    at('trial-start', { id: a.id, number: 1, label: a.label, values: a.values }),
    at('trial-start', { id: b.id, number: 2, label: b.label, values: b.values }),
    at('trial-epoch', { id: a.id, number: 1, ...a.history[0], verdict: 'stop' }),
    at('trial-end', { id: a.id, number: 1, label: a.label, status: 'pruned', val_accuracy: 0.5, epochs_run: 1, duration_s: 2 }),
    at('trial-end', { id: b.id, number: 2, label: b.label, status: 'stopped' }),
    at('trial-refused', { number: 4, values: { learning_rate: 5, dropout: 0.1 }, message: 'never ran: bad' }),
  ]);
  assert.equal(changes.filter((ch) => ch.type === 'header').length, 1, 'one header a batch');
  assert.equal(state.header.parallel, 2);
  const pruned = state.trials.get(a.id)!;
  assert.equal(pruned.status, 'pruned');
  assert.equal(pruned.prunedAt, 1);
  assert.equal(pruned.metrics.val_accuracy, 0.5);
  assert.equal(state.trials.get(b.id)!.status, 'queued', 'cancelled: a resume runs it again');
  const refused = state.trials.get(sampledTrialId(4, { learning_rate: 5, dropout: 0.1 }))!;
  assert.equal(refused.status, 'failed');
  assert.equal(refused.error, 'never ran: bad');
  assert.equal(state.trials.get(c.id)!.status, 'queued');
  state.applyLines([at('end', { total: 4, completed: 0, pruned: 1, failed: 1, notRun: 2, interrupted: true, timeUp: false })]);
  assert.equal(state.header.phase, 'interrupted');
  assert.equal(state.header.runStartedAt, null);
  assert.equal(state.header.wallSeconds, 9, 'the first run to its last line (2 s), the second from its start to its end (7 s)');
});

it('the phase: from the end line, a folder without a log, and silence turning running into stalled?', () => {
  assert.equal(sweepPhase({ sawStart: true, running: false, end: { notRun: 0, interrupted: false }, finished: 4, planned: 4 }), 'finished');
  assert.equal(sweepPhase({ sawStart: true, running: false, end: { notRun: 3, interrupted: false, timeUp: true }, finished: 1, planned: 4 }), 'finished');
  assert.equal(sweepPhase({ sawStart: true, running: false, end: { notRun: 3, interrupted: true }, finished: 1, planned: 4 }), 'interrupted');
  assert.equal(sweepPhase({ sawStart: false, running: false, end: null, finished: 0, planned: 4 }), 'not started');
  assert.equal(sweepPhase({ sawStart: false, running: false, end: null, finished: 2, planned: 4 }), 'interrupted');
  assert.equal(sweepPhase({ sawStart: false, running: false, end: null, finished: 4, planned: 4 }), 'finished');
  const last = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(phaseAt('running', last, 600, last + 599_000), 'running');
  assert.equal(phaseAt('running', last, 600, last + 601_000), 'stalled?');
  assert.equal(phaseAt('finished', last, 600, last + 10_000_000), 'finished');
});
