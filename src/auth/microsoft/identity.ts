// Who a verified Microsoft identity is. The key is tid + oid, stored on the contact (or staff member)
// at the first sign-in; an address alone never identifies anyone across organisations.
import type { Db } from '../../db/index.js';
import { AccountUnavailableError, type ContactResolver } from '../../directory/resolver.js';
import type { Contact } from '../../directory/service.js';
import { emailDomain } from '../../lib/email.js';
import { AppError } from '../../lib/errors.js';
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

export function createMicrosoftIdentity(deps: { db: Db; resolver: ContactResolver; staff: StaffService; mspTenantId: string | undefined }): MicrosoftIdentity {
  const { db, resolver, staff } = deps;
  const fail = (reason: ConstructorParameters<typeof MicrosoftSignInError>[0], detail: string, claims: MicrosoftClaims) =>
    new MicrosoftSignInError(reason, detail, addressHint(claims));
  const ids = (claims: MicrosoftClaims) => ({ entra_tenant_id: claims.tid.toLowerCase(), entra_object_id: claims.oid.toLowerCase() });

  // Links the row to this identity unless it is already linked to another one.
  async function link(table: 'contacts' | 'staff', row: { id: number; entra_object_id?: string | null }, claims: MicrosoftClaims) {
    if (row.entra_object_id && row.entra_object_id !== claims.oid.toLowerCase())
      throw fail('no_account', `${table} ${row.id} is linked to another Microsoft account`, claims);
    await db(table)
      .where({ id: row.id })
      .update({ ...ids(claims), updated_at: db.fn.now() });
  }

  function names(claims: MicrosoftClaims, email: string) {
    const [first = '', ...rest] = (claims.name ?? '').trim().split(/\s+/);
    return { firstName: claims.given_name ?? (first || email.split('@')[0]!), lastName: claims.family_name ?? rest.join(' ') };
  }

  return {
    async contactFor(claims) {
      const known = await db<Contact & { entra_object_id: string | null }>('contacts').where(ids(claims)).first();
      if (known) {
        if (known.status === 'disabled') throw fail('no_account', `contact ${known.id} is disabled`, claims);
        return known;
      }
      const tenant = await db('company_tenants').where({ tenant_id: claims.tid.toLowerCase() }).first('company_id');
      if (!tenant) throw fail('unknown_tenant', `tenant ${claims.tid} is not linked to a company`, claims);
      const email = verifiedEmail(claims);
      if (!email) throw fail('unverified_email', 'the token carries no verified address', claims);
      // Matching by address only inside the tenant's own company: never across companies.
      const contact = await db<Contact & { entra_object_id: string | null }>('contacts').where({ company_id: tenant.company_id, email }).first();
      if (contact) {
        if (contact.status === 'disabled') throw fail('no_account', `contact ${contact.id} is disabled`, claims);
        await link('contacts', contact, claims);
        return contact;
      }
      const ownsDomain = await db('company_domains')
        .where({ company_id: tenant.company_id, domain: emailDomain(email) })
        .first('id');
      if (!ownsDomain) throw fail('no_account', `${email} is not on a domain of the tenant's company`, claims);
      const given = names(claims, email);
      try {
        const created = await resolver.createAccount({ email, companyId: tenant.company_id, ...given });
        await link('contacts', created as Contact & { entra_object_id: string | null }, claims);
        return created;
      } catch (error) {
        if (error instanceof PsaContactRejected)
          throw new AccountDetailsNeeded(email, tenant.company_id, given, error.problems, { tenantId: claims.tid, objectId: claims.oid });
        if (error instanceof AccountUnavailableError) throw fail('unavailable', 'the PSA could not create the contact', claims);
        if (error instanceof AppError) throw fail('no_account', error.publicMessage, claims);
        throw error;
      }
    },

    async staffFor(claims) {
      if (!deps.mspTenantId || claims.tid.toLowerCase() !== deps.mspTenantId)
        throw fail('unknown_tenant', `tenant ${claims.tid} is not the MSP's tenant`, claims);
      const known = await db<Staff & { entra_object_id: string | null }>('staff').where(ids(claims)).first();
      if (known) {
        if (known.disabled) throw fail('no_account', `staff ${known.id} is disabled`, claims);
        return known;
      }
      const email = verifiedEmail(claims);
      if (!email) throw fail('unverified_email', 'the token carries no verified address', claims);
      const [member] = (await staff.resolve(email)) as Array<Staff & { entra_object_id: string | null }>;
      if (!member) throw fail('no_account', `${email} is not a staff member`, claims);
      await link('staff', member, claims);
      return member;
    },
  };
}
