/**
 * A loaded sweep → how it searches: its sampler, how a number and values become a trial, the
 * trials known before any result (a grid's, a random sweep's, TPE's start-up trials, all validated
 * here), and its pruner. Everything that can refuse the sweep refuses here, before a file is written.
 */
import { InputError } from '../errors.js';
import { checkSettings, expandSweep, trialFactory, type DatasetFacts, type TrialFactory } from './expand.js';
import type { Sweep } from './load.js';
import { AshaPruner } from './pruner/asha.js';
import { MedianPruner } from './pruner/median.js';
import { NoPruner, type Pruner } from './pruner/pruner.js';
import { GridSampler } from './sampler/grid.js';
import { RandomSampler } from './sampler/random.js';
import type { Sampler } from './sampler/sampler.js';
import { TpeSampler } from './sampler/tpe.js';
import type { Trial } from './trial.js';

export interface SearchPlan {
  sampler: Sampler;
  makeTrial: TrialFactory;
  /** The trials whose values do not depend on results, in number order. */
  fixedTrials: Trial[];
  /** The most epochs a trial of this sweep trains. */
  maxEpochs: number;
  /** A fresh pruner (a resumed sweep replays the finished trials into it). */
  newPruner(): Pruner;
}

function maxEpochsOf(sweep: Sweep, fixed: readonly Trial[]): number {
  const epochsDim = sweep.space.find((d) => d.key === 'epochs');
  const fromSpace = epochsDim ? (epochsDim.kind === 'numeric' ? epochsDim.max : Math.max(...epochsDim.choices.map(Number).filter(Number.isFinite))) : 0;
  return Math.max(sweep.settings.epochs ?? sweep.base.epochs, fromSpace, ...fixed.map((t) => t.config.epochs));
}

export function planSearch(sweep: Sweep, facts: DatasetFacts): SearchPlan {
  let sampler: Sampler;
  let makeTrial: TrialFactory;
  let fixedTrials: Trial[];
  if (sweep.method === 'grid') {
    fixedTrials = expandSweep(sweep, facts);
    sampler = new GridSampler(fixedTrials.map((t) => t.values));
    makeTrial = (number) => fixedTrials[number - 1];
  } else {
    makeTrial = trialFactory(sweep, facts, checkSettings(sweep, facts));
    sampler =
      sweep.method === 'random'
        ? new RandomSampler(sweep.space, sweep.seed, sweep.maxTrials!)
        : new TpeSampler(sweep.space, sweep.seed, sweep.maxTrials!, sweep.searchObjective.goal, sweep.tpe);
    const fixedCount = sweep.method === 'random' ? sweep.maxTrials! : Math.min(sweep.tpe.startupTrials, sweep.maxTrials!);
    const problems: InputError['problems'] = [];
    fixedTrials = [];
    for (let number = 1; number <= fixedCount; number++) {
      const values = sampler.propose(number, { finished: [], running: [] });
      try {
        fixedTrials.push(makeTrial(number, values));
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        problems.push(...err.problems.map((p) => ({ ...p, file: sweep.file, path: '/space', message: `trial ${number}'s draw makes the config invalid: ${p.path ? `${p.path}: ` : ''}${p.message}` })));
      }
    }
    if (problems.length > 0) throw new InputError(problems.slice(0, 5));
    const fixed = new Map(fixedTrials.map((t) => [t.number, t]));
    const build = makeTrial;
    makeTrial = (number, values) => fixed.get(number) ?? build(number, values);
  }
  const maxEpochs = maxEpochsOf(sweep, fixedTrials);
  const early = sweep.earlyStopping;
  if (early?.type === 'asha' && early.minEpochs >= maxEpochs) {
    throw new InputError({ file: sweep.file, path: '/early_stopping/min_epochs', message: `${early.minEpochs} is not below the trials' ${maxEpochs} epochs, so ASHA could stop nothing`, hint: `ASHA judges trials at min_epochs, min_epochs × reduction_factor, …; use a min_epochs below ${maxEpochs}` });
  }
  const newPruner = (): Pruner => {
    if (early?.type === 'asha') return new AshaPruner({ minEpochs: early.minEpochs, reductionFactor: early.reductionFactor, maxEpochs, goal: early.goal });
    if (early?.type === 'median') return new MedianPruner({ startupTrials: early.startupTrials, warmupEpochs: early.warmupEpochs, goal: early.goal });
    return new NoPruner();
  };
  return { sampler, makeTrial, fixedTrials, maxEpochs, newPruner };
}
