// Console access: every console route passes requireStaff; some also need the admin role, and
// changes to settings and staff need a sign-in within the last 15 minutes.
import type { NextFunction, Request, Response } from 'express';
import type { SignInService } from '../auth/sign-in.js';
import type { Clock } from '../lib/clock.js';
import { ForbiddenError, NotFoundError } from '../lib/errors.js';
import type { Staff } from '../staff/service.js';

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

export function requireRecentSignIn(clock: Clock) {
  return (req: Request, res: Response, next: NextFunction) => {
    const at = req.session.signedIn?.at ?? 0;
    if (clock.now().getTime() - at <= RECENT_SIGN_IN_MS) return next();
    const page = req.method === 'GET' ? req.originalUrl : req.baseUrl + req.path;
    res.redirect(303, `/admin/signin?again=1&returnTo=${encodeURIComponent(page)}`);
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
