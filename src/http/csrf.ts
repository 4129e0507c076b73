// CSRF protection for every state-changing form, in two lines of defence.
// 1. Where the request comes from: a browser says so in Sec-Fetch-Site (or, older ones, Origin). A POST
//    that the browser marks as coming from another site, a sibling subdomain included (same-site), is
//    refused with 403 whatever token it carries. A request with neither header (curl, scripts, old
//    browsers) passes this line and must still pass the next one.
// 2. The hidden field _csrf (or the X-CSRF-Token header), checked in constant time against the token
//    this browser should hold. Two kinds of token, one check:
//    - A browser whose session holds something (a sign-in under way, a signed-in person) keeps a random
//      synchronizer token in that session. A sign-in sets a fresh one (see sign-in.ts), so a token known
//      before the sign-in is worthless after it.
//    - A browser without such a session (someone opening /signin) gets a signed double-submit token: a
//      random nonce in the CSRF cookie (HttpOnly) and HMAC(key, nonce) in the form. Nothing is stored on
//      the server, so anonymous page views cost no session write and cannot fill the session store.
//      When that browser's session is first written (it asks for a sign-in mail), the session adopts the
//      same token, so forms already open in other tabs keep working.
// Why the nonce cookie is what binds the token: the attacker's move against a double-submit token is to
// plant their own nonce cookie (from a sibling subdomain) and post the token their own visit gave them
// (login CSRF: the victim ends up signed in as the attacker). On https the cookie is __Host-portico.csrf,
// which only this host can set, so a planted nonce never reaches the check; a second cookie of the same
// name is refused (cookies.ts); and line 1 stops the planted form on http too. Binding the token to the
// form as well would not help against that attacker, who can fetch the token of every form from their
// own visit, so the token covers every anonymous form of the browser.
import type { NextFunction, Request, Response } from 'express';
import { constantTimeEqual, keyedHash, randomToken } from '../lib/crypto.js';
import { CsrfError } from '../lib/errors.js';
import { readCookie } from './cookies.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const NONCE = /^[A-Za-z0-9_-]{43}$/; // 32 random bytes, base64url

export interface CsrfOptions {
  /** Signs the cookie nonces (derived from SESSION_SECRET). */
  key: Buffer;
  /** Secure cookie (BASE_URL is https). */
  secure: boolean;
  /** The nonce cookie's name (cookies.ts: __Host-portico.csrf on https). */
  cookieName: string;
  /** BASE_URL's origin: a POST whose Origin header names another one is refused. */
  origin: string;
}

export interface CsrfProtection {
  /** Makes `csrfToken` available to views; a token is made only when a page renders a form. */
  expose(req: Request, res: Response, next: NextFunction): void;
  verify(req: Request, res: Response, next: NextFunction): void;
}

function cookieNonce(req: Request, name: string): string | undefined {
  const value = readCookie(req, name);
  return value && NONCE.test(value) ? value : undefined;
}

// Sec-Fetch-Site "none" is a navigation the person started themselves (a bookmark, the address bar).
const OWN_FETCH_SITES = new Set(['same-origin', 'none']);

/** Whether the browser says this request was sent from another site (line 1 above). */
function sentFromElsewhere(req: Request, origin: string): boolean {
  const fetchSite = req.get('sec-fetch-site');
  if (fetchSite) return !OWN_FETCH_SITES.has(fetchSite.toLowerCase());
  const sentOrigin = req.get('origin');
  return sentOrigin !== undefined && sentOrigin !== origin; // "null" (a sandboxed or privacy-sensitive context) included
}

/** Whether the session holds anything worth a stored token (a new, empty one is never saved). */
const holdsData = (req: Request) => req.session != null && Object.keys(req.session).some((key) => key !== 'cookie');

export function csrfProtection(options: CsrfOptions): CsrfProtection {
  const issuedNonces = new WeakMap<Response, string>();
  const tokenFor = (nonce: string) => keyedHash(options.key, nonce);

  function tokenOf(req: Request, res: Response): string {
    if (req.session?.csrfToken) return req.session.csrfToken;
    let nonce = cookieNonce(req, options.cookieName) ?? issuedNonces.get(res);
    if (holdsData(req)) {
      req.session.csrfToken = nonce ? tokenFor(nonce) : randomToken(32);
      return req.session.csrfToken;
    }
    if (!nonce) {
      nonce = randomToken(32);
      issuedNonces.set(res, nonce); // one nonce per response, however many forms the page has
      res.cookie(options.cookieName, nonce, { path: '/', httpOnly: true, sameSite: 'lax', secure: options.secure });
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
      if (sentFromElsewhere(req, options.origin)) return next(new CsrfError(true));
      const sent = typeof req.body?._csrf === 'string' ? req.body._csrf : req.get('x-csrf-token');
      const nonce = cookieNonce(req, options.cookieName);
      const expected = req.session?.csrfToken ?? (nonce ? tokenFor(nonce) : undefined);
      if (!sent || !expected || !constantTimeEqual(sent, expected)) return next(new CsrfError());
      next();
    },
  };
}
