// Fixed-window counters in Redis, or in the database when there is no Redis. Keys are hashed so
// addresses do not sit in Redis in clear text.
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

export interface RateLimitStore {
  /** Adds one to the key's counter in its current window. */
  increment(key: string, windowMs: number): Promise<Hit>;
  /** Reads the counter without changing it. */
  read(key: string): Promise<Hit | undefined>;
}

export interface RateLimiter {
  /** Counts an attempt; throws RateLimitedError when the rule's limit is passed. */
  consume(name: string, subject: string, rule: RateLimitRule): Promise<void>;
  /** Throws RateLimitedError if the limit is already reached, without counting. */
  check(name: string, subject: string, rule: RateLimitRule): Promise<void>;
  /** Counts a failure after the fact (e.g. a wrong code). */
  record(name: string, subject: string, rule: RateLimitRule): Promise<void>;
}

const keyFor = (name: string, subject: string) => `${name}:${createHash('sha256').update(subject).digest('base64url').slice(0, 32)}`;

export function createRateLimiter(store: RateLimitStore, clock: Clock): RateLimiter {
  const retryAfter = (hit: Hit) => Math.max(1, Math.ceil((hit.resetAt.getTime() - clock.now().getTime()) / 1000));
  return {
    async consume(name, subject, rule) {
      const hit = await store.increment(keyFor(name, subject), rule.windowMs);
      if (hit.count > rule.limit) throw new RateLimitedError(retryAfter(hit));
    },
    async check(name, subject, rule) {
      const hit = await store.read(keyFor(name, subject));
      if (hit && hit.count >= rule.limit && hit.resetAt > clock.now()) throw new RateLimitedError(retryAfter(hit));
    },
    async record(name, subject, rule) {
      await store.increment(keyFor(name, subject), rule.windowMs);
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

// INCR and set the expiry on the first hit, atomically.
const INCREMENT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}`;

type IncrementCommand = (key: string, windowMs: string) => Promise<[number, number]>;

export function createRedisRateLimitStore(redis: Redis, prefix: string, clock: Clock): RateLimitStore {
  // Sent by its SHA (EVALSHA), not as the whole script on every hit; ioredis loads it when Redis
  // does not know it (first use, or after a Redis restart).
  if (!('porticoRateLimitIncrement' in redis)) redis.defineCommand('porticoRateLimitIncrement', { numberOfKeys: 1, lua: INCREMENT_SCRIPT });
  const incrementCommand = (redis as unknown as { porticoRateLimitIncrement: IncrementCommand }).porticoRateLimitIncrement.bind(redis);
  return {
    async increment(key, windowMs) {
      const [count, ttl] = await incrementCommand(`${prefix}rl:${key}`, String(windowMs));
      return { count, resetAt: new Date(clock.now().getTime() + ttl) };
    },
    async read(key) {
      const [count, ttl] = await Promise.all([redis.get(`${prefix}rl:${key}`), redis.pttl(`${prefix}rl:${key}`)]);
      return count === null ? undefined : { count: Number(count), resetAt: new Date(clock.now().getTime() + Math.max(ttl, 0)) };
    },
  };
}

export function createDbRateLimitStore(db: Db, clock: Clock): RateLimitStore {
  return {
    async increment(key, windowMs) {
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
    },
    async read(key) {
      const row = await db('rate_limits').where({ key }).where('reset_at', '>', clock.now()).first();
      return row ? { count: Number(row.count), resetAt: new Date(row.reset_at) } : undefined;
    },
  };
}
