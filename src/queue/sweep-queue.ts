/** The end of a distributed sweep: its queue, its registry entry and everything kept beside it go. */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { BULL_PREFIX, dataKeyPrefix, deleteMatching } from './keys.js';
import { withdrawSweep } from './registry.js';

/** Withdraws the sweep (workers leave it), then removes its jobs and its data (sent dataset, uncollected files). */
export async function removeSweepQueue(redis: Redis, queueName: string): Promise<void> {
  await withdrawSweep(redis, queueName);
  const queue = new Queue(queueName, { connection: redis, prefix: BULL_PREFIX, skipMetasUpdate: true });
  try {
    await queue.obliterate({ force: true });
  } finally {
    await queue.close();
  }
  await deleteMatching(redis, `${dataKeyPrefix(queueName)}*`);
}
