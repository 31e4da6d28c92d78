/**
 * Taking back a trial whose lock lapsed while its worker could not reach Redis (a network cut, a
 * Redis restart or freeze longer than the lock duration). The worker is alive and its trial went
 * on, or even finished; rather than lose that work, it takes the job back, atomically and only if
 * no other worker has it: its lock gone and the job still active (no stalled check has run yet), or
 * moved back to the waiting list by a stalled check and not yet taken. Otherwise the other
 * worker's attempt stands, and this one is dropped: a trial never ends twice.
 *
 * BullMQ has no call for this; the script works on its documented key layout (active and wait
 * lists, a `<job>:lock` key holding the worker's token, the `stalled` set), the one its own
 * extendLock and moveStalledJobsToWait scripts use.
 */
import type { Redis } from 'ioredis';
import { BULL_PREFIX } from './keys.js';

/** 1: the job is this worker's (again); 0: another worker has it, or it finished; -1: Redis no longer has it. */
const RECLAIM = `
local lock = redis.call('GET', KEYS[2])
if lock == ARGV[1] then return 1 end
if lock then return 0 end
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('HEXISTS', KEYS[1], 'finishedOn') == 1 then return 0 end
if not redis.call('LPOS', KEYS[3], ARGV[3]) then
  local removed = redis.call('LREM', KEYS[4], 1, ARGV[3])
  if removed == 0 then removed = redis.call('LREM', KEYS[5], 1, ARGV[3]) end
  if removed == 0 then return 0 end
  redis.call('LPUSH', KEYS[3], ARGV[3])
end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
redis.call('SREM', KEYS[6], ARGV[3])
return 1`;

export type Reclaimed = 'ours' | 'taken' | 'gone';

/** Takes job `jobId` of `queue` back under `token` if nobody else holds it (see above). */
export async function reclaimJob(redis: Redis, queue: string, jobId: string, token: string, lockDurationMs: number): Promise<Reclaimed> {
  const key = (name: string) => `${BULL_PREFIX}:${queue}:${name}`;
  const job = key(jobId);
  const answer = (await redis.eval(RECLAIM, 6, job, `${job}:lock`, key('active'), key('wait'), key('paused'), key('stalled'), token, lockDurationMs, jobId)) as number;
  return answer === 1 ? 'ours' : answer === 0 ? 'taken' : 'gone';
}
