// Email-token sign-in pages, mounted at the audience's basePath (/signin for clients, /admin/signin for
// staff). Each route: rate limit → (CSRF, app-wide) → validate → service → render.
import { Router, type Request, type Response } from 'express';
import type { Config } from '../../config.js';
import { msg, type MessageKey } from '../../i18n/index.js';
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

/** Why a link or code did not work → the catalogue key of what the person is told. */
export const FAILURE_MESSAGES: Record<string, MessageKey> = {
  invalid: msg('signin.failure.invalid'),
  expired: msg('signin.failure.expired'),
  used: msg('signin.failure.used'),
  revoked: msg('signin.failure.revoked'),
  no_subject: msg('signin.failure.no_subject'),
  disabled: msg('signin.failure.disabled'),
};
/** The message for a failure reason; unknown reasons read as "invalid". */
export const failureMessage = (reason: string): MessageKey => messageFor(FAILURE_MESSAGES, reason) ?? msg('signin.failure.invalid');
/** The key for a reason taken from a query string: only the map's own entries count (not "constructor"). */
const messageFor = (map: Record<string, MessageKey>, reason: unknown): MessageKey | undefined => (typeof reason === 'string' && Object.hasOwn(map, reason) ? map[reason] : undefined);

const CODE_FAILURE = msg('signin.codeFailure');

export function emailTokenRoutes(deps: EmailTokenRouteDeps): Router {
  const router = Router();
  const { emailTokens, signIn, settings, limiter, background, clock, rateLimits } = deps;
  const { audience } = emailTokens;
  const { basePath } = audience;
  const headingKey = audience.kind === 'staff' ? msg('signin.staffTitle') : msg('signin.title');

  async function renderSignIn(req: Request, res: Response, status: number, locals: Record<string, unknown> = {}) {
    const heading = res.locals.t(headingKey);
    // After a POST (e.g. /signin/email) the language switch comes back to the sign-in page itself.
    const languageReturnTo = req.method === 'GET' ? req.originalUrl : basePath;
    res.status(status).render('auth/signin', { title: heading, heading, basePath, emailTokenEnabled: await audience.enabled(), microsoftHref: deps.microsoftHref, email: '', errors: {}, message: undefined, languageReturnTo, ...locals });
  }

  async function renderCheckMail(req: Request, res: Response, status: number, locals: Record<string, unknown> = {}) {
    const flow = req.session.emailFlow!;
    const { resendCooldownSeconds, tokenMinutes } = await settings.get('mail_token');
    const waitSeconds = Math.max(0, Math.ceil((flow.requestedAt + resendCooldownSeconds * 1000 - clock.now().getTime()) / 1000));
    res.set('Cache-Control', 'no-store');
    res.status(status).render('auth/check-mail', { title: res.locals.t('checkMail.title'), basePath, email: flow.email, waitSeconds, tokenMinutes, errors: {}, message: undefined, languageReturnTo: `${basePath}/code`, ...locals });
  }

  // Issues the token once the response has gone out, so nothing about the address (known, unknown,
  // PSA lookup) can make the answer slower or faster. The task is registered now (shutdown and tests
  // wait for it) and starts when the response is finished or the client has gone.
  function requestInBackground(req: Request, res: Response) {
    const flow = req.session.emailFlow!;
    const context = { email: flow.email, browserBinding: flow.binding, locale: flow.locale, ip: req.ip, userAgent: req.get('user-agent') };
    const sent = new Promise<void>((resolve) => {
      // A client that has already gone will emit nothing more: do not wait for it.
      if (res.closed || res.writableFinished) return resolve();
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
    const { t } = res.locals;
    const notice = req.query.signedOut ? t('signin.signedOut') : undefined;
    const failure = messageFor(MICROSOFT_MESSAGES, req.query.microsoft) ?? messageFor(JWT_MESSAGES, req.query.jwt) ?? (req.query.again ? msg('signin.again') : undefined);
    const message = failure && t(failure);
    await renderSignIn(req, res, 200, { notice, message, email: typeof req.query.email === 'string' ? req.query.email.slice(0, 254) : '' });
  });

  router.post('/email', async (req, res) => {
    await limiter.consume('signin-ip', req.ip ?? 'unknown', rateLimits.signinPerIp);
    let email: string;
    try {
      ({ email } = parseInput(requestSchema, req.body, res.locals.t));
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return renderSignIn(req, res, 400, { email: String(req.body?.email ?? '').slice(0, 254), errors: error.fieldErrors });
    }
    if (!(await audience.enabled())) return renderSignIn(req, res, 403, { message: res.locals.t(failureMessage('disabled')) });
    await limiter.consume('signin-address', email, rateLimits.signinPerAddress);
    const binding = req.session.emailFlow?.binding ?? randomToken(16);
    // The mail goes out in the language of the page that asked for it.
    req.session.emailFlow = { email, binding, requestedAt: clock.now().getTime(), locale: res.locals.locale };
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
      return renderCheckMail(req, res, 429, { message: res.locals.t('checkMail.wait', { seconds: Math.ceil(waitMs / 1000) }) });
    }
    await limiter.consume('signin-ip', req.ip ?? 'unknown', rateLimits.signinPerIp);
    await limiter.consume('signin-address', flow.email, rateLimits.signinPerAddress);
    flow.requestedAt = clock.now().getTime();
    flow.locale = res.locals.locale;
    requestInBackground(req, res);
    await renderCheckMail(req, res, 200, { notice: res.locals.t('checkMail.resent') });
  });

  router.post('/code', async (req, res) => {
    const flow = req.session.emailFlow;
    if (!flow) return renderSignIn(req, res, 400, { message: res.locals.t('signin.flowExpired') });
    await limiter.consume('signin-ip', req.ip ?? 'unknown', rateLimits.signinPerIp);
    // Wrong codes are counted per address across resends, so new tokens do not buy new guesses.
    await limiter.check('code-failures', flow.email, rateLimits.codeFailuresPerAddress);
    let code: string;
    try {
      ({ code } = parseInput(codeSchema, req.body, res.locals.t));
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return renderCheckMail(req, res, 400, { errors: error.fieldErrors });
    }
    const result = await emailTokens.spendCode({ email: flow.email, browserBinding: flow.binding, code, ip: req.ip, userAgent: req.get('user-agent') });
    await finishSignIn(req, res, result, 'email_code', async () => {
      await limiter.record('code-failures', flow.email, rateLimits.codeFailuresPerAddress);
      // One message whatever went wrong: a different answer (e.g. "too many wrong codes") would tell
      // a guesser that a token exists, and so that the address is known.
      await renderCheckMail(req, res, 400, { errors: { code: res.locals.t(CODE_FAILURE) } });
    });
  });

  // The link in the mail opens this confirm page; it spends nothing, so mail scanners that follow
  // links (GET or HEAD) cannot use it up.
  router.get('/verify', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const { token } = parseInput(linkSchema, req.query);
    const result = await emailTokens.checkLink(token);
    if (!result.ok) return renderSignIn(req, res, 400, { message: res.locals.t(failureMessage(result.reason)) });
    res.render('auth/confirm', { title: res.locals.t('confirm.title'), action: `${basePath}/verify`, token, email: result.email, portalName: result.portalName });
  });

  router.post('/verify', async (req, res) => {
    await limiter.consume('signin-ip', req.ip ?? 'unknown', rateLimits.signinPerIp);
    const { token } = parseInput(linkSchema, req.body);
    const result = await emailTokens.spendLink(token, { ip: req.ip, userAgent: req.get('user-agent') });
    await finishSignIn(req, res, result, 'email_link', () => renderSignIn(req, res, 400, { message: res.locals.t(failureMessage(result.ok ? 'invalid' : result.reason)) }));
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
