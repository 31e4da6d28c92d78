/**
 * The training loop: seeded shuffling, Keras' validation split, per-epoch history, the callbacks,
 * and the best epoch's weights kept in memory (the paper's "best-performing model"). Everything a
 * run saves is derived from what this returns; nothing here touches the file system.
 */
import * as tf from '@tensorflow/tfjs';
import type { ResolvedConfig } from '../config/load.js';
import type { Dataset, ImageSet } from '../data/dataset.js';
import { splitValidation } from '../data/dataset.js';
import { AbortedError, NonFiniteLossError, RunError } from '../errors.js';
import { createAugmenter } from '../model/augmentation.js';
import { buildModel } from '../model/build.js';
import type { HistoryRow } from './history.js';
import { batchMaker } from './batches.js';
import { EarlyStopping, improves, monitored, ReduceLROnPlateau, type Monitor } from './callbacks.js';
import { evaluate } from './evaluate.js';
import { targetsAreIndices } from './losses.js';
import { createOptimizer, setLearningRate } from './optimizer.js';
import { createRng, shuffleInPlace, withSeededRandom } from './seeded-random.js';
import { createTrainStep } from './train-step.js';

export interface BatchProgress {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  loss: number;
  accuracy: number;
}

export interface TrainHooks {
  signal?: AbortSignal;
  onBatch?: (progress: BatchProgress) => void;
  onEpoch?: (row: HistoryRow, epochs: number) => void;
  /**
   * Asked after each epoch but the last: true stops the run there (a sweep's early stopping pruned
   * it). Awaited, so the verdict on an epoch arrives before the next one starts.
   */
  prune?: (row: HistoryRow, epochs: number) => boolean | Promise<boolean>;
  /**
   * When the signal aborts after at least one finished epoch, end the run with the best epoch so far
   * instead of throwing (`train`: a Ctrl-C must not throw away hours of epochs). A sweep trial keeps
   * the default, throwing: an interrupted trial is not recorded, and a resume runs it whole.
   */
  keepBestOnAbort?: boolean;
}

export interface TrainOutcome {
  /** The model holding the best epoch's weights. */
  model: tf.Sequential;
  history: HistoryRow[];
  /** 1-based epoch whose weights the model holds. */
  bestEpoch: number;
  /** The monitor that chose the best epoch. */
  bestBy: Monitor;
  stoppedEarly: boolean;
  /** The sweep's early stopping ended it (hooks.prune). */
  pruned: boolean;
  /** The signal aborted it (hooks.keepBestOnAbort): the epoch under way was dropped. */
  interrupted: boolean;
  train: ImageSet;
  validation: ImageSet;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The metric that picks the best epoch: EarlyStopping's monitor if there is one, else val_loss (loss without validation). */
export function bestEpochMonitor(config: ResolvedConfig): Monitor {
  const early = config.callbacks.find((c) => c.type === 'EarlyStopping');
  if (early?.monitor) return early.monitor;
  return config.validation_split > 0 ? 'val_loss' : 'loss';
}

export async function train(config: ResolvedConfig & { seed: number }, data: Dataset, hooks: TrainHooks = {}): Promise<TrainOutcome> {
  return withSeededRandom(config.seed, () => trainSeeded(config, data, hooks));
}

async function trainSeeded(config: ResolvedConfig & { seed: number }, data: Dataset, hooks: TrainHooks): Promise<TrainOutcome> {
  const { train: trainSet, validation } = splitValidation(data.train, data.imageShape, config.validation_split);
  if (trainSet.count === 0) throw new RunError(`no training examples left after validation_split ${config.validation_split} of ${data.train.count}`);
  const hasValidation = validation.count > 0;

  const model = buildModel(config.layers, data.imageShape);
  const optimizer = createOptimizer(config.optimizer, config.learning_rate);
  const step = createTrainStep(model, optimizer, config.loss);
  const batchSize = Math.min(config.batch_size, trainSet.count);
  const augment = createAugmenter(config.layers, data.imageShape, config.seed);
  const maker = batchMaker(trainSet, data.imageShape, data.classes, targetsAreIndices(config.loss), batchSize, augment);
  const batches = Math.ceil(trainSet.count / batchSize);
  const shuffleRng = createRng(config.seed);
  const order = Uint32Array.from({ length: trainSet.count }, (_, i) => i);

  const earlyStopping = config.callbacks.flatMap((c) => (c.type === 'EarlyStopping' ? [new EarlyStopping(c as ConstructorParameters<typeof EarlyStopping>[0])] : []));
  const reduceLr = config.callbacks.flatMap((c) => (c.type === 'ReduceLROnPlateau' ? [new ReduceLROnPlateau(c as ConstructorParameters<typeof ReduceLROnPlateau>[0])] : []));
  const bestBy = bestEpochMonitor(config);

  const history: HistoryRow[] = [];
  let learningRate = config.learning_rate;
  let best: { epoch: number; value: number; weights: tf.Tensor[] } | undefined;
  let stoppedEarly = false;
  let pruned = false;
  let interrupted = false;
  const abortWithBest = () => hooks.keepBestOnAbort === true && best !== undefined;

  try {
    epochs: for (let epoch = 1; epoch <= config.epochs; epoch++) {
      const started = performance.now();
      shuffleInPlace(order, shuffleRng);
      let lossSum = 0;
      let correct = 0;
      for (let b = 0; b < batches; b++) {
        if (hooks.signal?.aborted) {
          if (!abortWithBest()) throw new AbortedError();
          interrupted = true;
          break epochs;
        }
        const start = b * batchSize;
        const end = Math.min(trainSet.count, start + batchSize);
        const { xs, ys } = maker.make(start, end, order);
        const result = step(xs, ys);
        xs.dispose();
        ys.dispose();
        if (!Number.isFinite(result.loss)) throw new NonFiniteLossError(`loss became ${result.loss} at epoch ${epoch}, batch ${b + 1} (try a lower learning_rate)`);
        lossSum += result.loss * (end - start);
        correct += result.correct;
        hooks.onBatch?.({ epoch, epochs: config.epochs, batch: b + 1, batches, loss: lossSum / end, accuracy: correct / end });
        // Lets AbortSignals and progress output through between batches.
        await yieldToEventLoop();
      }
      const val = hasValidation ? evaluate(model, validation, data.imageShape, data.classes, config.loss) : undefined;
      const row: HistoryRow = {
        epoch,
        loss: lossSum / trainSet.count,
        accuracy: correct / trainSet.count,
        val_loss: val ? val.loss : null,
        val_accuracy: val ? val.accuracy : null,
        lr: learningRate,
        seconds: (performance.now() - started) / 1000,
      };
      history.push(row);
      hooks.onEpoch?.(row, config.epochs);

      const value = monitored(row, bestBy);
      if (!best || improves(bestBy, value, best.value)) {
        best?.weights.forEach((w) => w.dispose());
        best = { epoch, value, weights: model.getWeights().map((w) => w.clone()) };
      }
      const stops = earlyStopping.map((cb) => cb.shouldStop(row, epoch - 1));
      for (const cb of reduceLr) learningRate = cb.nextLearningRate(row, learningRate);
      setLearningRate(optimizer, learningRate);
      if (stops.some(Boolean) && epoch < config.epochs) {
        stoppedEarly = true;
        break;
      }
      if (epoch < config.epochs && hooks.prune && (await hooks.prune(row, config.epochs))) {
        pruned = true;
        break;
      }
      // An abort during the last batch of an epoch would otherwise only be seen after the run ends.
      if (hooks.signal?.aborted && epoch < config.epochs) {
        if (!abortWithBest()) throw new AbortedError();
        interrupted = true;
        break;
      }
    }
    model.setWeights(best!.weights);
    return { model, history, bestEpoch: best!.epoch, bestBy, stoppedEarly, pruned, interrupted, train: trainSet, validation };
  } catch (err) {
    model.dispose();
    throw err;
  } finally {
    best?.weights.forEach((w) => w.dispose());
    optimizer.dispose();
  }
}
