// GET /auth/jwt?token=…: a program's signed login URL. Failures land on /signin with a plain message.
import { Router } from 'express';
import type { AuditService } from '../../audit/service.js';
import { msg, type MessageKey } from '../../i18n/index.js';
import type { SignInService } from '../sign-in.js';
import type { JwtLoginService } from './service.js';

/** A failure reason (the ?jwt= of the sign-in page) → the catalogue key of what the person is told. */
export const JWT_MESSAGES: Record<string, MessageKey> = {
  disabled: msg('jwt.disabled'),
  invalid: msg('jwt.invalid'),
  expired: msg('jwt.expired'),
  too_long: msg('jwt.too_long'),
  reused: msg('jwt.reused'),
  no_contact: msg('jwt.no_contact'),
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
