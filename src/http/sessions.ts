// Browser sessions for the portal and the console: a signed cookie (s:<id>.<HMAC>) names a record in
// the session store (Redis, or the database without Redis; session-store.ts). A browser that puts
// nothing in its session gets no cookie and costs no store access; a session is written only when it
// changed, plus once a day while in use so the store keeps it; the response waits for that write, so
// the page it leads to sees it. Whether a sign-in is still valid is decided by auth_sessions
// (sign-in.ts), not here. Anonymous forms are protected without a session (csrf.ts).
//
// Why not express-session (issue 13, measured with npm run bench, eight interleaved runs each on a
// shared, loaded machine): with it the confirm POST (the sign-in) ran at a median 136 instead of 200
// requests/s, p99 226 instead of 141 ms (slower in 6 of 8 pairs; its regenerate also deletes, in the
// store, a session that was never stored). The other scenarios were within the noise. The cookie
// format (s:<id>.<HMAC>) and the stored records are unchanged, under the same keys, so sessions carry over.
import { createHmac } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Clock } from '../lib/clock.js';
import { constantTimeEqual, randomToken } from '../lib/crypto.js';
import type { Logger } from '../lib/logger.js';
import { readCookie } from './cookies.js';
import type { SessionData } from './session-data.js';
import type { SessionStore, StoredSession } from './session-store.js';

export interface SessionOptions {
  store: SessionStore;
  secret: string;
  secure: boolean;
  logger: Logger;
  /** When a session was last written (for the daily refresh). */
  clock: Clock;
  /** The application's error handler: a session that cannot be saved turns the answer into its page. */
  onError(error: unknown, req: Request, res: Response): void;
}

/** A session in use is written again after this long even unchanged, so the store does not expire it. */
const REFRESH_MS = 24 * 3_600_000;

// express-session's cookie signature: base64 HMAC-SHA256 without padding.
const signatureOf = (value: string, secret: string) => createHmac('sha256', secret).update(value).digest('base64').replace(/=+$/, '');

function unsign(cookieValue: string, secret: string): string | undefined {
  if (!cookieValue.startsWith('s:')) return undefined;
  const signed = cookieValue.slice(2);
  const dot = signed.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const id = signed.slice(0, dot);
  return constantTimeEqual(signed.slice(dot + 1), signatureOf(id, secret)) ? id : undefined;
}

/** One request's session, beside its data (req.session): where it is stored and what the end must do. */
interface SessionState {
  options: SessionOptions;
  /** Empty until the session is first written: most new sessions never are. */
  id: string;
  /** The cookie's expiry; null: it ends with the browser. */
  expires: Date | null;
  /** What the store holds (data and expiry as JSON), or undefined when it holds nothing under id. */
  stored: string | undefined;
  /** The cookie must be (re)sent: a new id, or a new expiry. */
  cookieChanged: boolean;
  /** Forgotten by destroy(): unless something is written after it, the browser is told to drop the cookie. */
  destroyed: boolean;
  /** Written at the end even unchanged (the daily refresh). */
  refresh: boolean;
}

const states = new WeakMap<Request, SessionState>();

function stateOf(req: Request): SessionState {
  const state = states.get(req);
  if (!state) throw new Error('no session middleware on this route');
  return state;
}

const snapshot = (req: Request, state: SessionState) => JSON.stringify([req.session, state.expires]);
const isEmpty = (data: SessionData) => Object.keys(data).length === 0;

async function write(req: Request, state: SessionState): Promise<void> {
  state.id ||= randomToken(24);
  const record: StoredSession = { ...req.session, cookie: { expires: state.expires?.toISOString() ?? null }, storedAt: state.options.clock.now().getTime() };
  await state.options.store.set(state.id, record);
  state.stored = snapshot(req, state);
  state.destroyed = false;
  state.refresh = false;
}

/** Empties the session and drops what the store has; what is written next is a new session, under a new id. */
async function forget(req: Request, state: SessionState): Promise<void> {
  if (state.stored !== undefined) await state.options.store.destroy(state.id);
  req.session = {};
  state.id = '';
  state.expires = null;
  state.stored = undefined;
  state.cookieChanged = true;
}

export const sessions = {
  /** A new, empty session under a new id (no fixation after a sign-in); the old record is dropped. */
  async regenerate(req: Request): Promise<void> {
    const state = stateOf(req);
    await forget(req, state);
    state.destroyed = false;
  },

  /** Writes the session now rather than at the end of the response. */
  async save(req: Request): Promise<void> {
    await write(req, stateOf(req));
  },

  /** Forgets the session: the store drops it and the browser is told to drop the cookie. */
  async destroy(req: Request): Promise<void> {
    const state = stateOf(req);
    await forget(req, state);
    state.destroyed = true;
  },

  /** Keeps the cookie for this long across browser restarts ("remember me"); written with the session. */
  rememberFor(req: Request, ms: number): void {
    const state = stateOf(req);
    state.expires = new Date(state.options.clock.now().getTime() + ms);
    state.cookieChanged = true;
  },
};

/** What the end of the response must do: nothing, write the session, or tell the browser to drop it. */
function pending(req: Request, state: SessionState): 'none' | 'save' | 'destroy' {
  if (state.stored === undefined) return !isEmpty(req.session) ? 'save' : state.destroyed ? 'destroy' : 'none';
  return state.refresh || snapshot(req, state) !== state.stored ? 'save' : 'none';
}

export function sessionMiddleware(name: string, path: string, options: SessionOptions) {
  const { store, secret, logger, clock } = options;
  const cookieOptions = { path, httpOnly: true, sameSite: 'lax' as const, secure: options.secure };

  return (req: Request, res: Response, next: NextFunction): void => {
    // A new session until the store says otherwise: its cookie is sent once it is first written.
    const state: SessionState = { options, id: '', expires: null, stored: undefined, cookieChanged: true, destroyed: false, refresh: false };
    states.set(req, state);
    req.session = {};

    const sendCookie = (action: 'none' | 'save' | 'destroy') => {
      if (res.headersSent) return;
      if (action === 'destroy') res.clearCookie(name, cookieOptions);
      // A new id or expiry goes out once the store has the session (written now, or by save() earlier).
      else if (state.stored !== undefined && (state.cookieChanged || (action === 'save' && state.expires))) {
        res.cookie(name, `s:${state.id}.${signatureOf(state.id, secret)}`, { ...cookieOptions, ...(state.expires ? { expires: state.expires } : {}) });
      }
    };

    // The end of the response waits for the session write, and carries the cookie when it changed.
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    let finishing = false;
    res.end = ((...args: unknown[]) => {
      if (finishing) return end(...args);
      finishing = true;
      const action = pending(req, state);
      if (action !== 'save') {
        sendCookie(action);
        return end(...args);
      }
      write(req, state).then(
        () => {
          sendCookie(action);
          end(...args);
        },
        (error) => {
          // The page was ready but the session it depends on was not kept: answer with the error
          // (a 503 while the store is down) rather than a page whose next step would fail.
          if (res.headersSent) {
            logger.warn({ reqId: res.locals.requestId, err: (error as Error).message }, 'the session could not be saved');
            return end(...args);
          }
          options.onError(error, req, res);
        },
      );
      return res;
    }) as Response['end'];

    const cookie = readCookie(req, name);
    const id = cookie ? unsign(cookie, secret) : undefined;
    if (!id) return next();
    store.get(id).then((record) => {
      if (record) {
        const { cookie: stored, storedAt, ...data } = record;
        req.session = data;
        state.id = id;
        state.expires = stored?.expires ? new Date(stored.expires) : null;
        state.stored = snapshot(req, state);
        state.cookieChanged = false;
        state.refresh = typeof storedAt !== 'number' || clock.now().getTime() - storedAt > REFRESH_MS;
      }
      next();
    }, next);
  };
}
