// Email-token sign-in pages, mounted at the audience's basePath (/signin for clients, /admin/signin for
// staff). Each route: rate limit → (CSRF, app-wide) → validate → service → render.
import { Router, type Request, type Response } from 'express';
import type { Config } from '../../config.js';
import type { RateLimiter } from '../../http/rate-limit.js';
import { parseInput } from '../../http/validate.js';
import type { Background } from '../../lib/background.js';
import type { Clock } from '../../lib/clock.js';
import { randomToken } from '../../lib/crypto.js';
import { ValidationError } from '../../lib/errors.js';
import type { SettingsService } from '../../settings/service.js';
import { safeReturnTo, type SignInMethod, type SignInService } from '../sign-in.js';
import { JWT_MESSAGES } from '../jwt/routes.js';
import { MICROSOFT_MESSAGES } from '../microsoft/routes.js';
import { codeSchema, linkSchema, requestSchema } from './schema.js';
import type { EmailTokenService, SpendResult } from './service.js';

export interface EmailTokenRouteDeps {
  emailTokens: EmailTokenService;
  signIn: SignInService;
  settings: SettingsService;
  limiter: RateLimiter;
  background: Background;
  clock: Clock;
  rateLimits: Config['rateLimits'];
  /** Where "Sign in with Microsoft" starts; absent: no button. */
  microsoftHref?: string;
}

export const FAILURE_MESSAGES: Record<string, string> = {
  invalid: 'That link or code is not valid. Check it, or request a new one.',
  expired: 'That link or code has expired. Request a new one below.',
  used: 'That link or code has already been used. Request a new one below.',
  revoked: 'That link or code was replaced by a newer one, or was locked after too many wrong codes. Use the newest mail, or request a new one.',
  no_subject: 'This address cannot sign in here. Contact your IT provider if you think it should.',
  disabled: 'Sign-in by email is turned off. Use another sign-in method.',
};

const CODE_FAILURE = 'That code is not valid, has expired, or was locked after too many wrong tries. Check the newest mail, or request a new one.';

export function emailTokenRoutes(deps: EmailTokenRouteDeps): Router {
  const router = Router();
  const { emailTokens, signIn, settings, limiter, background, clock, rateLimits } = deps;
  const { audience } = emailTokens;
  const { basePath } = audience;
  const heading = audience.kind === 'staff' ? 'Technician sign-in' : 'Sign in';

  async function renderSignIn(_req: Request, res: Response, status: number, locals: Record<string, unknown> = {}) {
    res.status(status).render('auth/signin', { title: heading, heading, basePath, emailTokenEnabled: await audience.enabled(), microsoftHref: deps.microsoftHref, email: '', errors: {}, message: undefined, ...locals });
  }

  async function renderCheckMail(req: Request, res: Response, status: number, locals: Record<string, unknown> = {}) {
    const flow = req.session.emailFlow!;
    const { resendCooldownSeconds, tokenMinutes } = await settings.get('mail_token');
    const waitSeconds = Math.max(0, Math.ceil((flow.requestedAt + resendCooldownSeconds * 1000 - clock.now().getTime()) / 1000));
    res.set('Cache-Control', 'no-store');
    res.status(status).render('auth/check-mail', { title: 'Check your mail', basePath, email: flow.email, waitSeconds, tokenMinutes, errors: {}, message: undefined, ...locals });
  }

  // Issues the token once the response has gone out, so nothing about the address (known, unknown,
  // PSA lookup) can make the answer slower or faster. The task is registered now (shutdown and tests
  // wait for it) and starts when the response is finished or the client has gone.
  function requestInBackground(req: Request, res: Response) {
    const flow = req.session.emailFlow!;
    const context = { email: flow.email, browserBinding: flow.binding, ip: req.ip, userAgent: req.get('user-agent') };
    const sent = new Promise<void>((resolve) => {
      res.once('finish', resolve);
      res.once('close', resolve);
    });
    background.run('email-token.request', () => sent.then(() => emailTokens.request(context)));
  }

  // The address is proven: sign in, or let the person pick one of several accounts, or create theirs.
  async function finishSignIn(req: Request, res: Response, result: SpendResult, method: SignInMethod, onFailure: () => Promise<void>) {
    if (!result.ok) return onFailure();
    delete req.session.emailFlow;
    const at = clock.now().getTime();
    if (result.subjects.length > 1) {
      req.session.choice = { email: result.email, at, contactIds: result.subjects.map((s) => s.id) };
      return res.redirect(303, `${basePath}/choose`);
    }
    if (result.subjects.length === 0 && result.newAccountCompanyId !== undefined) {
      req.session.newAccount = { email: result.email, at, companyId: result.newAccountCompanyId };
      return res.redirect(303, `${basePath}/create-account`);
    }
    await signIn.signIn(req, audience.kind, result.subjects[0] as never, method);
    res.redirect(303, takeReturnTo(req, audience.home));
  }

  router.get('/', async (req, res) => {
    const returnTo = safeReturnTo(req.query.returnTo);
    if (returnTo) req.session.returnTo = returnTo;
    const notice = req.query.signedOut ? 'You have signed out.' : undefined;
    const microsoftFailure = typeof req.query.microsoft === 'string' ? MICROSOFT_MESSAGES[req.query.microsoft] : undefined;
    const jwtFailure = typeof req.query.jwt === 'string' ? JWT_MESSAGES[req.query.jwt] : undefined;
    const message = microsoftFailure ?? jwtFailure ?? (req.query.again ? 'For this change, sign in again: your last sign-in is more than 15 minutes ago.' : undefined);
    await renderSignIn(req, res, 200, { notice, message, email: typeof req.query.email === 'string' ? req.query.email.slice(0, 254) : '' });
  });

  router.post('/email', async (req, res) => {
    await limiter.consume('signin-ip', req.ip ?? 'unknown', rateLimits.signinPerIp);
    let email: string;
    try {
      ({ email } = parseInput(requestSchema, req.body));
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return renderSignIn(req, res, 400, { email: String(req.body?.email ?? '').slice(0, 254), errors: error.fieldErrors });
    }
    if (!(await audience.enabled())) return renderSignIn(req, res, 403, { message: FAILURE_MESSAGES.disabled });
    await limiter.consume('signin-address', email, rateLimits.signinPerAddress);
    const binding = req.session.emailFlow?.binding ?? randomToken(16);
    req.session.emailFlow = { email, binding, requestedAt: clock.now().getTime() };
    requestInBackground(req, res);
    await renderCheckMail(req, res, 200);
  });

  router.get('/code', async (req, res) => {
    if (!req.session.emailFlow) return res.redirect(303, basePath);
    await renderCheckMail(req, res, 200);
  });

  router.post('/resend', async (req, res) => {
    const flow = req.session.emailFlow;
    if (!flow) return res.redirect(303, basePath);
    const { resendCooldownSeconds } = await settings.get('mail_token');
    const waitMs = flow.requestedAt + resendCooldownSeconds * 1000 - clock.now().getTime();
    if (waitMs > 0) {
      res.set('Retry-After', String(Math.ceil(waitMs / 1000)));
      return renderCheckMail(req, res, 429, { message: `Wait ${Math.ceil(waitMs / 1000)} seconds before asking for another mail.` });
    }
    await limiter.consume('signin-ip', req.ip ?? 'unknown', rateLimits.signinPerIp);
    await limiter.consume('signin-address', flow.email, rateLimits.signinPerAddress);
    flow.requestedAt = clock.now().getTime();
    requestInBackground(req, res);
    await renderCheckMail(req, res, 200, { notice: 'A new mail is on its way. Links and codes from earlier mails no longer work.' });
  });

  router.post('/code', async (req, res) => {
    const flow = req.session.emailFlow;
    if (!flow) return renderSignIn(req, res, 400, { message: 'Your sign-in request has expired in this browser. Enter your email address again.' });
    await limiter.consume('signin-ip', req.ip ?? 'unknown', rateLimits.signinPerIp);
    // Wrong codes are counted per address across resends, so new tokens do not buy new guesses.
    await limiter.check('code-failures', flow.email, rateLimits.codeFailuresPerAddress);
    let code: string;
    try {
      ({ code } = parseInput(codeSchema, req.body));
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return renderCheckMail(req, res, 400, { errors: error.fieldErrors });
    }
    const result = await emailTokens.spendCode({ email: flow.email, browserBinding: flow.binding, code, ip: req.ip, userAgent: req.get('user-agent') });
    await finishSignIn(req, res, result, 'email_code', async () => {
      await limiter.record('code-failures', flow.email, rateLimits.codeFailuresPerAddress);
      // One message whatever went wrong: a different answer (e.g. "too many wrong codes") would tell
      // a guesser that a token exists, and so that the address is known.
      await renderCheckMail(req, res, 400, { errors: { code: CODE_FAILURE } });
    });
  });

  // The link in the mail opens this confirm page; it spends nothing, so mail scanners that follow
  // links (GET or HEAD) cannot use it up.
  router.get('/verify', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const { token } = parseInput(linkSchema, req.query);
    const result = await emailTokens.checkLink(token);
    if (!result.ok) return renderSignIn(req, res, 400, { message: FAILURE_MESSAGES[result.reason] });
    res.render('auth/confirm', { title: 'Confirm sign-in', action: `${basePath}/verify`, token, email: result.email, portalName: result.portalName });
  });

  router.post('/verify', async (req, res) => {
    await limiter.consume('signin-ip', req.ip ?? 'unknown', rateLimits.signinPerIp);
    const { token } = parseInput(linkSchema, req.body);
    const result = await emailTokens.spendLink(token, { ip: req.ip, userAgent: req.get('user-agent') });
    await finishSignIn(req, res, result, 'email_link', () => renderSignIn(req, res, 400, { message: FAILURE_MESSAGES[result.ok ? 'invalid' : result.reason] }));
  });

  return router;
}

/** The stored returnTo when it is a local path in home's area (portal or console), else home. Forgets it. */
export function takeReturnTo(req: Request, home: string): string {
  const returnTo = safeReturnTo(req.session.returnTo);
  delete req.session.returnTo;
  if (!returnTo) return home;
  const inConsole = returnTo === '/admin' || returnTo.startsWith('/admin/') || returnTo.startsWith('/admin?');
  return (home === '/admin') === inConsole ? returnTo : home;
}
