// "Sign in with Microsoft" for the portal (/auth/microsoft) and the console (/admin/auth/microsoft).
// Every failure lands on the sign-in page with the email form open, the address filled in where
// Microsoft told us one, and a plain message: the email token is the fallback.
import { Router, type Request, type Response } from 'express';
import type { AuditService } from '../../audit/service.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import { audiences, contactSubject, staffSubject, type SubjectKind } from '../audience.js';
import { safeReturnTo, takeReturnTo } from '../return-to.js';
import type { SignInService } from '../sign-in.js';
import { AccountDetailsNeeded, type MicrosoftIdentity } from './identity.js';
import { MicrosoftSignInError, type MicrosoftOidc } from './oidc.js';

// A sign-in left unfinished for longer than this is not taken back.
const ATTEMPT_TTL_MS = 10 * 60_000;

export interface MicrosoftRouteDeps {
  kind: SubjectKind;
  oidc: MicrosoftOidc;
  identity: MicrosoftIdentity;
  signIn: SignInService;
  audit: AuditService;
  baseUrl: URL;
  logger: Logger;
  clock: Clock;
}

export function microsoftRoutes(deps: MicrosoftRouteDeps): Router {
  const router = Router();
  const { kind, oidc, identity, signIn, audit, logger, clock } = deps;
  const audience = audiences[kind];
  const { prefix } = audience.microsoft;
  const redirectUri = new URL(`${prefix}/auth/microsoft/callback`, deps.baseUrl).toString();
  const signinPath = audience.basePath;

  async function fallback(req: Request, res: Response, error: unknown) {
    const failure = error instanceof MicrosoftSignInError ? error : new MicrosoftSignInError('provider_error', (error as Error).message ?? String(error));
    logger.warn({ audience: kind, reason: failure.reason, detail: failure.message }, 'Microsoft sign-in failed');
    await audit
      .record({
        action: 'signin.failure',
        ip: req.ip,
        userAgent: req.get('user-agent'),
        detail: { audience: kind, method: 'microsoft', reason: failure.reason },
      })
      .catch((err) => logger.error({ err }, 'audit write failed'));
    const target = new URLSearchParams({ microsoft: failure.reason });
    if (failure.loginHint) target.set('email', failure.loginHint);
    res.redirect(303, `${signinPath}?${target}`);
  }

  router.get(`${prefix}/auth/microsoft`, async (req, res) => {
    try {
      const loginHint = typeof req.query.login_hint === 'string' && req.query.login_hint.length <= 254 ? req.query.login_hint : undefined;
      const start = await oidc.start({ redirectUri, loginHint });
      req.session.microsoft = { state: start.state, nonce: start.nonce, codeVerifier: start.codeVerifier, at: clock.now().getTime() };
      // The sign-in page's link carries the returnTo: kept with the attempt, which needs a session anyway.
      const returnTo = safeReturnTo(req.query.returnTo);
      if (returnTo) req.session.returnTo = returnTo;
      res.redirect(303, start.url);
    } catch (error) {
      await fallback(req, res, error);
    }
  });

  router.get(`${prefix}/auth/microsoft/callback`, async (req, res) => {
    // One use per attempt: taken out of the session before anything else, so a replayed answer finds nothing.
    const attempt = req.session.microsoft;
    delete req.session.microsoft;
    const expected = attempt && clock.now().getTime() - attempt.at <= ATTEMPT_TTL_MS ? attempt : undefined;
    try {
      const claims = await oidc.finish({ redirectUri, query: req.query as Record<string, unknown>, expected });
      const subject = kind === 'staff' ? staffSubject(await identity.staffFor(claims)) : contactSubject(await identity.contactFor(claims));
      await signIn.signIn(req, subject, 'microsoft');
      res.redirect(303, takeReturnTo(req, audience));
    } catch (error) {
      if (error instanceof AccountDetailsNeeded) {
        // Not a failure: the person gives the names the PSA needs on "Create your account" (portal only).
        logger.info({ audience: kind, problems: error.problems }, 'Microsoft sign-in needs account details');
        const { email, companyId, names, problems, entra } = error;
        req.session.newAccount = { email, companyId, at: clock.now().getTime(), prefill: { ...names, problems, entra } };
        return res.redirect(303, '/signin/create-account');
      }
      await fallback(req, res, error);
    }
  });

  return router;
}
