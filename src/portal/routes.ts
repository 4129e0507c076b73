// Client pages behind sign-in: home, first-sign-in onboarding (terms, profile) and active sessions.
import { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { PasskeyService } from '../auth/passkey/service.js';
import type { CurrentSubject, SignInService } from '../auth/sign-in.js';
import { isUsable } from '../directory/contacts-repo.js';
import type { DirectoryService } from '../directory/service.js';
import { cookieNamesOf } from '../http/cookies.js';
import { handleForm } from '../http/forms.js';
import { parseInput } from '../http/validate.js';
import { msg } from '../i18n/index.js';
import { renderMarkdown } from '../lib/markdown.js';
import { NotFoundError } from '../lib/errors.js';
import { personNameField } from '../lib/text-rules.js';
import type { OnboardingService, TermsToShow } from './onboarding.js';
import { describeDevice } from './device.js';

// Messages are catalogue keys, shown in the page's language (parseInput with res.locals.t).
const profileSchema = z.object({ firstName: personNameField('firstName'), lastName: personNameField('lastName') });
const termsSchema = z.object({ version: z.string().max(40), accept: z.literal('on', { message: msg('validation.terms.accept') }) });

export interface PortalDeps {
  signIn: SignInService;
  directory: DirectoryService;
  onboarding: OnboardingService;
  passkeys: PasskeyService;
}

export function portalRoutes(deps: PortalDeps): Router {
  const router = Router();
  const { signIn, directory, onboarding, passkeys } = deps;
  const contactOf = (res: Response): CurrentSubject<'contact'> => res.locals.contact;

  // Loads the signed-in contact for every portal page; an ended or revoked session counts as none.
  async function requireContact(req: Request, res: Response, next: NextFunction) {
    const contact = await signIn.current(req, 'contact');
    if (!contact) {
      const returnTo = req.method === 'GET' && req.originalUrl !== '/' ? `?returnTo=${encodeURIComponent(req.originalUrl)}` : '';
      return res.redirect(303, `/signin${returnTo}`);
    }
    res.locals.contact = contact;
    next();
  }

  // Terms first, then the profile: no other page until both are done.
  async function requireOnboarded(req: Request, res: Response, next: NextFunction) {
    const step = await onboarding.nextStep(contactOf(res));
    if (step) return res.redirect(303, `/welcome/${step}`);
    next();
  }

  // The technician's Markdown as safe HTML (lib/markdown.ts); lang marks English shown as the fallback.
  const showTerms = (res: Response, terms: TermsToShow, errors: Record<string, string>) =>
    res.render('portal/terms', { title: res.locals.t('terms.title'), terms, termsHtml: renderMarkdown(terms.text), errors });

  router.get('/welcome/terms', requireContact, async (_req, res) => {
    const step = await onboarding.nextStep(contactOf(res));
    if (step !== 'terms') return res.redirect(303, step ? `/welcome/${step}` : '/');
    showTerms(res, await onboarding.terms(res.locals.locale), {});
  });

  router.post('/welcome/terms', requireContact, async (req, res) => {
    const terms = await onboarding.terms(res.locals.locale);
    await handleForm(
      res,
      async () => {
        const { version } = parseInput(termsSchema, req.body, res.locals.t);
        // Accepting an older text than the current one does not count.
        if (version !== terms.version) return void res.redirect(303, '/welcome/terms');
        await onboarding.acceptTerms(contactOf(res), version, req.ip);
        res.redirect(303, '/');
      },
      (errors) => showTerms(res, terms, errors),
    );
  });

  router.get('/welcome/profile', requireContact, async (_req, res) => {
    const contact = contactOf(res);
    if ((await onboarding.nextStep(contact)) === 'terms') return res.redirect(303, '/welcome/terms');
    res.render('portal/profile', { title: res.locals.t('profile.title'), values: { firstName: contact.first_name, lastName: contact.last_name }, errors: {} });
  });

  router.post('/welcome/profile', requireContact, async (req, res) => {
    await handleForm(
      res,
      async () => {
        await onboarding.completeProfile(contactOf(res), parseInput(profileSchema, req.body, res.locals.t));
        res.redirect(303, '/');
      },
      (errors, message) => res.render('portal/profile', { title: res.locals.t('profile.title'), values: req.body, errors, message }),
    );
  });

  router.get('/', requireContact, requireOnboarded, async (req, res) => {
    const contact = contactOf(res);
    // Other accounts of the same address this browser proved: offered for switching.
    const others = req.session.accounts
      ? (await Promise.all(req.session.accounts.contactIds.filter((id) => id !== contact!.id).map((id) => directory.getContact(id)))).filter(
          (c) => c && isUsable(c),
        )
      : [];
    // "Add a passkey", once: until they have one or put the offer away.
    const offerPasskey = contact!.passkey_offer_open && (await passkeys.enabledFor('contact'));
    res.render('portal/home', { title: res.locals.t('home.title'), contact, others, offerPasskey, passkeyScripts: offerPasskey });
  });

  // The contact's signed-in sessions (device, IP, last seen); the others can be ended from here.
  router.get('/sessions', requireContact, requireOnboarded, async (req, res) => {
    const rows = await signIn.listSessions('contact', contactOf(res).id);
    const current = req.session.signedIn?.authSessionId;
    res.render('portal/sessions', {
      title: res.locals.t('sessions.title'),
      sessions: rows.map((r) => ({ ...r, device: describeDevice(r.user_agent, res.locals.t), current: r.id === current })),
    });
  });

  router.post('/sessions/:id/end', requireContact, async (req, res) => {
    const id = String(req.params.id);
    if (id === req.session.signedIn?.authSessionId || !/^[0-9a-f-]{36}$/.test(id))
      throw new NotFoundError('There is no such session to end.', 'sessions.notFound');
    if (!(await signIn.revokeSession('contact', contactOf(res).id, id))) throw new NotFoundError('There is no such session to end.', 'sessions.notFound');
    res.redirect(303, '/sessions');
  });

  router.post('/sessions/end-others', requireContact, async (req, res) => {
    await signIn.revokeOtherSessions('contact', contactOf(res).id, req.session.signedIn!.authSessionId);
    res.redirect(303, '/sessions');
  });

  router.post('/signout', async (req, res) => {
    await signIn.signOut(req);
    res.clearCookie(cookieNamesOf(req).portalSession, { path: '/' });
    res.redirect(303, '/signin?signedOut=1');
  });

  // Past every portal route (the next step is the 404 page): a signed-in client still sees the header
  // with Sign out, and a link home instead of the one to sign in.
  router.use(async (req, res, next) => {
    if (req.session.signedIn?.kind === 'contact') res.locals.contact = await signIn.current(req, 'contact');
    next();
  });

  return router;
}
