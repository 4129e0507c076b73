// The confirm page and the spending POST for links made for a person: /signin/magic for contacts,
// /admin/signin/link for staff (the audience's link path). GET and HEAD spend nothing.
import { Router, type Response } from 'express';
import type { Config } from '../../config.js';
import { clientIp, rateLimit, type RateLimiter } from '../../http/rate-limit.js';
import { parseInput } from '../../http/validate.js';
import type { SettingsService } from '../../settings/service.js';
import { audiences, type SubjectKind } from '../audience.js';
import { linkSchema } from '../email-token/schema.js';
import { cleanLinkPath, readLinkToken } from '../link-token.js';
import { takeReturnTo } from '../return-to.js';
import type { SignInService } from '../sign-in.js';
import type { MagicLinkService } from './service.js';

export function magicLinkRoutes(deps: {
  kind: SubjectKind;
  magicLinks: MagicLinkService;
  signIn: SignInService;
  settings: SettingsService;
  limiter: RateLimiter;
  rateLimits: Config['rateLimits'];
}): Router {
  const router = Router();
  const { kind, magicLinks, signIn, settings, limiter, rateLimits } = deps;
  const audience = audiences[kind];
  const { path } = audience.link;
  const signinPath = audience.basePath;
  const perIp = rateLimit(limiter, 'signin-ip', clientIp, rateLimits.signinPerIp);

  // A link that does not work (used, expired, ...) leads to the sign-in page, which says why and has
  // the form to ask for a new mail right there ("request a new one below").
  const fail = (res: Response, reason: string) => res.redirect(303, `${signinPath}?${new URLSearchParams({ link: reason })}`);

  // A link with junk at its end goes to the clean link; one that looks cut says so (link-token.ts).
  const damaged = (res: Response) =>
    res.status(400).render('errors/error', {
      title: res.locals.t('magicLink.title'),
      status: 400,
      message: res.locals.t('magicLink.damaged'),
      signinPath,
      languageReturnTo: signinPath,
    });

  router.get(path, async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const link = readLinkToken(parseInput(linkSchema, req.query).token);
    if (link.kind === 'damaged') return damaged(res);
    if (link.kind === 'trailing') return res.redirect(303, cleanLinkPath(path, link.token));
    const { token } = link;
    const result = await magicLinks.check(kind, token);
    if (!result.ok) return fail(res, result.reason);
    const { portalName } = await settings.get('mail_token');
    res.render('auth/confirm', {
      title: res.locals.t('confirm.title'),
      action: path,
      token,
      email: result.email,
      portalName: audience.siteName(portalName, res.locals.t),
    });
  });

  router.post(path, perIp, async (req, res) => {
    const link = readLinkToken(parseInput(linkSchema, req.body).token);
    if (link.kind === 'damaged') return damaged(res);
    const { token } = link;
    const result = await magicLinks.spend(kind, token);
    if (!result.ok) return fail(res, result.reason);
    await signIn.signIn(req, result.subject, 'magic_link');
    res.redirect(303, takeReturnTo(req, audience));
  });

  return router;
}
