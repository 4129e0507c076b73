// The cookies Portico sets, and reading one from a request. The portal and the console have separate
// session cookies, so a technician testing a client's link in the same browser stays signed in to
// the console as themselves.
import type { Request } from 'express';

export const PORTAL_COOKIE = 'portico.sid';
export const ADMIN_COOKIE = 'portico.admin.sid';

/** The decoded value of the named cookie, when the browser sent it. */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at).trim() === name) {
      const value = pair.slice(at + 1).trim();
      try {
        return decodeURIComponent(value);
      } catch {
        return undefined; // not something we set
      }
    }
  }
  return undefined;
}
