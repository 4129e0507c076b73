// The session store in the database, for installs without Redis: sessions survive a restart. It has
// express-session's Store interface, as connect-redis's store for Redis does; sessions.ts uses either.
import session from 'express-session';
import './session-data.js';
import type { Db } from '../db/index.js';
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

export class DbSessionStore extends session.Store {
  private sweeper: NodeJS.Timeout;

  constructor(
    private readonly db: Db,
    logger: Logger,
    sweepEveryMs = 15 * 60_000,
  ) {
    super();
    // Expired rows are ignored on read; the sweep only keeps the table small.
    this.sweeper = setInterval(() => {
      this.db('http_sessions')
        .where('expires_at', '<', new Date())
        .delete()
        .catch((err) => logger.warn({ err }, 'session sweep failed'));
    }, sweepEveryMs);
    this.sweeper.unref();
  }

  private expiry(sess: session.SessionData): Date {
    return new Date(Date.now() + storeTtlSeconds(sess) * 1000);
  }

  override get(sid: string, callback: (err: unknown, session?: session.SessionData | null) => void): void {
    this.db('http_sessions')
      .where({ sid })
      .where('expires_at', '>', new Date())
      .first('data')
      .then((row) => callback(null, row ? (row.data as session.SessionData) : null), callback);
  }

  override set(sid: string, sess: session.SessionData, callback?: (err?: unknown) => void): void {
    this.db('http_sessions')
      .insert({ sid, data: JSON.stringify(sess), expires_at: this.expiry(sess) })
      .onConflict('sid')
      .merge()
      .then(
        () => callback?.(),
        (err) => callback?.(err),
      );
  }

  override touch(sid: string, sess: session.SessionData, callback?: (err?: unknown) => void): void {
    this.db('http_sessions')
      .where({ sid })
      .update({ expires_at: this.expiry(sess) })
      .then(
        () => callback?.(),
        (err) => callback?.(err),
      );
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    this.db('http_sessions')
      .where({ sid })
      .delete()
      .then(
        () => callback?.(),
        (err) => callback?.(err),
      );
  }

  close(): void {
    clearInterval(this.sweeper);
  }
}
