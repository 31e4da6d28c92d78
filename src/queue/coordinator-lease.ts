/**
 * One coordinator a queue sweep. The coordinator holds a lease in Redis (SET NX PX), renewed every
 * LEASE_TTL_MS/3 while it runs and deleted when it ends; a second coordinator of the same queue —
 * on any machine, whatever folder it writes into — finds it held and refuses. A coordinator killed
 * with SIGKILL stops renewing, and its lease lapses after LEASE_TTL_MS; on its own host its dead pid
 * proves it gone at once, so `--resume` there need not wait.
 */
import type { Redis } from 'ioredis';
import { hostname } from 'node:os';
import { InputError } from '../errors.js';
import type { Logger } from '../log.js';
import { describeOwner, isProcessAlive, type LockOwner } from '../sweep/folder-lock.js';
import { dataKeyPrefix } from './keys.js';

/** How long a coordinator that stopped renewing (killed, cut off) keeps its queue. */
export const LEASE_TTL_MS = 15_000;

/** How long an ending coordinator waits to delete its lease. */
const RELEASE_WAIT_MS = 3000;

export function leaseKey(queue: string): string {
  return `${dataKeyPrefix(queue)}coordinator`;
}

/** SET when free or still holding `expected` (a stale owner's value); else the holder's value. */
const TAKE = `
local current = redis.call('GET', KEYS[1])
if (not current) or current == ARGV[3] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return false
end
return current`;

/** PEXPIRE (1) or DEL (ARGV[2] = 'del') only while the value is ours; 0 when it is not. */
const KEEP = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == 'del' then redis.call('DEL', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1`;

function parseOwner(text: string): LockOwner | undefined {
  try {
    const v = JSON.parse(text) as LockOwner;
    return Number.isInteger(v.pid) && typeof v.host === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** A queue another coordinator holds. */
export class QueueInUse extends InputError {
  constructor(queue: string, readonly owner: LockOwner | undefined, ttlMs: number) {
    super({
      file: `queue ${queue}`,
      path: '',
      message: `in use by ${owner ? describeOwner(owner) : 'another coordinator'}`,
      hint: `wait for it to end; a coordinator that was killed loses the queue ${Math.round(ttlMs / 1000)} s after it stopped, then --resume takes it over`,
    });
    this.name = 'QueueInUse';
  }
}

/** Whether some coordinator holds the queue now. */
export async function leaseHolder(redis: Redis, queue: string): Promise<LockOwner | undefined> {
  const text = await redis.get(leaseKey(queue));
  return text === null ? undefined : parseOwner(text) ?? { pid: 0, host: '?', started: '?', command: 'another coordinator' };
}

export class CoordinatorLease {
  private timer: NodeJS.Timeout | undefined;
  private lost = false;

  private constructor(private readonly redis: Redis, readonly queue: string, private readonly value: string, private readonly ttlMs: number) {}

  /** Takes the queue's lease, or QueueInUse naming its holder. */
  static async take(redis: Redis, queue: string, owner: LockOwner, options: { logger?: Logger; ttlMs?: number } = {}): Promise<CoordinatorLease> {
    const ttlMs = options.ttlMs ?? LEASE_TTL_MS;
    const value = JSON.stringify(owner);
    const key = leaseKey(queue);
    let expected = '';
    for (let tries = 0; tries < 2; tries++) {
      const holder = (await redis.eval(TAKE, 1, key, value, ttlMs, expected)) as string | null;
      if (holder === null) {
        const lease = new CoordinatorLease(redis, queue, value, ttlMs);
        lease.keep(options.logger);
        return lease;
      }
      const held = parseOwner(holder);
      // Killed on this very host: its pid says so, no need to wait for the lease to lapse.
      const deadHere = held !== undefined && held.host === hostname() && held.pid !== process.pid && !isProcessAlive(held.pid);
      if (!deadHere) throw new QueueInUse(queue, held, ttlMs);
      expected = holder;
    }
    throw new QueueInUse(queue, undefined, ttlMs);
  }

  /** Renewed while ours; taken again when it lapsed while Redis was out of reach and nobody took it meanwhile. */
  private async renew(): Promise<boolean> {
    const key = leaseKey(this.queue);
    if ((await this.redis.eval(KEEP, 1, key, this.value, this.ttlMs)) === 1) return true;
    return (await this.redis.eval(TAKE, 1, key, this.value, this.ttlMs, '')) === null;
  }

  private keep(logger: Logger | undefined): void {
    this.timer = setInterval(() => {
      this.renew().then(
        (kept) => {
          if (kept || this.lost) return;
          this.lost = true;
          logger?.warn({ event: 'lease-lost', queue: this.queue }, `lost the lease of queue ${this.queue}: another coordinator took it over while this one was cut off`);
        },
        // Redis away for a moment: the next renewal tries again, within the TTL.
        (err: Error) => logger?.warn({ event: 'queue-error', message: err.message }, 'renewing the coordinator lease failed'),
      );
    }, Math.max(50, Math.floor(this.ttlMs / 3)));
    this.timer.unref();
  }

  /** Deletes the lease if still ours. With Redis out of reach this gives up after RELEASE_WAIT_MS: the lease then lapses on its own. */
  async release(): Promise<void> {
    clearInterval(this.timer);
    let timer: NodeJS.Timeout | undefined;
    const giveUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, RELEASE_WAIT_MS)));
    try {
      await Promise.race([this.redis.eval(KEEP, 1, leaseKey(this.queue), this.value, 'del'), giveUp]);
    } finally {
      clearTimeout(timer);
    }
  }
}
