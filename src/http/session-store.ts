// The session stores behind express-session: Redis (connect-redis) when REDIS_URL is set, else the
// database, so sessions survive a restart either way. Each write stamps storedAt, which drives the
// daily refresh (sessions.ts); there is no touch: an unchanged session costs no store write. Expiry is
// wall-clock time in both stores (Redis TTLs cannot be anything else); storedAt follows the app's clock,
// so tests can move it.
import { RedisStore } from 'connect-redis';
import session from 'express-session';
import type { Redis } from 'ioredis';
import './session-data.js';
import type { Db } from '../db/index.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';

// How long the store keeps a session. A cookie with an expiry ("remember me") sets it; a signed-in
// browser session is kept as long as the longest idle timeout allowed (30 days); an anonymous one
// (a sign-in under way) a day. A session in use is written again once a day (sessions.ts), which
// renews this. Whether a sign-in is still valid is decided by auth_sessions, not here.
export function storeTtlSeconds(sess: session.SessionData): number {
  const expires = sess.cookie?.expires;
  if (expires) return Math.max(1, Math.ceil((new Date(expires).getTime() - Date.now()) / 1000));
  return sess.signedIn ? 30 * 86_400 : 86_400;
}

type Done = (err?: unknown) => void;

/** connect-redis, with storedAt stamped on each write and touch off. */
export class RedisSessionStore extends RedisStore {
  constructor(
    client: Redis,
    prefix: string,
    private readonly clock: Clock,
  ) {
    super({ client, prefix, ttl: storeTtlSeconds, disableTouch: true });
  }

  override set(sid: string, sess: session.SessionData, callback?: Done) {
    return super.set(sid, { ...sess, storedAt: this.clock.now().getTime() }, callback);
  }
}

/** Sessions in the http_sessions table, for installs without Redis. */
export class DbSessionStore extends session.Store {
  private sweeper: NodeJS.Timeout;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    logger: Logger,
    sweepEveryMs = 15 * 60_000,
  ) {
    super();
    // Expired rows are ignored on read; the sweep only keeps the table small.
    this.sweeper = setInterval(() => {
      this.db('http_sessions').where('expires_at', '<', new Date()).delete().catch((err) => logger.warn({ err }, 'session sweep failed'));
    }, sweepEveryMs);
    this.sweeper.unref();
  }

  override get(sid: string, callback: (err: unknown, session?: session.SessionData | null) => void): void {
    this.db('http_sessions')
      .where({ sid })
      .where('expires_at', '>', new Date())
      .first('data')
      .then((row) => callback(null, row ? (row.data as session.SessionData) : null), callback);
  }

  override set(sid: string, sess: session.SessionData, callback?: Done): void {
    const data = { ...sess, storedAt: this.clock.now().getTime() };
    this.db('http_sessions')
      .insert({ sid, data: JSON.stringify(data), expires_at: new Date(Date.now() + storeTtlSeconds(sess) * 1000) })
      .onConflict('sid')
      .merge()
      .then(() => callback?.(), (err) => callback?.(err));
  }

  override destroy(sid: string, callback?: Done): void {
    this.db('http_sessions')
      .where({ sid })
      .delete()
      .then(() => callback?.(), (err) => callback?.(err));
  }

  close(): void {
    clearInterval(this.sweeper);
  }
}
