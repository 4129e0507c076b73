// What a sign-in with an address would do, for the console's PSA page: the same rule as the resolver
// (signin-rule.ts) but read-only. It never imports a PSA company or contact, never inserts or claims, and
// sends no mail; PSA failures are not recorded as psa_events either (a technician's check is not a
// client's failed sign-in; the answer says the PSA did not answer).
import type { AuditService } from '../audit/service.js';
import { emailDomain } from '../lib/email.js';
import type { PsaAdapter, PsaContact } from '../psa/types.js';
import type { SettingsService } from '../settings/service.js';
import type { CompanyRepository } from './companies-repo.js';
import { isUsable, type ContactRepository, type ContactRow } from './contacts-repo.js';
import { decideSignIn } from './signin-rule.js';

export type SignInPreview =
  | { outcome: 'portal_contact'; name: string; company: string }
  | { outcome: 'psa_contact'; name: string; company: string }
  | { outcome: 'domain_account'; company: string; /** Set when the account could not be created after all. */ blocked?: string }
  | { outcome: 'nothing'; reason: string };

export interface SignInExplainer {
  /** What a sign-in with this address would do now; writes nothing. */
  explain(email: string): Promise<SignInPreview>;
  /** explain, audited as psa.signin_previewed (without the address: see below). */
  preview(email: string, actor: { staffId: number | null; ip?: string | null }): Promise<SignInPreview>;
}

const fullName = (p: { first_name?: string | null; last_name?: string | null; firstName?: string; lastName?: string }) =>
  [p.first_name ?? p.firstName, p.last_name ?? p.lastName].filter(Boolean).join(' ').trim() || '(no name)';

export function createSignInExplainer(deps: {
  psa: PsaAdapter | undefined;
  contactRepo: ContactRepository;
  companyRepo: CompanyRepository;
  settings: SettingsService;
  audit: AuditService;
}): SignInExplainer {
  const { psa, contactRepo, companyRepo, settings } = deps;

  const companyName = async (id: number) => {
    const company = await companyRepo.get(id);
    return company ? (company.portal_name ?? company.name) : `#${id}`;
  };

  async function explain(raw: string): Promise<SignInPreview> {
    const email = raw.trim().toLowerCase();
    // Why a PSA step found nobody, for the answer: contacts there whose PSA company is inactive.
    let inactiveCompany: string | undefined;
    const decision = await decideSignIn<ContactRow, { contact: PsaContact; company: string }>({
      local: async () => {
        const all = await contactRepo.allByEmail(email);
        return { all, usable: all.filter(isUsable) };
      },
      invitedOnly: async () => (await settings.get('signin_policy')).mode === 'invited_only',
      psa: psa
        ? async () => {
            try {
              const found = (await psa.findContactsByEmail(email)).filter((c) => c.active && c.email.toLowerCase() === email);
              const placed: Array<{ contact: PsaContact; company: string }> = [];
              for (const contact of found) {
                const company = await psa.getCompany(contact.companyId);
                if (company?.active) placed.push({ contact, company: company.name });
                else inactiveCompany = company?.name ?? `#${contact.companyId}`;
              }
              return placed;
            } catch {
              return undefined;
            }
          }
        : undefined,
      domainOwner: () => companyRepo.companyOfDomain(emailDomain(email)),
    });

    switch (decision.kind) {
      case 'local': {
        const [first] = decision.contacts;
        return { outcome: 'portal_contact', name: fullName(first!), company: await companyName(first!.company_id) };
      }
      case 'psa': {
        const { contact, company } = decision.contacts[0]!;
        return { outcome: 'psa_contact', name: fullName(contact), company };
      }
      case 'domain':
        return { outcome: 'domain_account', company: await companyName(decision.companyId), blocked: await domainBlock(decision.companyId) };
      case 'disabled':
        return { outcome: 'nothing', reason: 'the portal contact with this address is disabled.' };
      case 'invited_only':
        return { outcome: 'nothing', reason: 'the sign-in policy is "invited contacts only" and the portal has no contact with this address.' };
      case 'psa_unreachable':
        return { outcome: 'nothing', reason: 'the PSA did not answer, so a sign-in would not risk creating a second contact.' };
      case 'nobody':
        return {
          outcome: 'nothing',
          reason: inactiveCompany
            ? `the PSA contact's company ${inactiveCompany} is deleted or inactive in the PSA.`
            : 'no contact has this address and no company owns its domain.',
        };
    }
  }

  // The link would go out, but createAccount refuses a company the PSA deleted or made inactive.
  async function domainBlock(companyId: number): Promise<string | undefined> {
    const company = await companyRepo.get(companyId);
    if (!psa || !company?.psa_company_id) return undefined;
    try {
      const inPsa = await psa.getCompany(company.psa_company_id);
      return inPsa?.active ? undefined : 'its PSA company is deleted or inactive, so the account would be refused after the link is used.';
    } catch {
      return 'the PSA did not answer, so the account could not be created right now.';
    }
  }

  return {
    explain,
    async preview(email, actor) {
      const result = await explain(email);
      // The address is not kept: the audit says who checked, when, which domain and what came out; the
      // address of a client is personal data and a check is not an act on their account.
      await deps.audit.record({
        action: 'psa.signin_previewed',
        actor: { type: 'staff', id: actor.staffId },
        ip: actor.ip,
        detail: { domain: emailDomain(email.trim().toLowerCase()), outcome: result.outcome },
      });
      return result;
    },
  };
}
