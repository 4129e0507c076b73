// Who may sign in with an address, and creating the account of someone on a company's domain once they
// have proven the address. The order (DeskDirector's rule; decided in signin-rule.ts):
//   1. a local contact with that address;
//   2. else an active PSA contact with it: the local contact is created or refreshed, linked by
//      psa_contact_id, under the portal company linked to the PSA company (imported if none is);
//   3. else a company owning the address's domain: the token goes out, and only after it is spent is
//      the contact created, in the PSA and locally;
//   4. else nobody. The "invited contacts only" policy turns 2 and 3 off.
// A PSA that fails is logged and recorded for the console; local contacts are never affected by it.
import type { Db } from '../db/index.js';
import { isUniqueViolation } from '../db/errors.js';
import type { MessageKey } from '../i18n/catalog/en.js';
import type { Clock } from '../lib/clock.js';
import { emailDomain } from '../lib/email.js';
import { AppError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { psaFailureMessage, type PsaEvents } from '../psa/events.js';
import { PsaContactRejected, PsaSetupError, type PsaAdapter, type PsaContact } from '../psa/types.js';
import type { SettingsService } from '../settings/service.js';
import type { CompanyRepository } from './companies-repo.js';
import { isUsable, type ContactRepository, type ContactRow } from './contacts-repo.js';
import { decideSignIn, type SignInDecision } from './signin-rule.js';

type Contact = ContactRow;

export type Resolution = { kind: 'contacts'; contacts: Contact[] } | { kind: 'domain'; companyId: number } | { kind: 'none' };

export interface NewAccount {
  email: string;
  companyId: number;
  firstName: string;
  lastName: string;
  phone?: string | null;
  /** A Microsoft identity (tid + oid) proven for this address: the new contact is linked to it. */
  entra?: { tenantId: string; objectId: string };
}

export interface ContactResolver {
  /**
   * Who may sign in with this address, asking the PSA when the portal does not know it: its usable
   * contacts, a company whose domain it is on (an account may be created), or nobody.
   */
  whoMaySignIn(email: string): Promise<Resolution>;
  /** The same answer from the portal's own data only (no PSA call): for confirm pages and after a token is spent. */
  whoMaySignInLocally(email: string): Promise<Resolution>;
  /** Creates the contact in the PSA and locally; two concurrent calls for one address create one.
   * Throws PsaContactRejected (nothing created) when the PSA would refuse the names or phone as given. */
  createAccount(input: NewAccount): Promise<Contact>;
}

export class AccountUnavailableError extends AppError {
  constructor(
    message = 'Your account could not be created right now. Try again in a few minutes; your sign-in is kept for a quarter of an hour.',
    messageKey: MessageKey = 'account.unavailable',
  ) {
    super(503, message, { messageKey });
  }
}

/** The PSA is not set up for creating contacts (PsaSetupError): waiting does not help, the IT provider must act. */
export class AccountSetupIncompleteError extends AccountUnavailableError {
  constructor() {
    super(
      'Your account cannot be created until your IT provider finishes setting up their system. Please tell them; trying again will not help.',
      'account.setupIncomplete',
    );
  }
}

// A claimer needs at most a few PSA calls of 5 s each (reads retried); waiters wait longer than that.
const CLAIM_STALE_MS = 60_000;
const CLAIM_WAIT_MS = 30_000;

export function createContactResolver(deps: {
  db: Db;
  psa: PsaAdapter | undefined;
  psaEvents: PsaEvents;
  contactRepo: ContactRepository;
  companyRepo: CompanyRepository;
  settings: SettingsService;
  clock: Clock;
  logger: Logger;
}): ContactResolver {
  const { db, psa, contactRepo, companyRepo, settings, clock } = deps;
  // Without a PSA (PSA_PROVIDER=builtin) only the portal's own contacts and domains answer.
  const log = deps.logger.child({ component: 'resolver', psa: psa?.provider ?? 'none' });

  async function recordPsaFailure(psa: PsaAdapter, operation: string, error: unknown) {
    log.warn({ operation, err: psaFailureMessage(error) }, 'PSA call failed');
    await deps.psaEvents.record({ provider: psa.provider, operation, error }).catch(() => undefined);
  }

  // The portal company for a PSA company: the linked one, or a new one imported from the PSA. The PSA is
  // asked even when linked: a company it deleted or marks inactive is not imported and its contacts do
  // not sign in through it.
  async function companyFor(psa: PsaAdapter, psaCompanyId: string): Promise<number | undefined> {
    const company = await psa.getCompany(psaCompanyId);
    if (!company?.active) return undefined;
    const linked = await companyRepo.byPsaId(psaCompanyId);
    if (linked) return linked.id;
    return companyRepo.importFromPsa({ psaCompanyId: company.id, name: company.name });
  }

  async function upsertLocal(companyId: number, contact: PsaContact, trx: Db): Promise<void> {
    await contactRepo.upsertFromPsa(
      {
        company_id: companyId,
        email: contact.email,
        first_name: contact.firstName,
        last_name: contact.lastName,
        phone: contact.phone,
        psa_contact_id: contact.id,
        status: 'active',
      },
      trx,
    );
  }

  // All PSA answers are gathered first and the local contacts written in one transaction, so a PSA
  // failure half-way leaves nothing behind (and the next sign-in does not see a partial set).
  async function fromPsa(psa: PsaAdapter, email: string): Promise<Contact[] | undefined> {
    try {
      const found = (await psa.findContactsByEmail(email)).filter((c) => c.active && c.email.toLowerCase() === email);
      const placed: Array<{ companyId: number; contact: PsaContact }> = [];
      for (const contact of found) {
        const companyId = await companyFor(psa, contact.companyId);
        if (companyId) placed.push({ companyId, contact });
        else
          log.warn(
            { psaContactId: contact.id, psaCompanyId: contact.companyId },
            'PSA contact belongs to a company the PSA no longer has or marks inactive; skipped',
          );
      }
      await db.transaction(async (trx) => {
        for (const { companyId, contact } of placed) await upsertLocal(companyId, contact, trx);
      });
      return placed.length ? contactRepo.usableByEmail(email) : [];
    } catch (error) {
      await recordPsaFailure(psa, 'findContactsByEmail', error);
      return undefined;
    }
  }

  async function local(email: string) {
    const all = await contactRepo.allByEmail(email);
    return { all, usable: all.filter(isUsable) };
  }

  async function domainOwner(email: string): Promise<number | undefined> {
    return companyRepo.companyOfDomain(emailDomain(email));
  }

  const invitedOnly = async () => (await settings.get('signin_policy')).mode === 'invited_only';

  // Only one sign-in creates the account of an address: it holds a claim row while it talks to the
  // PSA (no database transaction is held open across the network); the others wait for its result.
  // Returns the claim's timestamp, so only this claimer's claim is released afterwards.
  async function claim(email: string): Promise<Date | undefined> {
    const now = clock.now();
    const inserted = await db('account_claims').insert({ email, claimed_at: now }).onConflict('email').ignore().returning('email');
    if (inserted.length) return now;
    const taken = await db('account_claims')
      .where({ email })
      .where('claimed_at', '<', new Date(now.getTime() - CLAIM_STALE_MS))
      .update({ claimed_at: now })
      .returning('email');
    return taken.length ? now : undefined;
  }

  async function waitForAccount(email: string, companyId: number): Promise<Contact> {
    const deadline = clock.now().getTime() + CLAIM_WAIT_MS;
    while (clock.now().getTime() < deadline) {
      const contact = await contactRepo.inCompany(companyId, email);
      if (contact) return contact;
      if (!(await db('account_claims').where({ email }).first())) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const contact = await contactRepo.inCompany(companyId, email);
    if (contact) return contact;
    throw new AccountUnavailableError();
  }

  // The order is signin-rule.ts's (shared with the console's explain); here the PSA step imports.
  function resolution(decision: SignInDecision<Contact, Contact>): Resolution {
    if (decision.kind === 'local' || decision.kind === 'psa') return { kind: 'contacts', contacts: decision.contacts };
    if (decision.kind === 'domain') return decision;
    return { kind: 'none' };
  }

  async function whoMaySignIn(email: string): Promise<Resolution> {
    return resolution(
      await decideSignIn<Contact, Contact>({
        local: () => local(email),
        invitedOnly,
        psa: psa ? () => fromPsa(psa, email) : undefined,
        domainOwner: () => domainOwner(email),
      }),
    );
  }

  async function whoMaySignInLocally(email: string): Promise<Resolution> {
    return resolution(await decideSignIn<Contact, Contact>({ local: () => local(email), invitedOnly, domainOwner: () => domainOwner(email) }));
  }

  async function createOrFindAccount(input: NewAccount): Promise<Contact> {
    const email = input.email.toLowerCase();
    // The proof may be up to 15 minutes old: check again that this address may still have an account here.
    const refuse = () => new AppError(403, 'This address can no longer create an account here. Contact your IT provider.', { messageKey: 'account.refused' });
    const check = async () => {
      const contact = await contactRepo.inCompany(input.companyId, email);
      if (contact) {
        if (!isUsable(contact)) throw refuse();
        return contact;
      }
      if ((await invitedOnly()) || (await domainOwner(email)) !== input.companyId) throw refuse();
      return undefined;
    };
    const existing = await check();
    if (existing) return existing;
    const claimedAt = await claim(email);
    if (!claimedAt) return waitForAccount(email, input.companyId);
    try {
      const created = await check(); // another sign-in may have finished just before our claim
      if (created) return created;
      const company = await companyRepo.get(input.companyId);
      if (!company) throw new AppError(409, 'This company no longer exists in the portal.', { messageKey: 'account.companyGone' });
      let psaContact: PsaContact | undefined;
      if (psa && company.psa_company_id) {
        try {
          // Someone may have entered the person in the PSA meanwhile: link rather than duplicate;
          // a deactivated PSA contact stays deactivated.
          // A company the PSA has deleted or made inactive takes no new contacts.
          if (!(await psa.getCompany(company.psa_company_id))?.active) throw refuse();
          const inCompany = (await psa.findContactsByEmail(email)).filter((c) => c.companyId === company.psa_company_id && c.email.toLowerCase() === email);
          if (inCompany.length && !inCompany.some((c) => c.active)) throw refuse();
          psaContact =
            inCompany.find((c) => c.active) ??
            (await psa.createContact({
              companyId: company.psa_company_id,
              email,
              firstName: input.firstName,
              lastName: input.lastName,
              phone: input.phone ?? null,
            }));
        } catch (error) {
          if (error instanceof AppError) throw error;
          // Not a PSA failure: the person can fix the names or phone, so the caller asks them again.
          if (error instanceof PsaContactRejected) throw error;
          await recordPsaFailure(psa, 'createContact', error);
          throw error instanceof PsaSetupError ? new AccountSetupIncompleteError() : new AccountUnavailableError();
        }
      } else if (psa) {
        log.warn({ companyId: company.id }, 'company has no PSA link: contact created in the portal only');
      }
      return await contactRepo
        .insert({
          company_id: company.id,
          email,
          first_name: input.firstName,
          last_name: input.lastName,
          phone: input.phone || null,
          psa_contact_id: psaContact?.id ?? null,
          status: 'active',
        })
        .catch(async (error) => {
          const raced = isUniqueViolation(error) ? await contactRepo.inCompany(company.id, email) : undefined;
          if (raced) return raced;
          throw error;
        });
    } finally {
      await db('account_claims').where({ email, claimed_at: claimedAt }).delete();
    }
  }

  return {
    whoMaySignIn,
    whoMaySignInLocally,

    async createAccount(input) {
      const contact = await createOrFindAccount(input);
      if (input.entra) {
        // The same rule as the Microsoft sign-in's own linking: a contact linked to another identity stays so.
        if (contact.entra_object_id && contact.entra_object_id !== input.entra.objectId.toLowerCase())
          throw new AppError(403, 'This address can no longer create an account here. Contact your IT provider.', { messageKey: 'account.refused' });
        await contactRepo.linkEntraIdentity(contact.id, input.entra);
        return { ...contact, entra_tenant_id: input.entra.tenantId.toLowerCase(), entra_object_id: input.entra.objectId.toLowerCase() };
      }
      return contact;
    },
  };
}
