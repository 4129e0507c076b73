// The footer's language switch: POST /language (lang, returnTo, and the _csrf every form carries)
// remembers the choice in the portico.lang cookie for a year and goes back to the page it came from.
import { Router } from 'express';
import { safeReturnTo } from '../auth/return-to.js';
import { cookieNamesOf } from '../http/cookies.js';
import { isLocale } from './index.js';

const ONE_YEAR_MS = 365 * 24 * 3_600_000;

export function languageRoutes(deps: { secure: boolean }): Router {
  const router = Router();
  router.post('/language', (req, res) => {
    const lang: unknown = req.body?.lang;
    if (isLocale(lang)) res.cookie(cookieNamesOf(req).language, lang, { path: '/', maxAge: ONE_YEAR_MS, httpOnly: true, sameSite: 'lax', secure: deps.secure });
    res.set('Cache-Control', 'no-store');
    res.redirect(303, safeReturnTo(req.body?.returnTo) ?? '/');
  });
  return router;
}
