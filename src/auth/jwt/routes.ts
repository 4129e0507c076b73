// GET /auth/jwt?token=…: a program's signed login URL. Failures land on /signin with a plain message.
import { Router } from 'express';
import type { AuditService } from '../../audit/service.js';
import { contactAudience, contactSubject } from '../audience.js';
import { returnToWithin } from '../return-to.js';
import type { SignInService } from '../sign-in.js';
import type { JwtLoginService } from './service.js';

export function jwtLoginRoutes(deps: { jwtLogin: JwtLoginService; signIn: SignInService; audit: AuditService }): Router {
  const router = Router();
  router.get('/auth/jwt', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const token = typeof req.query.token === 'string' && req.query.token.length <= 4096 ? req.query.token : '';
    const result = await deps.jwtLogin.verify(token);
    if (!result.ok) {
      await deps.audit.record({ action: 'signin.failure', ip: req.ip, userAgent: req.get('user-agent'), detail: { method: 'jwt', reason: result.reason } });
      return res.redirect(303, `${contactAudience.basePath}?jwt=${result.reason}`);
    }
    await deps.signIn.signIn(req, contactSubject(result.contact), 'jwt');
    // The token's returnTo, when it is a portal page (safeReturnTo checked it already).
    res.redirect(303, returnToWithin(contactAudience, result.returnTo));
  });
  return router;
}
