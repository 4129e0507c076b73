// After an address is proven (portal only): pick one of several accounts, or create one when the
// address is on a company's domain, and later switch between accounts without signing in again.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { personNameField } from '../../lib/text-rules.js';
import type { ContactResolver } from '../../directory/resolver.js';
import { isUsable } from '../../directory/contacts-repo.js';
import type { Contact, DirectoryService } from '../../directory/service.js';
import { handleForm } from '../../http/forms.js';
import { msg } from '../../i18n/index.js';
import { parseInput } from '../../http/validate.js';
import type { Clock } from '../../lib/clock.js';
import { PsaContactRejected } from '../../psa/types.js';
import { contactAudience, contactSubject } from '../audience.js';
import { takeReturnTo } from '../return-to.js';
import type { SignInService } from '../sign-in.js';
import { psaFieldErrors, psaRejectionAsValidation } from './psa-problems.js';

// A proof is good for this long: enough to fill in a form, not enough to be reused later.
export const PROOF_TTL_MS = 15 * 60_000;

// Messages are catalogue keys, shown in the page's language (parseInput with res.locals.t).
const accountSchema = z.object({
  firstName: personNameField('firstName'),
  lastName: personNameField('lastName'),
  phone: z
    .string()
    .trim()
    .max(40, msg('validation.tooLong'))
    .regex(/^[0-9+()./\s-]*$/, msg('validation.phone.characters'))
    .optional()
    .default(''),
});
const choiceSchema = z.object({ contactId: z.coerce.number().int().positive().max(2_147_483_647) });

export function accountRoutes(deps: { resolver: ContactResolver; directory: DirectoryService; signIn: SignInService; clock: Clock }): Router {
  const router = Router();
  const { resolver, directory, signIn, clock } = deps;
  const fresh = (proof: { at: number } | undefined) => proof !== undefined && clock.now().getTime() - proof.at <= PROOF_TTL_MS;

  async function usableContacts(email: string, ids: number[]): Promise<Array<Contact & { company_name: string }>> {
    const contacts = await Promise.all(ids.map((id) => directory.getContact(id)));
    return contacts.filter((c): c is NonNullable<typeof c> => !!c && c.email === email && isUsable(c));
  }

  const expired = (res: Response) =>
    res
      .status(400)
      .render('errors/error', { title: res.locals.t('account.expired.title'), status: 400, message: res.locals.t('account.expired'), signinPath: '/signin' });

  router.get('/signin/choose', async (req, res) => {
    const choice = req.session.choice;
    if (!fresh(choice)) return expired(res);
    res.render('auth/choose', { title: res.locals.t('choose.title'), contacts: await usableContacts(choice!.email, choice!.contactIds) });
  });

  router.post('/signin/choose', async (req, res) => {
    const choice = req.session.choice;
    if (!fresh(choice)) return expired(res);
    const { contactId } = parseInput(choiceSchema, req.body);
    const contacts = await usableContacts(choice!.email, choice!.contactIds);
    const chosen = contacts.find((c) => c.id === contactId);
    if (!chosen) return res.status(400).render('auth/choose', { title: res.locals.t('choose.title'), contacts, message: res.locals.t('choose.invalid') });
    delete req.session.choice;
    await signIn.signIn(req, contactSubject(chosen), 'email_link', { email: choice!.email, contactIds: contacts.map((c) => c.id) });
    res.redirect(303, takeReturnTo(req, contactAudience));
  });

  router.post('/switch-account', async (req, res) => {
    const current = await signIn.current(req, 'contact');
    const accounts = req.session.accounts;
    if (!current || !accounts) return res.redirect(303, '/signin');
    const { contactId } = parseInput(choiceSchema, req.body);
    const target = (await usableContacts(accounts.email, accounts.contactIds)).find((c) => c.id === contactId);
    if (!target)
      return res.status(400).render('errors/error', {
        title: res.locals.t('account.switch.title'),
        status: 400,
        message: res.locals.t('account.switch.unavailable'),
        languageReturnTo: '/',
      });
    await signIn.signIn(req, contactSubject(target), 'account_switch', accounts);
    res.redirect(303, '/');
  });

  async function renderCreate(req: Request, res: Response, locals: Record<string, unknown> = {}) {
    const pending = req.session.newAccount!;
    const company = await directory.companyName(pending.companyId);
    // After a Microsoft sign-in whose names the PSA would refuse: those names, and what is wrong with them.
    const { prefill } = pending;
    res.render('auth/create-account', {
      title: res.locals.t('createAccount.title'),
      email: pending.email,
      company,
      values: { firstName: prefill?.firstName ?? '', lastName: prefill?.lastName ?? '', phone: '' },
      errors: prefill ? psaFieldErrors(prefill.problems, res.locals.t) : {},
      message: prefill ? res.locals.t('createAccount.psaNeedsDetails') : undefined,
      ...locals,
    });
  }

  router.get('/signin/create-account', async (req, res) => {
    if (!fresh(req.session.newAccount)) return expired(res);
    await renderCreate(req, res);
  });

  router.post('/signin/create-account', async (req, res) => {
    const pending = req.session.newAccount;
    if (!fresh(pending)) return expired(res);
    await handleForm(
      res,
      async () => {
        const input = parseInput(accountSchema, req.body, res.locals.t);
        const entra = pending!.prefill?.entra;
        // What the PSA would refuse (a name too long for it) is asked again beside the field, not a failure.
        const contact = await resolver.createAccount({ email: pending!.email, companyId: pending!.companyId, ...input, entra }).catch((error: unknown) => {
          throw error instanceof PsaContactRejected ? psaRejectionAsValidation(error, res.locals.t) : error;
        });
        delete req.session.newAccount;
        await signIn.signIn(req, contactSubject(contact), entra ? 'microsoft' : 'email_link');
        res.redirect(303, takeReturnTo(req, contactAudience));
      },
      (errors, message) => renderCreate(req, res, { values: req.body, errors, message }),
    );
  });

  return router;
}
