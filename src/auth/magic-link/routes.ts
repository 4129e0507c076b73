// The confirm page and the spending POST for links made for a person: /signin/magic for contacts,
// /admin/signin/link for staff. GET and HEAD spend nothing.
import { Router } from 'express';
import type { RateLimiter } from '../../http/rate-limit.js';
import { parseInput } from '../../http/validate.js';
import type { Config } from '../../config.js';
import type { SettingsService } from '../../settings/service.js';
import { failureMessage, takeReturnTo } from '../email-token/routes.js';
import { linkSchema } from '../email-token/schema.js';
import type { SignInService } from '../sign-in.js';
import { linkPaths, type LinkKind, type MagicLinkService } from './service.js';

export function magicLinkRoutes(deps: { kind: LinkKind; magicLinks: MagicLinkService; signIn: SignInService; settings: SettingsService; limiter: RateLimiter; rateLimits: Config['rateLimits'] }): Router {
  const router = Router();
  const { kind, magicLinks, signIn, settings, limiter, rateLimits } = deps;
  const path = linkPaths[kind];
  const home = kind === 'staff' ? '/admin' : '/';
  const signinPath = kind === 'staff' ? '/admin/signin' : '/signin';

  const fail = (res: import('express').Response, reason: string) =>
    res.status(400).render('errors/error', { title: res.locals.t('magicLink.title'), status: 400, message: res.locals.t(failureMessage(reason)), signinPath, languageReturnTo: signinPath });

  router.get(path, async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const { token } = parseInput(linkSchema, req.query);
    const result = await magicLinks.check(kind, token);
    if (!result.ok) return fail(res, result.reason);
    const { portalName } = await settings.get('mail_token');
    res.render('auth/confirm', { title: res.locals.t('confirm.title'), action: path, token, email: result.email, portalName: kind === 'staff' ? res.locals.t('confirm.consoleName', { portal: portalName }) : portalName });
  });

  router.post(path, async (req, res) => {
    await limiter.consume('signin-ip', req.ip ?? 'unknown', rateLimits.signinPerIp);
    const { token } = parseInput(linkSchema, req.body);
    const result = await magicLinks.spend(kind, token);
    if (!result.ok) return fail(res, result.reason);
    await signIn.signIn(req, kind, result.subject as never, 'magic_link');
    res.redirect(303, takeReturnTo(req, home));
  });

  return router;
}
