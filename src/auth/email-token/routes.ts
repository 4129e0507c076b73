// Email-token sign-in pages, mounted at the audience's basePath (/signin for clients, /admin/signin for
// staff). Each route: rate limit → (CSRF, app-wide) → validate → service → render.
import { createHash } from 'node:crypto';
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Config } from '../../config.js';
import { msg } from '../../i18n/index.js';
import { cookieNamesOf, readCookie } from '../../http/cookies.js';
import { handleForm } from '../../http/forms.js';
import { clientIp, rateLimit, type RateLimiter, type RateLimitStep } from '../../http/rate-limit.js';
import { parseInput } from '../../http/validate.js';
import type { Background } from '../../lib/background.js';
import type { Clock } from '../../lib/clock.js';
import { randomToken } from '../../lib/crypto.js';
import { RateLimitedError } from '../../lib/errors.js';
import type { SettingsService } from '../../settings/service.js';
import { subjectId } from '../audience.js';
import { cleanLinkPath, emailFromLink, readLinkToken } from '../link-token.js';
import { failureMessage, FAILURE_MESSAGES, JWT_MESSAGES, messageFor, MICROSOFT_MESSAGES, SESSION_ENDED_MESSAGES } from '../messages.js';
import { safeReturnTo, takeReturnTo } from '../return-to.js';
import { renewSession, type SignInMethod, type SignInService } from '../sign-in.js';
import { budgetAddress } from './address-budget.js';
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
  /** False while talking to Microsoft fails (the fail-fast window): the page says so instead of the button. */
  microsoftAvailable?: () => boolean;
  /** Whether "Sign in with a passkey" is offered (passkey/routes.ts answers it). */
  passkeysEnabled?: () => Promise<boolean>;
}

const CODE_FAILURE = msg('signin.codeFailure');
// Past the free code tries (SIGNIN_CODE_FAILURES_PER_ADDRESS), the next one waits this long, and each
// one after it twice as long as the one before.
const CODE_FIRST_DELAY_MS = 30_000;

export function emailTokenRoutes(deps: EmailTokenRouteDeps): Router {
  const router = Router();
  const { emailTokens, signIn, settings, limiter, background, clock, rateLimits } = deps;
  const { audience } = emailTokens;
  const { basePath } = audience;
  const headingKey = audience.signInTitle;
  const perIp = rateLimit(limiter, 'signin-ip', clientIp, rateLimits.signinPerIp);
  const { kind } = audience;
  const codeTries = { ...rateLimits.codeFailuresPerAddress, firstDelayMs: CODE_FIRST_DELAY_MS };

  // Mails per address from this client (IP) are the limit anyone hits first, so hammering an address
  // from elsewhere refuses only the hammering client; the ceiling over all clients is much higher, a
  // guard against floods of mail. Portal and console count apart. Every request counts, known address
  // or not, so a 429 says nothing about the address.
  function mailBudget(req: Request, email: string): RateLimitStep[] {
    const address = budgetAddress(email);
    return [
      { name: `signin-address:${kind}`, subject: `${address} ${clientIp(req)}`, rule: rateLimits.signinPerAddress },
      { name: `signin-address-all:${kind}`, subject: address, rule: rateLimits.signinCeilingPerAddress },
    ];
  }

  async function renderSignIn(req: Request, res: Response, status: number, locals: Record<string, unknown> = {}) {
    const heading = res.locals.t(headingKey);
    // After a POST (e.g. /signin/email) the language switch comes back to the sign-in page itself.
    const languageReturnTo = req.method === 'GET' ? req.originalUrl : basePath;
    // Where to go after the sign-in rides along in the form (and the Microsoft link) until a session
    // is needed anyway: an anonymous page view never writes one (issue 15).
    const returnTo = safeReturnTo(req.method === 'GET' ? req.query.returnTo : req.body?.returnTo);
    // A known address (a sign-in again, a Microsoft failure) goes to Microsoft as login_hint as well.
    const loginHint = typeof locals.email === 'string' && locals.email ? locals.email : undefined;
    const microsoftQuery = new URLSearchParams({ ...(returnTo ? { returnTo } : {}), ...(loginHint ? { login_hint: loginHint } : {}) });
    const microsoftHref = deps.microsoftHref && microsoftQuery.size ? `${deps.microsoftHref}?${microsoftQuery}` : deps.microsoftHref;
    const microsoftDown = deps.microsoftHref !== undefined && deps.microsoftAvailable?.() === false;
    const microsoftUnavailable = msg('microsoft.unavailable');
    const passkeyEnabled = (await deps.passkeysEnabled?.()) === true;
    res.status(status).render('auth/signin', {
      title: heading,
      heading,
      basePath,
      emailTokenEnabled: await audience.enabled(),
      microsoftHref: microsoftDown ? undefined : microsoftHref,
      passkeyEnabled,
      passkeyScripts: passkeyEnabled,
      returnTo,
      // The address this browser itself asked a mail for (a link of it failed): filled in, nobody else's.
      email: req.session.emailFlow?.email ?? '',
      errors: {},
      message: undefined,
      languageReturnTo,
      ...locals,
      // Said once: as the page's notice, unless the failure message (?microsoft=unavailable) says it already.
      microsoftNotice: microsoftDown && locals.message !== res.locals.t(microsoftUnavailable) ? res.locals.t(microsoftUnavailable) : undefined,
    });
  }

  async function renderCheckMail(req: Request, res: Response, status: number, locals: Record<string, unknown> = {}) {
    const flow = req.session.emailFlow!;
    const { resendCooldownSeconds, tokenMinutes: currentMinutes } = await settings.get('mail_token');
    // The lifetime the token was issued with, not today's setting (a flow from before it was kept: today's).
    const tokenMinutes = flow.tokenMinutes ?? currentMinutes;
    const waitSeconds = Math.max(0, Math.ceil((flow.requestedAt + resendCooldownSeconds * 1000 - clock.now().getTime()) / 1000));
    res.set('Cache-Control', 'no-store');
    res.status(status).render('auth/check-mail', {
      title: res.locals.t('checkMail.title'),
      basePath,
      email: flow.email,
      waitSeconds,
      tokenMinutes,
      errors: {},
      message: undefined,
      languageReturnTo: `${basePath}/code`,
      ...locals,
    });
  }

  // Issues the token once the response has gone out, so nothing about the address (known, unknown,
  // PSA lookup) can make the answer slower or faster. The task is registered now (shutdown and tests
  // wait for it) and starts when the response is finished or the client has gone.
  // Resolves once the task is queued, which under a flood waits for room (lib/background.ts): the answer
  // then comes later, for every address alike, instead of mail queuing up behind answers already given.
  async function requestInBackground(req: Request, res: Response) {
    const flow = req.session.emailFlow!;
    const context = {
      email: flow.email,
      browserBinding: flow.binding,
      minutes: flow.tokenMinutes,
      locale: flow.locale,
      ip: req.ip,
      userAgent: req.get('user-agent'),
    };
    const sent = new Promise<void>((resolve) => {
      // A client that has already gone will emit nothing more: do not wait for it.
      if (res.closed || res.writableFinished) return resolve();
      res.once('finish', resolve);
      res.once('close', resolve);
    });
    await background.run('email-token.request', () => sent.then(() => emailTokens.request(context)));
  }

  // The address is proven: sign in, or let the person pick one of several accounts, or create theirs.
  async function finishSignIn(req: Request, res: Response, result: SpendResult, method: SignInMethod, onFailure: () => Promise<void>) {
    if (!result.ok) return onFailure();
    delete req.session.emailFlow;
    const at = clock.now().getTime();
    // The proof is kept in a new session (new id, new CSRF token): whoever knew the session that asked
    // for the mail (a planted cookie) cannot finish the sign-in or create the account in its place.
    if (result.subjects.length > 1) {
      await renewSession(req);
      req.session.choice = { email: result.email, at, contactIds: result.subjects.map(subjectId) };
      return res.redirect(303, `${basePath}/choose`);
    }
    if (result.subjects.length === 0 && result.newAccountCompanyId !== undefined) {
      await renewSession(req);
      req.session.newAccount = { email: result.email, at, companyId: result.newAccountCompanyId };
      return res.redirect(303, `${basePath}/create-account`);
    }
    await signIn.signIn(req, result.subjects[0]!, method);
    res.redirect(303, takeReturnTo(req, audience));
  }

  // The pages after the address was entered need its flow in the session; without one, onMissing answers.
  const withFlow = (onMissing: (req: Request, res: Response) => Promise<void> | void) => (req: Request, res: Response, next: NextFunction) =>
    req.session.emailFlow ? next() : onMissing(req, res);
  const backToStart = withFlow((_req, res) => res.redirect(303, basePath));

  // The browser, for the cooldown: its CSRF nonce cookie (csrf.ts), which it got with the first page it
  // opened and sends from every tab, and with requests sent at once, before any session cookie came back.
  const nonceOf = (req: Request) => {
    const nonce = readCookie(req, cookieNamesOf(req).csrf);
    return nonce && /^[A-Za-z0-9_-]{43}$/.test(nonce) ? nonce : undefined;
  };
  // Concurrent first requests of one browser must share the binding, or the session cookie that comes
  // back last could hold one no token was issued for. Derived (hashed) from the nonce, so it is as random.
  const bindingFor = (req: Request) => {
    const nonce = nonceOf(req);
    return nonce ? createHash('sha256').update(`email-flow-binding:${nonce}`).digest('base64url').slice(0, 22) : randomToken(16);
  };

  // The resend cooldown holds per address and browser, whichever form asks (the sign-in form again, or
  // Resend): inside it nothing is issued or mailed, and the page counts down. It works the same for
  // unknown addresses, so it says nothing about the address. Two steps: this browser's flow says when it
  // last asked; and one claim per (address, browser, last request) in the rate limiter, atomic, lets only
  // one of several requests sent at once through (no claim without a browser to claim for).
  function cooldownOf(req: Request, email: string, cooldownSeconds: number): { waitSeconds: number; claim?: RateLimitStep } {
    const flow = req.session.emailFlow;
    const address = budgetAddress(email);
    const sameAddress = flow !== undefined && budgetAddress(flow.email) === address;
    const leftMs = sameAddress ? flow.requestedAt + cooldownSeconds * 1000 - clock.now().getTime() : 0;
    if (leftMs > 0) return { waitSeconds: Math.ceil(leftMs / 1000) };
    const browser = nonceOf(req) ?? flow?.binding;
    if (!browser) return { waitSeconds: 0 };
    const claim = `${address} ${browser} ${sameAddress ? flow.requestedAt : 'new'}`;
    return {
      waitSeconds: 0,
      claim: { name: `signin-cooldown:${kind}`, subject: claim, rule: { limit: 1, windowMs: cooldownSeconds * 1000, text: `1/${cooldownSeconds}s` } },
    };
  }

  // A request for a mail is counted against the address's budgets and claims the cooldown, in one
  // round trip (the rate limiter counts them in order, and a refused step stops the count). The sign-in
  // form counts the budgets first (every request counts, the ones inside the cooldown too); Resend asks
  // the cooldown first (a resend refused by it spends no budget). A spent budget throws RateLimitedError
  // (429); resolves with the seconds the cooldown has left, 0 when this request may send.
  async function admitMail(req: Request, email: string, cooldownSeconds: number, first: 'budget' | 'cooldown'): Promise<number> {
    const { waitSeconds, claim } = cooldownOf(req, email, cooldownSeconds);
    if (waitSeconds > 0 && first === 'cooldown') return waitSeconds;
    const budget = mailBudget(req, email);
    const steps = !claim ? budget : first === 'budget' ? [...budget, claim] : [claim, ...budget];
    const refused = await limiter.consumeInOrder(steps);
    if (!refused) return waitSeconds;
    if (steps[refused.index] === claim) return refused.retryAfterSeconds;
    throw new RateLimitedError(refused.retryAfterSeconds);
  }

  router.get('/', async (req, res) => {
    const { t } = res.locals;
    // Signed in already: say as whom, with the way home and out, instead of a sign-in form; unless a
    // fresh sign-in is what was asked for (?again=1: the console's recent sign-in for a change).
    const subject = await signIn.current(req, kind);
    if (subject && !req.query.again) {
      const heading = t('signin.signedInTitle');
      return renderSignIn(req, res, 200, { title: heading, heading, signedInAs: subject.email, ...(kind === 'contact' ? { contact: subject } : {}) });
    }
    // A sign-in this browser held has just ended (current() above, or a page that sent it here): say why, once.
    const ended = req.session.sessionEnded;
    delete req.session.sessionEnded;
    const endedNotice = ended && t(SESSION_ENDED_MESSAGES[ended.reason], { minutes: ended.idleMinutes, hours: ended.absoluteHours });
    const notice = endedNotice ?? (req.query.signedOut ? t('signin.signedOut') : undefined);
    const failure =
      messageFor(MICROSOFT_MESSAGES, req.query.microsoft) ??
      messageFor(JWT_MESSAGES, req.query.jwt) ??
      // A link made for a person (magic-link routes) that did not work: the form to ask for a mail is here.
      messageFor(FAILURE_MESSAGES, req.query.link) ??
      (req.query.passkey === 'failed' ? msg('signin.passkeyFailed') : undefined) ??
      (req.query.again ? msg('signin.again') : undefined);
    const message = failure && t(failure);
    const email = typeof req.query.email === 'string' ? { email: emailFromLink(req.query.email) } : {};
    await renderSignIn(req, res, 200, { notice, message, ...email });
  });

  router.post('/email', perIp, async (req, res) => {
    await handleForm(
      res,
      async () => {
        const { email } = parseInput(requestSchema, req.body, res.locals.t);
        if (!(await audience.enabled())) return renderSignIn(req, res, 403, { message: res.locals.t(failureMessage('disabled')) });
        const { resendCooldownSeconds, tokenMinutes } = await settings.get('mail_token');
        const binding = req.session.emailFlow?.binding ?? bindingFor(req);
        // Every request counts against the address's budget, the ones inside the cooldown too (see mailBudget).
        const waitSeconds = await admitMail(req, email, resendCooldownSeconds, 'budget');
        if (waitSeconds > 0) {
          // Asked again too soon (the form sent twice, or again after going back): the mail already
          // sent stands. A request sent at the same moment as the first one gets that one's flow.
          const flow = req.session.emailFlow;
          if (!flow || budgetAddress(flow.email) !== budgetAddress(email)) {
            const requestedAt = clock.now().getTime() - (resendCooldownSeconds - waitSeconds) * 1000;
            req.session.emailFlow = { email, binding, requestedAt, tokenMinutes, locale: res.locals.locale };
          }
          return renderCheckMail(req, res, 200, { notice: res.locals.t('checkMail.alreadySent') });
        }
        const returnTo = safeReturnTo(req.body?.returnTo);
        if (returnTo) req.session.returnTo = returnTo;
        // The mail goes out in the language of the page that asked for it.
        req.session.emailFlow = { email, binding, requestedAt: clock.now().getTime(), tokenMinutes, locale: res.locals.locale };
        await requestInBackground(req, res);
        await renderCheckMail(req, res, 200);
      },
      (errors) => renderSignIn(req, res, 400, { email: String(req.body?.email ?? '').slice(0, 254), errors }),
    );
  });

  router.get('/code', backToStart, async (req, res) => {
    await renderCheckMail(req, res, 200);
  });

  router.post('/resend', backToStart, perIp, async (req, res) => {
    const flow = req.session.emailFlow!;
    const { resendCooldownSeconds, tokenMinutes } = await settings.get('mail_token');
    // A new mail only after the cooldown: earlier, the page says how long to wait (and Retry-After does).
    const waitSeconds = await admitMail(req, flow.email, resendCooldownSeconds, 'cooldown');
    if (waitSeconds > 0) {
      res.set('Retry-After', String(waitSeconds));
      return renderCheckMail(req, res, 429, { message: res.locals.t('checkMail.wait', { seconds: waitSeconds }) });
    }
    flow.requestedAt = clock.now().getTime();
    flow.tokenMinutes = tokenMinutes;
    flow.locale = res.locals.locale;
    await requestInBackground(req, res);
    await renderCheckMail(req, res, 200, { notice: res.locals.t('checkMail.resent') });
  });

  const flowExpired = withFlow((req, res) => renderSignIn(req, res, 400, { message: res.locals.t('signin.flowExpired') }));
  router.post('/code', flowExpired, perIp, async (req, res) => {
    const flow = req.session.emailFlow!;
    await handleForm(
      res,
      async () => {
        const { code } = parseInput(codeSchema, req.body, res.locals.t);
        // Tries are counted per address in this browser (its binding), across resends, so new tokens
        // do not buy new guesses; past the free ones each waits twice as long as the one before.
        // Another browser's guesses (an attacker's) never delay this one's. Counted before the code is
        // compared, in one atomic step, so parallel tries cannot slip past the count.
        await limiter.backoff(`code-tries:${kind}`, `${budgetAddress(flow.email)} ${flow.binding}`, codeTries);
        const result = await emailTokens.spendCode({ email: flow.email, browserBinding: flow.binding, code, ip: req.ip, userAgent: req.get('user-agent') });
        await finishSignIn(req, res, result, 'email_code', async () => {
          // One message whatever went wrong: a different answer (e.g. "too many wrong codes") would tell
          // a guesser that a token exists, and so that the address is known.
          await renderCheckMail(req, res, 400, { errors: { code: res.locals.t(CODE_FAILURE) } });
        });
      },
      (errors) => renderCheckMail(req, res, 400, { errors }),
    );
  });

  // The link in the mail opens this confirm page; it spends nothing, so mail scanners that follow
  // links (GET or HEAD) cannot use it up.
  // A link that looks cut: in the browser that asked for the mail, the page with the code field says
  // so (the code is the way on); elsewhere the sign-in page does.
  const damagedLink = (req: Request, res: Response) => {
    const message = res.locals.t(msg('signin.failure.damaged'));
    return req.session.emailFlow ? renderCheckMail(req, res, 400, { message }) : renderSignIn(req, res, 400, { message });
  };

  router.get('/verify', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const link = readLinkToken(parseInput(linkSchema, req.query).token);
    if (link.kind === 'damaged') return damagedLink(req, res);
    if (link.kind === 'trailing') return res.redirect(303, cleanLinkPath(`${basePath}/verify`, link.token));
    const { token } = link;
    const result = await emailTokens.checkLink(token);
    if (!result.ok) return renderSignIn(req, res, 400, { message: res.locals.t(failureMessage(result.reason)) });
    res.render('auth/confirm', {
      title: res.locals.t('confirm.title'),
      action: `${basePath}/verify`,
      token,
      email: result.email,
      portalName: result.portalName,
    });
  });

  router.post('/verify', perIp, async (req, res) => {
    const link = readLinkToken(parseInput(linkSchema, req.body).token);
    if (link.kind === 'damaged') return damagedLink(req, res);
    const { token } = link;
    const result = await emailTokens.spendLink(token, { ip: req.ip, userAgent: req.get('user-agent') });
    await finishSignIn(req, res, result, 'email_link', () =>
      renderSignIn(req, res, 400, { message: res.locals.t(failureMessage(result.ok ? 'invalid' : result.reason)) }),
    );
  });

  return router;
}
