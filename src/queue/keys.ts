/**
 * Where distributed sweeps live in Redis. BullMQ keeps each sweep's queue under
 * `convsweep:<queue>:*`; what travels beside the jobs (a dataset the workers do not have, the files
 * of finished trials) lives under `convsweep-data:<queue>:*`, and the queues that workers should
 * serve are listed in one hash.
 */
import type { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';

/** BullMQ's key prefix for every queue of this program. */
export const BULL_PREFIX = 'convsweep';

/** Hash: queue name → SweepAnnouncement JSON, for every sweep that workers should serve. */
export const REGISTRY_KEY = 'convsweep-registry:sweeps';

/** A fresh queue name for a sweep: readable, and unique so that two runs of one sweep never share jobs. */
export function newQueueName(sweepName: string): string {
  const readable = sweepName.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 60);
  return `sweep-${readable}-${randomBytes(4).toString('hex')}`;
}

/** The names newQueueName makes: safe as a BullMQ queue name, in a key pattern and in a file path. */
export function isQueueName(name: string): boolean {
  return /^sweep-[A-Za-z0-9_-]{1,80}$/.test(name);
}

export function dataKeyPrefix(queue: string): string {
  return `convsweep-data:${queue}:`;
}

/** Hash of a dataset sent by the coordinator: the four IDX files plus name and sha256. */
export function datasetKey(queue: string): string {
  return `${dataKeyPrefix(queue)}dataset`;
}

/** Hash: relative path → bytes of one finished attempt of a trial. */
export function trialFilesKey(queue: string, trialId: string, attempt: string): string {
  return `${dataKeyPrefix(queue)}files:${trialId}:${attempt}`;
}

/**
 * List holding the coordinator's verdict on one epoch of a prunable trial ("1" stop, "0" go on):
 * the worker waits on it (BLPOP) before the trial starts its next epoch.
 */
export function verdictKey(queue: string, trialId: string, epoch: number): string {
  return `${dataKeyPrefix(queue)}verdict:${trialId}:${epoch}`;
}

/** Deletes every key matching `pattern` (SCAN, not KEYS: the server stays responsive). */
export async function deleteMatching(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}
