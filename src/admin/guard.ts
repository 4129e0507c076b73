// Console access: every console route passes requireStaff; some also need the admin role, and
// changes (not views) of settings, staff and API keys need a sign-in within the last 15 minutes.
import type { NextFunction, Request, Response } from 'express';
import type { SignInService } from '../auth/sign-in.js';
import type { Clock } from '../lib/clock.js';
import { ForbiddenError, NotFoundError } from '../lib/errors.js';
import type { Staff } from '../staff/service.js';
import { keepForm } from './kept-form.js';

export const RECENT_SIGN_IN_MS = 15 * 60_000;

export function requireStaff(signIn: SignInService) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const staff = await signIn.current(req, 'staff');
    if (!staff) {
      const returnTo = req.method === 'GET' ? `?returnTo=${encodeURIComponent(req.originalUrl)}` : '';
      return res.redirect(303, `/admin/signin${returnTo}`);
    }
    res.locals.staff = staff;
    next();
  };
}

export function requireAdmin(_req: Request, res: Response, next: NextFunction): void {
  if ((res.locals.staff as Staff).role !== 'admin') return next(new ForbiddenError('Only admins may open this page.'));
  next();
}

/**
 * Saving (any POST) needs a sign-in within the last 15 minutes; looking (GET) does not. A stale POST is
 * not applied: its fields are kept (kept-form.ts) and the person signs in again, with their address
 * filled in, and comes back to `formPage` (the page the form is on), which shows what they typed.
 */
export function requireRecentSignIn(clock: Clock, formPage: (req: Request) => string) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    const at = req.session.signedIn?.at ?? 0;
    if (clock.now().getTime() - at <= RECENT_SIGN_IN_MS) return next();
    const page = formPage(req);
    keepForm(req, res, page, clock);
    const again = new URLSearchParams({ again: '1', email: staffOf(res).email, returnTo: page });
    res.redirect(303, `/admin/signin?${again}`);
  };
}

export function staffOf(res: Response): Staff {
  return res.locals.staff as Staff;
}

export function actorOf(req: Request, res: Response) {
  return { staffId: staffOf(res).id, ip: req.ip ?? null };
}

/** A numeric route parameter, or 404. */
export function idParam(req: Request, name = 'id'): number {
  const value = req.params[name];
  if (typeof value !== 'string' || !/^\d{1,9}$/.test(value)) throw new NotFoundError();
  return Number(value);
}

export function pageParam(req: Request): number {
  const page = Number(req.query.page);
  return Number.isInteger(page) && page > 0 && page < 100_000 ? page : 1;
}

export function textParam(req: Request, name: string): string {
  const value = req.query[name];
  return typeof value === 'string' ? value.slice(0, 200) : '';
}
