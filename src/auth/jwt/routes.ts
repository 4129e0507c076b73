// GET /auth/jwt?token=…: a program's signed login URL. Failures land on /signin with a plain message.
import { Router } from 'express';
import type { AuditService } from '../../audit/service.js';
import type { SignInService } from '../sign-in.js';
import type { JwtLoginService } from './service.js';

export const JWT_MESSAGES: Record<string, string> = {
  disabled: 'Login links from other programs are turned off. Sign in with your email address.',
  invalid: 'That login link is not valid. Sign in with your email address.',
  expired: 'That login link has expired. Sign in with your email address.',
  too_long: 'That login link is not valid. Sign in with your email address.',
  reused: 'That login link has already been used. Sign in with your email address.',
  no_contact: 'That login link does not belong to an account here. Sign in with your email address.',
};

export function jwtLoginRoutes(deps: { jwtLogin: JwtLoginService; signIn: SignInService; audit: AuditService }): Router {
  const router = Router();
  router.get('/auth/jwt', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const token = typeof req.query.token === 'string' && req.query.token.length <= 4096 ? req.query.token : '';
    const result = await deps.jwtLogin.verify(token);
    if (!result.ok) {
      await deps.audit.record({ action: 'signin.failure', ip: req.ip, userAgent: req.get('user-agent'), detail: { method: 'jwt', reason: result.reason } });
      return res.redirect(303, `/signin?jwt=${result.reason}`);
    }
    await deps.signIn.signIn(req, 'contact', result.contact, 'jwt');
    res.redirect(303, result.returnTo && !result.returnTo.startsWith('/admin') ? result.returnTo : '/');
  });
  return router;
}
