// The cookies Portico sets, and reading one from a request. The portal and the console have separate
// session cookies, so a technician testing a client's link in the same browser stays signed in to
// the console as themselves.
//
// When BASE_URL is https every cookie is named with the __Host- prefix: the browser then accepts it only
// from this very host, over https, with Path=/ and no Domain, so a sibling subdomain (or a page served
// over plain http on the same name) cannot plant one. The prefix needs Path=/, so the console's cookie
// then covers the whole site too; it keeps a name of its own, so the portal never reads it.
import type { Request } from 'express';

export interface CookieNames {
  portalSession: string;
  consoleSession: string;
  /** The console cookie's Path: /admin over http, / with the __Host- prefix. */
  consolePath: '/' | '/admin';
  /** The nonce behind the anonymous CSRF token (csrf.ts). */
  csrf: string;
  /** The footer's language choice. */
  language: string;
  /** The browser's time zone, set by public/js/site.js (lib/time-zone.ts checks it). */
  timeZone: string;
}

export function cookieNames(secure: boolean): CookieNames {
  const prefix = secure ? '__Host-' : '';
  return {
    portalSession: `${prefix}portico.sid`,
    consoleSession: `${prefix}portico.admin.sid`,
    consolePath: secure ? '/' : '/admin',
    csrf: `${prefix}portico.csrf`,
    language: `${prefix}portico.lang`,
    // Named in every page (data-time-zone-cookie), so it does not name the product: once a portal name is
    // set, a client's page never says Portico (issue 17).
    timeZone: `${prefix}tz`,
  };
}

/** The names this application uses: createApp keeps them in app.locals.cookieNames (plain names outside an app). */
export function cookieNamesOf(req: Request): CookieNames {
  return (req.app?.locals.cookieNames as CookieNames | undefined) ?? cookieNames(false);
}

/**
 * The decoded value of the named cookie, when the browser sent it exactly once. Two cookies of one
 * name mean someone else set one of them (a sibling subdomain may set a cookie for the whole domain,
 * and browsers send both without saying which is whose), so neither is believed: no session, no
 * CSRF nonce, no language.
 */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  let found: string | undefined;
  for (const pair of header.split(';')) {
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at).trim() === name) {
      if (found !== undefined) return undefined;
      found = pair.slice(at + 1).trim();
    }
  }
  if (found === undefined) return undefined;
  try {
    return decodeURIComponent(found);
  } catch {
    return undefined; // not something we set
  }
}
