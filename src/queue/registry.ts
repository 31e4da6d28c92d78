/**
 * The sweeps workers should serve: a coordinator announces its sweep's queue when it starts and
 * withdraws it when the sweep is over; workers read the list and join every queue on it. An entry
 * outlives a coordinator that was killed, so workers keep going until it resumes.
 */
import type { Redis } from 'ioredis';
import { isQueueName, REGISTRY_KEY } from './keys.js';

/** A sweep file's max_retries when the announcement has none (a coordinator of an earlier version). */
export const DEFAULT_MAX_RETRIES = 2;

export interface SweepAnnouncement {
  queue: string;
  sweep: string;
  /** ISO time of the announcement. */
  since: string;
  /** The sweep's max_retries: how often a trial whose worker vanished goes back to the queue. */
  maxRetries?: number;
}

export async function announceSweep(redis: Redis, announcement: SweepAnnouncement): Promise<void> {
  await redis.hset(REGISTRY_KEY, announcement.queue, JSON.stringify(announcement));
}

export async function withdrawSweep(redis: Redis, queue: string): Promise<void> {
  await redis.hdel(REGISTRY_KEY, queue);
}

/** The announced sweeps, oldest first; an entry that is not an announcement is skipped. */
export async function announcedSweeps(redis: Redis): Promise<SweepAnnouncement[]> {
  const entries = await redis.hgetall(REGISTRY_KEY);
  const sweeps: SweepAnnouncement[] = [];
  for (const [queue, text] of Object.entries(entries)) {
    // A name this program would not make (a key pattern, a path, a BullMQ-illegal ':') is never served.
    if (!isQueueName(queue)) continue;
    try {
      const value = JSON.parse(text) as Partial<SweepAnnouncement>;
      if (typeof value.sweep !== 'string' || typeof value.since !== 'string') continue;
      const maxRetries = Number.isInteger(value.maxRetries) && value.maxRetries! >= 0 ? value.maxRetries! : DEFAULT_MAX_RETRIES;
      sweeps.push({ queue, sweep: value.sweep, since: value.since, maxRetries });
    } catch {
      // Not ours, or damaged: nothing to serve.
    }
  }
  return sweeps.sort((a, b) => (a.since < b.since ? -1 : a.since > b.since ? 1 : 0));
}

export async function isAnnounced(redis: Redis, queue: string): Promise<boolean> {
  return (await redis.hexists(REGISTRY_KEY, queue)) === 1;
}
