// Where sessions are kept: Redis when REDIS_URL is set, else the database, so sessions survive a
// restart either way. Three methods (get, set, destroy): an unchanged session is not written at all,
// and the daily refresh (sessions.ts) is an ordinary write, so there is no touch. Records keep the
// shape and keys sessions had before (data, cookie.expires, storedAt), so sessions carry over.
import type { Redis } from 'ioredis';
import type { Db } from '../db/index.js';
import type { Logger } from '../lib/logger.js';
import type { SessionData } from './session-data.js';

/** A session as the store keeps it. */
export type StoredSession = SessionData & {
  cookie?: { expires?: string | null };
  /** When it was written (ms since the epoch, the app's clock), for the daily refresh. */
  storedAt?: number;
};

export interface SessionStore {
  /** The session stored under id, or undefined (none, or expired). */
  get(id: string): Promise<StoredSession | undefined>;
  set(id: string, session: StoredSession): Promise<void>;
  destroy(id: string): Promise<void>;
  /** Stops the store's own background work (the database store's sweep of expired rows). */
  close?(): void;
}

// How long the store keeps a session. A cookie with an expiry ("remember me") sets it; a signed-in
// browser session is kept as long as the longest idle timeout allowed (30 days); an anonymous one
// (a sign-in under way) a day, but one that holds only a Microsoft attempt (anyone can start one with
// a GET) no longer than the attempt is taken back (10 minutes). A session in use is written again once a day (sessions.ts), which
// renews this. Whether a sign-in is still valid is decided by auth_sessions, not here. Wall-clock
// time, as Redis TTLs are.
function storeTtlSeconds(session: StoredSession): number {
  const expires = session.cookie?.expires;
  if (expires) return Math.max(1, Math.ceil((new Date(expires).getTime() - Date.now()) / 1000));
  if (session.signedIn) return 30 * 86_400;
  return session.microsoft && Object.keys(session).every((key) => SHORT_LIVED.has(key)) ? 600 : 86_400;
}

/** What a session holding nothing else may be kept for only 10 minutes (a Microsoft sign-in under way). */
const SHORT_LIVED = new Set(['microsoft', 'returnTo', 'csrfToken', 'flash', 'cookie', 'storedAt']);

/** Sessions in Redis under <prefix><id>, JSON, expiring by TTL. */
export function createRedisSessionStore(redis: Redis, prefix: string): SessionStore {
  return {
    async get(id) {
      const raw = await redis.get(prefix + id);
      return raw ? (JSON.parse(raw) as StoredSession) : undefined;
    },
    async set(id, session) {
      await redis.set(prefix + id, JSON.stringify(session), 'EX', storeTtlSeconds(session));
    },
    async destroy(id) {
      await redis.del(prefix + id);
    },
  };
}

/** Sessions in the http_sessions table, for installs without Redis; close() stops the sweep. */
export function createDbSessionStore(db: Db, logger: Logger, sweepEveryMs = 15 * 60_000): SessionStore {
  // Expired rows are ignored on read; the sweep only keeps the table small.
  const sweeper = setInterval(() => {
    db('http_sessions')
      .where('expires_at', '<', new Date())
      .delete()
      .catch((err) => logger.warn({ err }, 'session sweep failed'));
  }, sweepEveryMs);
  sweeper.unref();
  return {
    async get(id) {
      const row = await db('http_sessions').where({ sid: id }).where('expires_at', '>', new Date()).first('data');
      return row ? (row.data as StoredSession) : undefined;
    },
    async set(id, session) {
      const expiresAt = new Date(Date.now() + storeTtlSeconds(session) * 1000);
      await db('http_sessions')
        .insert({ sid: id, data: JSON.stringify(session), expires_at: expiresAt })
        .onConflict('sid')
        .merge();
    },
    async destroy(id) {
      await db('http_sessions').where({ sid: id }).delete();
    },
    close() {
      clearInterval(sweeper);
    },
  };
}
