// Passkey pages and endpoints, for one audience (portal or console):
//   {basePath}/passkey/options   POST → JSON request options (a challenge for this browser)
//   {basePath}/passkey           POST form field `response` (the browser's JSON) → signed in, or back to
//                                the sign-in page with one plain message whatever went wrong
//   {security}                   GET the person's passkeys and sessions (/account/security, /admin/account/security)
//   {security}/passkeys/options  POST → JSON creation options (needs a sign-in in the last 15 minutes)
//   {security}/passkeys          POST form fields `response`, `name` → the new passkey
//   {security}/passkeys/:id/rename, /:id/remove, {security}/offer/dismiss
// The options endpoints answer JSON to the page's own script (public/js/passkeys.js); CSRF is checked as
// for every POST (the X-CSRF-Token header). The final steps are plain form posts, so sign-in ends in a
// redirect like every other method.
import { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Config } from '../../config.js';
import { flash } from '../../http/flash.js';
import { clientIp, rateLimit, type RateLimiter } from '../../http/rate-limit.js';
import type { Clock } from '../../lib/clock.js';
import { ForbiddenError, NotFoundError } from '../../lib/errors.js';
import { describeDevice } from '../../portal/device.js';
import { contactSubject, staffSubject, type Audience, type SignInSubject, type SubjectKind } from '../audience.js';
import { safeReturnTo, takeReturnTo } from '../return-to.js';
import type { SignInService } from '../sign-in.js';
import type { PasskeyService } from './service.js';

// The same 15 minutes as the console's "recent sign-in" for sensitive changes (admin/guard.ts): adding a
// way to sign in is one.
export const PASSKEY_ADD_WITHIN_MS = 15 * 60_000;

const MAX_RESPONSE = 40_000;
const responseField = z.string().min(2).max(MAX_RESPONSE);
const nameField = z.string().max(200).default('');
const passkeyId = z.string().uuid();

function parseResponse(value: unknown): unknown {
  const parsed = responseField.safeParse(value);
  if (!parsed.success) return undefined;
  try {
    return JSON.parse(parsed.data);
  } catch {
    return undefined;
  }
}

/** The secret this browser's forms carry (csrf.ts): a challenge for an anonymous visitor is bound to it. */
const browserBinding = (res: Response): string => `browser:${res.locals.csrfToken as string}`;
const sessionBinding = (req: Request): string => `session:${req.session.signedIn!.authSessionId}`;

export interface PasskeyRouteDeps {
  audience: Audience;
  passkeys: PasskeyService;
  signIn: SignInService;
  clock: Clock;
  limiter: RateLimiter;
  rateLimits: Config['rateLimits'];
}

/** Sign-in with a passkey, mounted at the audience's basePath. */
export function passkeySignInRoutes(deps: PasskeyRouteDeps): Router {
  const router = Router();
  const { audience, passkeys, signIn, limiter, rateLimits } = deps;
  // Passkey sign-ins count apart from mail requests (an office behind one address signing in by passkey
  // must not use up its budget for sign-in mails), with the same numbers; the options too, though cheap.
  const perIp = rateLimit(limiter, `passkey-ip:${audience.kind}`, clientIp, rateLimits.signinPerIp);

  router.post('/passkey/options', perIp, async (_req, res) => {
    if (!(await passkeys.enabledFor(audience.kind))) return res.status(404).json({ error: 'passkeys_off' });
    res.set('Cache-Control', 'no-store');
    res.json(await passkeys.authenticationOptions(browserBinding(res)));
  });

  router.post('/passkey', perIp, async (req, res) => {
    const returnTo = safeReturnTo(req.body?.returnTo);
    const result = await passkeys.authenticate(audience.kind, parseResponse(req.body?.response), browserBinding(res), {
      ip: req.ip,
      userAgent: req.get('user-agent'),
    });
    if (!result.ok) {
      const query = new URLSearchParams({ passkey: 'failed', ...(returnTo ? { returnTo } : {}) });
      return res.redirect(303, `${audience.basePath}?${query}`);
    }
    if (returnTo) req.session.returnTo = returnTo;
    await signIn.signIn(req, result.subject, 'passkey');
    res.redirect(303, takeReturnTo(req, audience));
  });

  return router;
}

export interface SecurityPageDeps extends PasskeyRouteDeps {
  /** Where the page lives: /account/security or /admin/account/security. */
  path: string;
  /** The page's view (portal/security or admin/security). */
  view: string;
  /** Whether this session's sign-in is too weak to change passkeys (staff who must use a phishing-resistant
   * method but did not): it may only add the first one. Absent: never. */
  weakSession?: (req: Request) => Promise<boolean>;
}

/** The person's own Security page: their passkeys (add, rename, remove) and their sessions. */
export function securityRoutes(deps: SecurityPageDeps): Router {
  const router = Router();
  const { audience, passkeys, signIn, clock, path, view } = deps;
  // A session a phished code could have made (see weakSession) adds the first passkey and nothing more:
  // otherwise it could swap the person's passkey for the attacker's.
  const weak = async (req: Request) => (await deps.weakSession?.(req)) === true;
  const mayAdd = async (req: Request, res: Response) => !(await weak(req)) || (await passkeys.count(holderOf(res))) === 0;
  async function refuseWeak(req: Request, _res: Response, next: NextFunction) {
    if (await weak(req)) return next(new ForbiddenError('Sign in with your passkey or Microsoft to change your passkeys.'));
    next();
  }
  const kind: SubjectKind = audience.kind;

  async function requireSubject(req: Request, res: Response, next: NextFunction) {
    const row = await signIn.current(req, kind);
    if (!row) {
      const returnTo = req.method === 'GET' ? `?returnTo=${encodeURIComponent(req.originalUrl)}` : '';
      return res.redirect(303, `${audience.basePath}${returnTo}`);
    }
    res.locals.subject = kind === 'contact' ? contactSubject(row as never) : staffSubject(row as never);
    if (kind === 'contact') res.locals.contact = row;
    else res.locals.staff = row;
    next();
  }
  const subjectOf = (res: Response): SignInSubject => res.locals.subject;
  const holderOf = (res: Response) => ({ kind, id: (res.locals.contact ?? res.locals.staff).id as number });
  const actorOf = (req: Request, res: Response) => ({ type: kind, id: holderOf(res).id, ip: req.ip, userAgent: req.get('user-agent') });
  const recent = (req: Request) => clock.now().getTime() - (req.session.signedIn?.at ?? 0) <= PASSKEY_ADD_WITHIN_MS;
  const t = (res: Response, key: string, values?: Record<string, string | number>) => (res.locals.t as (k: string, v?: object) => string)(key, values);

  router.get(path, requireSubject, async (req, res) => {
    const holder = holderOf(res);
    const [list, sessions] = await Promise.all([passkeys.list(holder), signIn.listSessions(kind, holder.id)]);
    const current = req.session.signedIn?.authSessionId;
    res.render(view, {
      title: t(res, 'security.title'),
      path,
      passkeys: list,
      passkeysEnabled: await passkeys.enabledFor(kind),
      canAdd: recent(req) && (await mayAdd(req, res)),
      canChange: !(await weak(req)),
      againHref: `${audience.basePath}?${new URLSearchParams({ again: '1', returnTo: path })}`,
      sessions: sessions.map((s) => ({ ...s, device: describeDevice(s.user_agent, res.locals.t), current: s.id === current })),
      required: req.query.required === '1',
      passkeyScripts: true,
    });
  });

  router.post(`${path}/passkeys/options`, requireSubject, async (req, res) => {
    res.set('Cache-Control', 'no-store');
    if (!(await passkeys.enabledFor(kind))) return res.status(404).json({ error: 'passkeys_off' });
    if (!recent(req)) return res.status(403).json({ error: 'sign_in_again', signInHref: `${audience.basePath}?again=1&returnTo=${encodeURIComponent(path)}` });
    if (!(await mayAdd(req, res))) return res.status(403).json({ error: 'phishing_resistant_required' });
    res.json(await passkeys.registrationOptions(subjectOf(res), sessionBinding(req)));
  });

  router.post(`${path}/passkeys`, requireSubject, async (req, res) => {
    const back = safeReturnTo(req.body?.returnTo) ?? path;
    if (!recent(req)) {
      flash(req, 'error', t(res, 'security.signInAgain'));
      return res.redirect(303, path);
    }
    if (!(await mayAdd(req, res))) throw new ForbiddenError('Sign in with your passkey or Microsoft to add another one.');
    const name = nameField.safeParse(req.body?.name);
    const result = await passkeys.register(
      subjectOf(res),
      { response: parseResponse(req.body?.response), name: name.success ? name.data : '' },
      sessionBinding(req),
      { ip: req.ip, userAgent: req.get('user-agent'), signedInWith: req.session.signedIn?.method },
    );
    if (result.ok) flash(req, 'success', t(res, 'security.added', { name: result.passkey.name }));
    else flash(req, 'error', t(res, result.reason === 'duplicate' ? 'security.duplicate' : 'security.addFailed'));
    res.redirect(303, result.ok ? back : path);
  });

  router.post(`${path}/passkeys/:id/rename`, requireSubject, refuseWeak, async (req, res) => {
    const id = passkeyId.safeParse(req.params.id);
    const name = nameField.safeParse(req.body?.name);
    if (!id.success || !name.success || !(await passkeys.rename(holderOf(res), id.data, name.data, actorOf(req, res))))
      throw new NotFoundError('There is no such passkey.', 'security.notFound');
    flash(req, 'success', t(res, 'security.renamed'));
    res.redirect(303, path);
  });

  router.post(`${path}/passkeys/:id/remove`, requireSubject, refuseWeak, async (req, res) => {
    const id = passkeyId.safeParse(req.params.id);
    if (!id.success || !(await passkeys.remove(holderOf(res), id.data, actorOf(req, res))))
      throw new NotFoundError('There is no such passkey.', 'security.notFound');
    flash(req, 'success', t(res, 'security.removed'));
    res.redirect(303, path);
  });

  router.post(`${path}/offer/dismiss`, requireSubject, async (_req, res) => {
    await passkeys.dismissOffer(holderOf(res));
    res.redirect(303, audience.home);
  });

  return router;
}
