// Who a verified Microsoft identity is. The key is tid + oid, stored on the contact (or staff member)
// at the first sign-in; an address alone never identifies anyone across organisations.
import type { CompanyRepository } from '../../directory/companies-repo.js';
import { isUsable, type ContactRepository, type ContactRow as Contact } from '../../directory/contacts-repo.js';
import { AccountUnavailableError, type ContactResolver } from '../../directory/resolver.js';
import { emailDomain } from '../../lib/email.js';
import { AppError } from '../../lib/errors.js';
import { cleanPersonName } from '../../lib/text-rules.js';
import { PsaContactRejected, type PsaFieldProblem } from '../../psa/types.js';
import type { Staff, StaffService } from '../../staff/service.js';
import { addressHint, MicrosoftSignInError, verifiedEmail, type MicrosoftClaims } from './oidc.js';

/** The PSA would refuse the names Microsoft gave (an empty last name, a name too long): the person is asked
 * for them on "Create your account", prefilled, and the account is linked to this identity once created. */
export class AccountDetailsNeeded extends Error {
  constructor(
    readonly email: string,
    readonly companyId: number,
    readonly names: { firstName: string; lastName: string },
    readonly problems: PsaFieldProblem[],
    readonly entra: { tenantId: string; objectId: string },
  ) {
    super(`the PSA would refuse the contact: ${problems.map((p) => `${p.field} ${p.reason}`).join(', ')}`);
    this.name = 'AccountDetailsNeeded';
  }
}

export interface MicrosoftIdentity {
  contactFor(claims: MicrosoftClaims): Promise<Contact>;
  staffFor(claims: MicrosoftClaims): Promise<Staff>;
}

export function createMicrosoftIdentity(deps: {
  contactRepo: ContactRepository;
  companyRepo: CompanyRepository;
  resolver: ContactResolver;
  staff: StaffService;
  mspTenantId: string | undefined;
}): MicrosoftIdentity {
  const { contactRepo, companyRepo, resolver, staff } = deps;
  const fail = (reason: ConstructorParameters<typeof MicrosoftSignInError>[0], detail: string, claims: MicrosoftClaims) =>
    new MicrosoftSignInError(reason, detail, addressHint(claims));
  const identityOf = (claims: MicrosoftClaims) => ({ tenantId: claims.tid, objectId: claims.oid });

  // Links the row to this identity unless it is already linked to another one.
  async function link<R extends { id: number; entra_object_id: string | null }>(kind: 'contact' | 'staff', row: R, claims: MicrosoftClaims) {
    if (row.entra_object_id && row.entra_object_id !== claims.oid.toLowerCase())
      throw fail('no_account', `${kind} ${row.id} is linked to another Microsoft account`, claims);
    if (kind === 'contact') await contactRepo.linkEntraIdentity(row.id, identityOf(claims));
    else await staff.linkEntraIdentity(row.id, identityOf(claims));
  }

  // The names in the token are the organisation's directory's, not typed into a portal form, so they
  // are cleaned to the form's rules (cleanPersonName) rather than refused: an odd entry in a client's
  // directory must not lock its employee out, and nothing outside the rules is stored or sent to the PSA.
  function names(claims: MicrosoftClaims, email: string) {
    const claim = (value: unknown) => (typeof value === 'string' ? cleanPersonName(value) : '');
    const [first = '', ...rest] = claim(claims.name).split(' ');
    const given = claim(claims.given_name);
    const family = claim(claims.family_name);
    return {
      firstName: given || first || cleanPersonName(email.split('@')[0]!),
      lastName: claims.family_name !== undefined ? family : cleanPersonName(rest.join(' ')),
    };
  }

  return {
    async contactFor(claims) {
      const known = await contactRepo.byEntraIdentity(identityOf(claims));
      if (known) {
        if (!isUsable(known)) throw fail('no_account', `contact ${known.id} is disabled`, claims);
        return known;
      }
      const companyId = await companyRepo.companyOfTenant(claims.tid);
      if (companyId === undefined) throw fail('unknown_tenant', `tenant ${claims.tid} is not linked to a company`, claims);
      const email = verifiedEmail(claims);
      if (!email) throw fail('unverified_email', 'the token carries no verified address', claims);
      // Matching by address only inside the tenant's own company: never across companies.
      const contact = await contactRepo.inCompany(companyId, email);
      if (contact) {
        if (!isUsable(contact)) throw fail('no_account', `contact ${contact.id} is disabled`, claims);
        await link('contact', contact, claims);
        return contact;
      }
      const ownsDomain = await companyRepo.hasDomain(companyId, emailDomain(email));
      if (!ownsDomain) throw fail('no_account', `${email} is not on a domain of the tenant's company`, claims);
      const given = names(claims, email);
      try {
        const created = await resolver.createAccount({ email, companyId, ...given });
        await link('contact', created, claims);
        return created;
      } catch (error) {
        if (error instanceof PsaContactRejected)
          throw new AccountDetailsNeeded(email, companyId, given, error.problems, { tenantId: claims.tid, objectId: claims.oid });
        if (error instanceof AccountUnavailableError) throw fail('unavailable', 'the PSA could not create the contact', claims);
        if (error instanceof AppError) throw fail('no_account', error.publicMessage, claims);
        throw error;
      }
    },

    async staffFor(claims) {
      if (!deps.mspTenantId || claims.tid.toLowerCase() !== deps.mspTenantId)
        throw fail('unknown_tenant', `tenant ${claims.tid} is not the MSP's tenant`, claims);
      const known = await staff.byEntraIdentity(identityOf(claims));
      if (known) {
        if (known.disabled) throw fail('no_account', `staff ${known.id} is disabled`, claims);
        return known;
      }
      const email = verifiedEmail(claims);
      if (!email) throw fail('unverified_email', 'the token carries no verified address', claims);
      const [member] = await staff.activeByEmail(email);
      if (!member) throw fail('no_account', `${email} is not a staff member`, claims);
      await link('staff', member, claims);
      return member;
    },
  };
}
