// Where a person goes after signing in: back to the page that sent them to the sign-in, when that page
// is on this site and in the audience's own area (a portal sign-in never lands in the console).
import type { Request } from 'express';
import type { Audience } from './audience.js';

/** A returnTo value is honoured only when it is a path on this site. */
export function safeReturnTo(value: unknown): string | undefined {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return undefined;
  try {
    const url = new URL(value, 'http://portico.invalid');
    const path = url.pathname + url.search;
    // Check the normalized result as well: "/.//evil.example" normalizes to "//evil.example".
    return url.origin === 'http://portico.invalid' && !path.startsWith('//') && !path.includes('\\') ? path : undefined;
  } catch {
    return undefined;
  }
}

/** The value when it is a local path in the audience's area, else the audience's home. */
export function returnToWithin(audience: Audience, value: unknown): string {
  const returnTo = safeReturnTo(value);
  return returnTo && audience.owns(returnTo) ? returnTo : audience.home;
}

/** The returnTo stored in the session (see returnToWithin), which is forgotten. */
export function takeReturnTo(req: Request, audience: Audience): string {
  const stored = req.session.returnTo;
  delete req.session.returnTo;
  return returnToWithin(audience, stored);
}
