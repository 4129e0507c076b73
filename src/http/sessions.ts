// Browser sessions for the portal and the console: a signed cookie names a record in the session store
// (Redis, or the database without Redis). A browser that sends no cookie gets an empty session that
// costs nothing unless something is put in it; a session is written only when it changed (and, while
// in use, once a day so the store keeps it); the response waits for that write, so the page it leads
// to sees it. Whether a sign-in is still valid is decided by auth_sessions (sign-in.ts), not here.
//
// This replaced express-session, which made, hashed and compared a session for every anonymous
// request and wrote an expiry to the store on every page view. The cookie format (s:<id>.<HMAC>) and
// the Store interface are the same, so sessions and stores carry over. req.session keeps
// express-session's shape (its types describe it); only what Portico uses is more than a formality.
import { createHmac } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Session, SessionData, Store } from 'express-session';
import { constantTimeEqual, randomToken } from '../lib/crypto.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { readCookie } from './cookies.js';
import './session-data.js';

export interface SessionOptions {
  store: Store;
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

type Stored = Partial<SessionData> & { cookie?: { expires?: string | Date | null; originalMaxAge?: number | null }; storedAt?: number };

/** The cookie's lifetime: none (ends with the browser) unless maxAge is set, e.g. "remember me". */
class SessionCookie {
  expires: Date | null;
  originalMaxAge: number | null;
  readonly path: string;
  readonly httpOnly = true;
  readonly sameSite = 'lax' as const;
  readonly secure: boolean;

  constructor(path: string, secure: boolean, stored?: Stored['cookie']) {
    this.path = path;
    this.secure = secure;
    this.expires = stored?.expires ? new Date(stored.expires) : null;
    this.originalMaxAge = stored?.originalMaxAge ?? null;
  }

  get maxAge(): number | undefined {
    return this.expires ? this.expires.getTime() - Date.now() : undefined;
  }

  set maxAge(ms: number | undefined) {
    this.expires = ms === undefined ? null : new Date(Date.now() + ms);
    this.originalMaxAge = ms ?? null;
  }

  toJSON() {
    return { expires: this.expires, originalMaxAge: this.originalMaxAge };
  }

  serialize(): string {
    throw new Error('the session cookie is written by the session middleware');
  }
}

type Callback = (err?: unknown) => void;

// Each session's bookkeeping, kept off the object so that the object's own properties are its data.
const controls = new WeakMap<object, SessionControl>();
const controlOf = (session: object) => controls.get(session)!;

/** One browser's session for one request. Its own properties are the data; id and cookie live aside. */
class BrowserSession {
  constructor(control: SessionControl) {
    controls.set(this, control);
  }

  get id(): string {
    return controlOf(this).id;
  }

  get cookie(): SessionCookie {
    return controlOf(this).cookie;
  }

  private get control(): SessionControl {
    return controlOf(this);
  }

  regenerate(callback: Callback): this {
    this.control.regenerate().then(() => callback(), callback);
    return this;
  }

  destroy(callback: Callback): this {
    this.control.destroy().then(() => callback(), callback);
    return this;
  }

  save(callback?: Callback): this {
    this.control.save().then(
      () => callback?.(),
      (err) => callback?.(err),
    );
    return this;
  }

  reload(callback: Callback): this {
    this.control.reload().then(() => callback(), callback);
    return this;
  }

  resetMaxAge(): this {
    this.cookie.maxAge = this.cookie.originalMaxAge ?? undefined;
    return this;
  }

  touch(): this {
    this.control.refresh = true;
    return this;
  }
}

const dataOf = (session: BrowserSession): Stored => ({ ...session, cookie: session.cookie.toJSON() }) as Stored;
const hasData = (session: BrowserSession) => Object.keys(session).length > 0;

function clearData(session: BrowserSession) {
  for (const key of Object.keys(session)) delete (session as unknown as Record<string, unknown>)[key];
}

/** The bookkeeping behind one request's session: what the store has, and what must happen at the end. */
class SessionControl {
  session!: BrowserSession;
  id = '';
  cookie!: SessionCookie;
  /** The data as the store has it (JSON), or undefined when the store has nothing under this id. */
  stored: string | undefined;
  /** The cookie must be (re)sent: a new id, or a new expiry. */
  cookieChanged = false;
  destroyed = false;
  refresh = false;

  constructor(
    private readonly req: Request,
    private readonly options: SessionOptions & { path: string },
  ) {}

  private call(run: (done: Callback) => void): Promise<void> {
    return new Promise((resolve, reject) => run((err) => (err ? reject(err) : resolve())));
  }

  // The id of a new session is drawn when it is first saved: most new sessions never are.
  fresh(): BrowserSession {
    this.id = '';
    this.cookie = new SessionCookie(this.options.path, this.options.secure);
    this.session = new BrowserSession(this);
    this.stored = undefined;
    this.cookieChanged = true;
    return this.session;
  }

  loaded(id: string, data: Stored): BrowserSession {
    const { cookie, storedAt, ...fields } = data;
    this.id = id;
    this.cookie = new SessionCookie(this.options.path, this.options.secure, cookie);
    this.session = Object.assign(new BrowserSession(this), fields);
    this.stored = JSON.stringify(dataOf(this.session));
    this.refresh = typeof storedAt !== 'number' || this.options.clock.now().getTime() - storedAt > REFRESH_MS;
    return this.session;
  }

  /** What the end of the response must do: nothing, write the session, or forget it. */
  pending(): 'none' | 'save' | 'destroy' {
    if (this.stored === undefined) return hasData(this.session) ? 'save' : this.destroyed ? 'destroy' : 'none';
    return this.refresh || JSON.stringify(dataOf(this.session)) !== this.stored ? 'save' : 'none';
  }

  async save(): Promise<void> {
    const data = { ...dataOf(this.session), storedAt: this.options.clock.now().getTime() };
    this.id ||= randomToken(24);
    await this.call((done) => this.options.store.set(this.id, data as SessionData, done));
    this.stored = JSON.stringify(dataOf(this.session));
    this.destroyed = false;
    this.refresh = false;
  }

  /** Forgets the stored session and empties this one; what is written next is a new session, under a new id. */
  private async forget(): Promise<void> {
    if (this.stored !== undefined) await this.call((done) => this.options.store.destroy(this.id, done));
    clearData(this.session);
    this.id = '';
    this.cookie = new SessionCookie(this.options.path, this.options.secure);
    this.stored = undefined;
    this.cookieChanged = true;
  }

  async regenerate(): Promise<void> {
    await this.forget();
    this.destroyed = false;
  }

  // Unless something is written after it, the end of the response tells the browser to drop the cookie.
  async destroy(): Promise<void> {
    await this.forget();
    this.destroyed = true;
  }

  async reload(): Promise<void> {
    const data = await new Promise<Stored | null | undefined>((resolve, reject) =>
      this.options.store.get(this.id, (err, found) => (err ? reject(err) : resolve(found as Stored))),
    );
    clearData(this.session);
    if (data) this.loaded(this.id, data);
    this.req.session = this.session as unknown as Session & Partial<SessionData>;
  }
}

export function sessionMiddleware(name: string, path: string, options: SessionOptions) {
  const settings = { ...options, path };
  const { store, secret, logger } = options;
  const cookieOptions = { path, httpOnly: true, sameSite: 'lax' as const, secure: options.secure };

  return (req: Request, res: Response, next: NextFunction): void => {
    const control = new SessionControl(req, settings);
    const attach = (session: BrowserSession) => {
      req.session = session as unknown as Session & Partial<SessionData>;
    };

    // The end of the response waits for the session write, and carries the cookie when it changed.
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    let finishing = false;
    res.end = ((...args: unknown[]) => {
      if (finishing) return end(...args);
      finishing = true;
      const action = control.pending();
      const session = control.session;
      const sendCookie = () => {
        if (res.headersSent) return;
        if (action === 'destroy') res.clearCookie(name, cookieOptions);
        // A new id or expiry goes out once the store has the session (saved now, or by save() earlier).
        else if (control.stored !== undefined && (control.cookieChanged || (action === 'save' && session.cookie.expires))) {
          res.cookie(name, `s:${session.id}.${signatureOf(session.id, secret)}`, {
            ...cookieOptions,
            ...(session.cookie.expires ? { expires: session.cookie.expires } : {}),
          });
        }
      };
      if (action !== 'save') {
        sendCookie();
        return end(...args);
      }
      control.save().then(
        () => {
          sendCookie();
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
    if (!id) {
      attach(control.fresh());
      return next();
    }
    store.get(id, (err, data) => {
      if (err) {
        attach(control.fresh());
        return next(err);
      }
      attach(data ? control.loaded(id, data as Stored) : control.fresh());
      next();
    });
  };
}
