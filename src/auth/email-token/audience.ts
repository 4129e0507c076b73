// The email token's view of an audience (src/auth/audience.ts): how an address resolves to whom it
// signs in, and the name shown in the mail and on the confirm page. Paths, purpose and the on/off
// switch are the shared audience's.
import type { ContactResolver, Resolution } from '../../directory/resolver.js';
import type { DirectoryService } from '../../directory/service.js';
import type { SettingsService } from '../../settings/service.js';
import type { StaffService } from '../../staff/service.js';
import { contactAudience, contactSubject, staffAudience, staffSubject, type Audience, type SignInSubject } from '../audience.js';

export interface AudienceResolution {
  /** Whom the address signs in as (several: the person picks). */
  subjects: SignInSubject[];
  /** No account yet, but the address is on this company's domain: one is made after the address is proven. */
  newAccountCompanyId?: number;
}

export const admitted = (r: AudienceResolution) => r.subjects.length > 0 || r.newAccountCompanyId !== undefined;

export interface EmailTokenAudience extends Audience {
  /** Whether the email token is on for this audience. */
  enabled(): Promise<boolean>;
  /** Before a token is issued: may ask the PSA. */
  whoMaySignIn(email: string): Promise<AudienceResolution>;
  /** On confirm pages and after a token is spent: the portal's own data only, so a mail scanner or a slow PSA changes nothing and waits for nothing. */
  whoMaySignInLocally(email: string): Promise<AudienceResolution>;
  /** The name shown in the mail and on the confirm page. `mailBrandName`: the name the brand of the mail
   * to this resolution carries (mail look() of brandCompanyId: that company's own portal name, else the
   * configured one), when the caller has read it: the portal's name is that one, so the portal does not
   * read it again; the console's is its own ("… console") and ignores it. */
  portalName(resolution: AudienceResolution, mailBrandName?: string): Promise<string>;
  /** The one company whose brand the mail shows (none: the MSP's). */
  brandCompanyId(resolution: AudienceResolution): number | undefined;
}

/** The company of every subject and of the new account, when that is exactly one company. */
function onlyCompany(resolution: AudienceResolution): number | undefined {
  const companyIds = new Set(resolution.subjects.map((s) => (s.kind === 'contact' ? s.contact.company_id : undefined)));
  if (resolution.newAccountCompanyId !== undefined) companyIds.add(resolution.newAccountCompanyId);
  const [only] = companyIds;
  return companyIds.size === 1 ? only : undefined;
}

function fromResolution(found: Resolution): AudienceResolution {
  if (found.kind === 'contacts') return { subjects: found.contacts.map(contactSubject) };
  return found.kind === 'domain' ? { subjects: [], newAccountCompanyId: found.companyId } : { subjects: [] };
}

export function portalAudience(deps: { resolver: ContactResolver; directory: DirectoryService; settings: SettingsService }): EmailTokenAudience {
  return {
    ...contactAudience,
    enabled: () => contactAudience.emailToken.enabled(deps.settings),
    whoMaySignIn: async (email) => fromResolution(await deps.resolver.whoMaySignIn(email)),
    whoMaySignInLocally: async (email) => fromResolution(await deps.resolver.whoMaySignInLocally(email)),
    async portalName(resolution, mailBrandName) {
      if (mailBrandName !== undefined) return mailBrandName;
      const fallback = (await deps.settings.get('mail_token')).portalName;
      const only = onlyCompany(resolution);
      if (only === undefined) return fallback;
      return (await deps.directory.companyPortalName(only)) ?? fallback;
    },
    brandCompanyId: onlyCompany,
  };
}

export function consoleAudience(deps: { staff: StaffService; settings: SettingsService }): EmailTokenAudience {
  const activeStaff = async (email: string) => ({ subjects: (await deps.staff.activeByEmail(email)).map(staffSubject) });
  return {
    ...staffAudience,
    enabled: () => staffAudience.emailToken.enabled(deps.settings),
    whoMaySignIn: activeStaff,
    whoMaySignInLocally: activeStaff,
    portalName: async () => `${(await deps.settings.get('mail_token')).portalName} console`,
    brandCompanyId: () => undefined,
  };
}
