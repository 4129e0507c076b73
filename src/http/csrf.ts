// CSRF protection for every state-changing form: the hidden field _csrf (or the X-CSRF-Token header),
// checked in constant time against the token this browser should hold. Two kinds of token, one check:
// - A browser whose session holds something (a sign-in under way, a signed-in person) keeps a random
//   synchronizer token in that session. A sign-in sets a fresh one (see sign-in.ts), so a token known
//   before the sign-in is worthless after it.
// - A browser without such a session (someone opening /signin) gets a signed double-submit token: a
//   random nonce in the portico.csrf cookie (HttpOnly) and HMAC(key, nonce) in the form. Nothing is
//   stored on the server, so anonymous page views cost no session write and cannot fill the session
//   store. When that browser's session is first written (it asks for a sign-in mail), the session
//   adopts the same token, so forms already open in other tabs keep working.
import type { NextFunction, Request, Response } from 'express';
import { constantTimeEqual, keyedHash, randomToken } from '../lib/crypto.js';
import { CsrfError } from '../lib/errors.js';
import { readCookie } from './cookies.js';

export const CSRF_COOKIE = 'portico.csrf';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const NONCE = /^[A-Za-z0-9_-]{43}$/; // 32 random bytes, base64url

export interface CsrfOptions {
  /** Signs the cookie nonces (derived from SESSION_SECRET). */
  key: Buffer;
  /** Secure cookie (BASE_URL is https). */
  secure: boolean;
}

export interface CsrfProtection {
  /** Makes `csrfToken` available to views; a token is made only when a page renders a form. */
  expose(req: Request, res: Response, next: NextFunction): void;
  verify(req: Request, res: Response, next: NextFunction): void;
}

function cookieNonce(req: Request): string | undefined {
  const value = readCookie(req, CSRF_COOKIE);
  return value && NONCE.test(value) ? value : undefined;
}

/** Whether the session holds anything worth a stored token (a new, empty one is never saved). */
const holdsData = (req: Request) => req.session != null && Object.keys(req.session).some((key) => key !== 'cookie');

export function csrfProtection(options: CsrfOptions): CsrfProtection {
  const issuedNonces = new WeakMap<Response, string>();
  const tokenFor = (nonce: string) => keyedHash(options.key, nonce);

  function tokenOf(req: Request, res: Response): string {
    if (req.session?.csrfToken) return req.session.csrfToken;
    let nonce = cookieNonce(req) ?? issuedNonces.get(res);
    if (holdsData(req)) {
      req.session.csrfToken = nonce ? tokenFor(nonce) : randomToken(32);
      return req.session.csrfToken;
    }
    if (!nonce) {
      nonce = randomToken(32);
      issuedNonces.set(res, nonce); // one nonce per response, however many forms the page has
      res.cookie(CSRF_COOKIE, nonce, { path: '/', httpOnly: true, sameSite: 'lax', secure: options.secure });
    }
    return tokenFor(nonce);
  }

  return {
    expose(req, res, next) {
      Object.defineProperty(res.locals, 'csrfToken', { get: () => tokenOf(req, res), enumerable: true, configurable: true });
      next();
    },
    verify(req, _res, next) {
      if (SAFE_METHODS.has(req.method)) return next();
      const sent = typeof req.body?._csrf === 'string' ? req.body._csrf : req.get('x-csrf-token');
      const nonce = cookieNonce(req);
      const expected = req.session?.csrfToken ?? (nonce ? tokenFor(nonce) : undefined);
      if (!sent || !expected || !constantTimeEqual(sent, expected)) return next(new CsrfError());
      next();
    },
  };
}
