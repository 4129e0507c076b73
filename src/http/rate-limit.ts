// Fixed-window counters in Redis, or in the database when there is no Redis, and backoff gates (each
// try after the free ones waits twice as long as the one before). Keys are hashed so addresses do not
// sit in Redis in clear text.
import { createHash } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import type { Db } from '../db/index.js';
import type { Clock } from '../lib/clock.js';
import { RateLimitedError } from '../lib/errors.js';
import type { RateLimitRule } from '../lib/rate-limit-rule.js';

export interface Hit {
  count: number;
  resetAt: Date;
}

/** Tries before a wait (limit), and how long the counted tries are remembered after the last (windowMs). */
export interface BackoffPolicy {
  limit: number;
  windowMs: number;
  /** The wait after the limit-th try; each further try doubles it, up to windowMs. */
  firstDelayMs: number;
}

/** A counter of the store: its key, its window and the count it may reach. */
export interface Counter {
  key: string;
  windowMs: number;
  limit: number;
}

export interface RateLimitStore {
  /** Adds one to each counter in its current window, in order, stopping after the first one past its
   * limit (the counters after it are not counted): that one's place and hit, or undefined when none is
   * past. The Redis store does it in one atomic round trip. */
  incrementInOrder(counters: Counter[]): Promise<{ index: number; hit: Hit } | undefined>;
  /** Reads the counter without changing it. */
  read(key: string): Promise<Hit | undefined>;
  /** Counts a try if its wait is over, in one atomic step (parallel tries cannot slip in together);
   * otherwise counts nothing and says when the next try may come. */
  tryAfterBackoff(key: string, policy: BackoffPolicy, now: Date): Promise<{ ok: true } | { ok: false; retryAt: Date }>;
}

/** One rule's count for one subject, e.g. mails per address from one client. */
export interface RateLimitStep {
  name: string;
  subject: string;
  rule: RateLimitRule;
}

export interface RateLimiter {
  /** Counts an attempt; throws RateLimitedError when the rule's limit is passed. */
  consume(name: string, subject: string, rule: RateLimitRule): Promise<void>;
  /** Counts an attempt against each step in order, as consume() one after another would, in one round
   * trip: the first step past its limit stops the count (the steps after it are not counted) and is
   * answered with its place and Retry-After seconds; undefined when every step was within its limit. */
  consumeInOrder(steps: RateLimitStep[]): Promise<{ index: number; retryAfterSeconds: number } | undefined>;
  /** Counts a try, or throws RateLimitedError while the subject's backoff wait is not over. */
  backoff(name: string, subject: string, policy: BackoffPolicy): Promise<void>;
}

/** The wait before the try after `count` counted tries. */
export const backoffDelayMs = (policy: BackoffPolicy, count: number): number =>
  count < policy.limit ? 0 : Math.min(policy.firstDelayMs * 2 ** (count - policy.limit), policy.windowMs);

const keyFor = (name: string, subject: string) => `${name}:${createHash('sha256').update(subject).digest('base64url').slice(0, 32)}`;

export function createRateLimiter(store: RateLimitStore, clock: Clock): RateLimiter {
  const retryAfter = (hit: Hit) => Math.max(1, Math.ceil((hit.resetAt.getTime() - clock.now().getTime()) / 1000));
  const consumeInOrder: RateLimiter['consumeInOrder'] = async (steps) => {
    const refused = await store.incrementInOrder(
      steps.map(({ name, subject, rule }) => ({ key: keyFor(name, subject), windowMs: rule.windowMs, limit: rule.limit })),
    );
    return refused && { index: refused.index, retryAfterSeconds: retryAfter(refused.hit) };
  };
  return {
    async consume(name, subject, rule) {
      const refused = await consumeInOrder([{ name, subject, rule }]);
      if (refused) throw new RateLimitedError(refused.retryAfterSeconds);
    },
    consumeInOrder,
    async backoff(name, subject, policy) {
      const result = await store.tryAfterBackoff(keyFor(name, subject), policy, clock.now());
      if (!result.ok) throw new RateLimitedError(retryAfter({ count: 0, resetAt: result.retryAt }));
    },
  };
}

/** The client's address as a rate-limit subject. */
export const clientIp = (req: Request): string => req.ip ?? 'unknown';

/** A route step that counts the request against rule before the next step runs. Over the limit, the
 * RateLimitedError goes to the error handler: 429 with Retry-After, nothing else of the route runs. */
export function rateLimit(limiter: RateLimiter, name: string, subjectOf: (req: Request) => string, rule: RateLimitRule): RequestHandler {
  return async (req, _res, next) => {
    await limiter.consume(name, subjectOf(req), rule);
    next();
  };
}

// For each key in turn: INCR, and set the expiry on its first hit; stop after the first one past its
// limit. ARGV: each key's window (ms) and limit. Answers {place (1-based; 0: none past), count, ttl}.
// (All keys of one call must live on one Redis node: Portico talks to one Redis, not a cluster.)
const INCREMENT_IN_ORDER_SCRIPT = `
for i, key in ipairs(KEYS) do
  local windowMs = ARGV[2 * i - 1]
  local count = redis.call('INCR', key)
  if count == 1 then redis.call('PEXPIRE', key, windowMs) end
  local ttl = redis.call('PTTL', key)
  if ttl < 0 then redis.call('PEXPIRE', key, windowMs); ttl = tonumber(windowMs) end
  if count > tonumber(ARGV[2 * i]) then return {i, count, ttl} end
end
return {0, 0, 0}`;

type IncrementInOrderCommand = (keyCount: number, ...keysThenArgs: string[]) => Promise<[number, number, number]>;

// A hash of the count and the time of the last counted try; forgotten windowMs after that try.
// ARGV: now, limit, firstDelayMs, windowMs (milliseconds). Answers {1, 0} (counted) or {0, retryAt}.
const BACKOFF_SCRIPT = `
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local count = tonumber(redis.call('HGET', KEYS[1], 'count') or '0')
local last = tonumber(redis.call('HGET', KEYS[1], 'last') or '0')
if now >= last + tonumber(ARGV[4]) then count = 0 end
if count >= limit then
  local wait = math.min(tonumber(ARGV[3]) * 2 ^ (count - limit), tonumber(ARGV[4]))
  if now < last + wait then return {0, last + wait} end
end
redis.call('HSET', KEYS[1], 'count', count + 1, 'last', now)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {1, 0}`;

type BackoffCommand = (key: string, now: string, limit: string, firstDelayMs: string, windowMs: string) => Promise<[number, number]>;

export function createRedisRateLimitStore(redis: Redis, prefix: string, clock: Clock): RateLimitStore {
  // Sent by its SHA (EVALSHA), not as the whole script on every hit; ioredis loads it when Redis
  // does not know it (first use, or after a Redis restart).
  // (No numberOfKeys: each call says how many keys it passes.)
  if (!('porticoRateLimitIncrementInOrder' in redis)) redis.defineCommand('porticoRateLimitIncrementInOrder', { lua: INCREMENT_IN_ORDER_SCRIPT });
  const incrementCommand = (redis as unknown as { porticoRateLimitIncrementInOrder: IncrementInOrderCommand }).porticoRateLimitIncrementInOrder.bind(redis);
  if (!('porticoRateLimitBackoff' in redis)) redis.defineCommand('porticoRateLimitBackoff', { numberOfKeys: 1, lua: BACKOFF_SCRIPT });
  const backoffCommand = (redis as unknown as { porticoRateLimitBackoff: BackoffCommand }).porticoRateLimitBackoff.bind(redis);
  return {
    async incrementInOrder(counters) {
      const keys = counters.map(({ key }) => `${prefix}rl:${key}`);
      const args = counters.flatMap(({ windowMs, limit }) => [String(windowMs), String(limit)]);
      const [place, count, ttl] = await incrementCommand(keys.length, ...keys, ...args);
      return place === 0 ? undefined : { index: place - 1, hit: { count, resetAt: new Date(clock.now().getTime() + ttl) } };
    },
    async read(key) {
      const [count, ttl] = await Promise.all([redis.get(`${prefix}rl:${key}`), redis.pttl(`${prefix}rl:${key}`)]);
      return count === null ? undefined : { count: Number(count), resetAt: new Date(clock.now().getTime() + Math.max(ttl, 0)) };
    },
    async tryAfterBackoff(key, policy, now) {
      const [counted, retryAt] = await backoffCommand(
        `${prefix}rl:${key}`,
        String(now.getTime()),
        String(policy.limit),
        String(policy.firstDelayMs),
        String(policy.windowMs),
      );
      return counted === 1 ? { ok: true } : { ok: false, retryAt: new Date(Number(retryAt)) };
    },
  };
}

export function createDbRateLimitStore(db: Db, clock: Clock): RateLimitStore {
  async function increment(key: string, windowMs: number): Promise<Hit> {
    const now = clock.now();
    const result = await db.raw(
      `insert into rate_limits (key, count, reset_at) values (?, 1, ?)
         on conflict (key) do update set
           count = case when rate_limits.reset_at <= ? then 1 else rate_limits.count + 1 end,
           reset_at = case when rate_limits.reset_at <= ? then excluded.reset_at else rate_limits.reset_at end
         returning count, reset_at`,
      [key, new Date(now.getTime() + windowMs), now, now],
    );
    const row = result.rows[0];
    return { count: Number(row.count), resetAt: new Date(row.reset_at) };
  }
  return {
    // One upsert per counter, in order (a database store has no script to run them in one step).
    async incrementInOrder(counters) {
      for (const [index, { key, windowMs, limit }] of counters.entries()) {
        const hit = await increment(key, windowMs);
        if (hit.count > limit) return { index, hit };
      }
      return undefined;
    },
    async read(key) {
      const row = await db('rate_limits').where({ key }).where('reset_at', '>', clock.now()).first();
      return row ? { count: Number(row.count), resetAt: new Date(row.reset_at) } : undefined;
    },
    // One row: count, and reset_at = the last counted try + windowMs, so the last try is reset_at - windowMs.
    // The upsert's WHERE is the wait: when it is not over, nothing is written and nothing returned.
    async tryAfterBackoff(key, policy, now) {
      const expired = 'rate_limits.reset_at <= ?::timestamptz';
      const waitOver = `rate_limits.count < ?::integer or rate_limits.reset_at - ?::double precision * interval '1 millisecond'
             + least(?::double precision * power(2, rate_limits.count - ?::integer), ?::double precision) * interval '1 millisecond' <= ?::timestamptz`;
      const result = await db.raw(
        `insert into rate_limits (key, count, reset_at) values (?, 1, ?::timestamptz)
         on conflict (key) do update set
           count = case when ${expired} then 1 else rate_limits.count + 1 end,
           reset_at = excluded.reset_at
         where ${expired} or ${waitOver}
         returning count`,
        [key, new Date(now.getTime() + policy.windowMs), now, now, policy.limit, policy.windowMs, policy.firstDelayMs, policy.limit, policy.windowMs, now],
      );
      if (result.rows.length > 0) return { ok: true };
      const row = await db('rate_limits').where({ key }).first();
      const last = new Date(row.reset_at).getTime() - policy.windowMs;
      return { ok: false, retryAt: new Date(last + backoffDelayMs(policy, Number(row.count))) };
    },
  };
}
