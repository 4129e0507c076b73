// Browser sessions for the portal and the console, with express-session: a signed cookie names a
// record in the session store (Redis through connect-redis, or the database without Redis, see
// session-store.ts). A visitor who never puts anything in the session gets no cookie and no store
// write (saveUninitialized: false); a session is written only when it changed (resave: false, no
// rolling, no touch), plus once a day while in use so the store keeps it. The response waits for the
// write, so the page it leads to sees it. Whether a sign-in is still valid is decided by auth_sessions
// (sign-in.ts), not here. Anonymous forms are protected without a session (csrf.ts).
import type { NextFunction, Request, Response } from 'express';
import session, { type Store } from 'express-session';
import type { Clock } from '../lib/clock.js';
import './session-data.js';

export interface SessionOptions {
  store: Store;
  secret: string;
  secure: boolean;
  /** When a session was last written (for the daily refresh). */
  clock: Clock;
}

/** A session in use is written again after this long even unchanged, so the store does not expire it. */
export const REFRESH_MS = 24 * 3_600_000;

// Which cookie a request's session travels in, so that destroying it can tell the browser to drop it.
const sessionCookies = new WeakMap<Request, { name: string; options: ReturnType<typeof cookieOptions> }>();
const cookieOptions = (path: string, secure: boolean) => ({ path, httpOnly: true, sameSite: 'lax' as const, secure });

export function sessionMiddleware(name: string, path: string, options: SessionOptions) {
  const { store, secret, secure, clock } = options;
  const cookie = cookieOptions(path, secure);
  const middleware = session({
    name,
    store,
    secret,
    resave: false,
    saveUninitialized: false,
    rolling: false,
    unset: 'destroy',
    // No maxAge: the cookie ends with the browser unless a sign-in sets one ("remember me").
    cookie,
  });
  return (req: Request, res: Response, next: NextFunction): void => {
    sessionCookies.set(req, { name, options: cookie });
    middleware(req, res, (error?: unknown) => {
      if (error) return next(error);
      // storedAt is stamped by the store on each write; a stale one makes the session "changed".
      const storedAt = req.session?.storedAt;
      const now = clock.now().getTime();
      if (storedAt !== undefined && now - storedAt > REFRESH_MS) req.session.storedAt = now;
      next();
    });
  };
}

const settle = (run: (done: (error?: unknown) => void) => void) => new Promise<void>((resolve, reject) => run((error) => (error ? reject(error) : resolve())));

/** A new session id for this browser, empty (no fixation after a sign-in); the old record is dropped. */
export const regenerateSession = (req: Request) => settle((done) => req.session.regenerate(done));

/** Writes the session now, before the response (e.g. before a redirect that depends on it). */
export const saveSession = (req: Request) => settle((done) => req.session.save(done));

/** Drops the session from the store and tells the browser to drop its cookie. */
export async function destroySession(req: Request): Promise<void> {
  await settle((done) => req.session.destroy(done));
  const cookie = sessionCookies.get(req);
  if (cookie && req.res && !req.res.headersSent) req.res.clearCookie(cookie.name, cookie.options);
}
