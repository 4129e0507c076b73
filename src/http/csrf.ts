// Synchronizer-token CSRF protection: one random token per session, rendered into every form as the
// hidden field _csrf and checked on every state-changing request.
import type { NextFunction, Request, Response } from 'express';
import { constantTimeEqual, randomToken } from '../lib/crypto.js';
import { CsrfError } from '../lib/errors.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function csrfTokenFor(req: Request): string {
  req.session.csrfToken ??= randomToken(32);
  return req.session.csrfToken;
}

/** Makes `csrfToken` available to views; the token (and so the session) is created only when a form uses it. */
export function exposeCsrfToken(req: Request, res: Response, next: NextFunction): void {
  Object.defineProperty(res.locals, 'csrfToken', { get: () => csrfTokenFor(req), enumerable: true, configurable: true });
  next();
}

export function verifyCsrf(req: Request, _res: Response, next: NextFunction): void {
  if (SAFE_METHODS.has(req.method)) return next();
  const sent = typeof req.body?._csrf === 'string' ? req.body._csrf : req.get('x-csrf-token');
  const expected = req.session?.csrfToken;
  if (!sent || !expected || !constantTimeEqual(sent, expected)) return next(new CsrfError());
  next();
}
