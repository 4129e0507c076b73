// Who an email token signs in: clients into the portal, staff into the console. The mechanism is one;
// an audience says how an address resolves, which token purpose it uses, where its pages live and
// whether it is switched on.
import type { ContactResolver, Resolution } from '../../directory/resolver.js';
import type { DirectoryService } from '../../directory/service.js';
import type { SettingsService } from '../../settings/service.js';
import type { StaffService } from '../../staff/service.js';
import type { TokenPurpose } from '../login-tokens.js';
import type { SubjectKind } from '../sign-in.js';

export interface Subject {
  id: number;
  company_id?: number;
}

export interface AudienceResolution {
  /** Whom the address signs in as (several: the person picks). */
  subjects: Subject[];
  /** No account yet, but the address is on this company's domain: one is made after the address is proven. */
  newAccountCompanyId?: number;
}

export const admitted = (r: AudienceResolution) => r.subjects.length > 0 || r.newAccountCompanyId !== undefined;

export interface EmailTokenAudience {
  kind: SubjectKind;
  purpose: TokenPurpose;
  /** Where the pages are mounted: /signin or /admin/signin. */
  basePath: string;
  /** Where a signed-in person lands. */
  home: string;
  enabled(): Promise<boolean>;
  /** Before a token is issued: may ask the PSA. */
  resolve(email: string): Promise<AudienceResolution>;
  /** On confirm pages and after a token is spent: the portal's own data only, so a mail scanner or a slow PSA changes nothing and waits for nothing. */
  resolveLocal(email: string): Promise<AudienceResolution>;
  /** The name shown in the mail and on the confirm page. */
  portalName(resolution: AudienceResolution): Promise<string>;
}

function fromResolution(found: Resolution): AudienceResolution {
  if (found.kind === 'contacts') return { subjects: found.contacts };
  return found.kind === 'domain' ? { subjects: [], newAccountCompanyId: found.companyId } : { subjects: [] };
}

export function portalAudience(deps: { resolver: ContactResolver; directory: DirectoryService; settings: SettingsService }): EmailTokenAudience {
  return {
    kind: 'contact',
    purpose: 'email_token',
    basePath: '/signin',
    home: '/',
    enabled: async () => (await deps.settings.get('mail_token')).enabled,
    resolve: async (email) => fromResolution(await deps.resolver.resolve(email)),
    resolveLocal: async (email) => fromResolution(await deps.resolver.resolveLocal(email)),
    async portalName(resolution) {
      const fallback = (await deps.settings.get('mail_token')).portalName;
      const companyIds = new Set(resolution.subjects.map((s) => s.company_id));
      if (resolution.newAccountCompanyId !== undefined) companyIds.add(resolution.newAccountCompanyId);
      const [only] = companyIds;
      if (companyIds.size !== 1 || only === undefined) return fallback;
      return (await deps.directory.companyPortalName(only)) ?? fallback;
    },
  };
}

export function consoleAudience(deps: { staff: StaffService; settings: SettingsService }): EmailTokenAudience {
  return {
    kind: 'staff',
    purpose: 'staff_email_token',
    basePath: '/admin/signin',
    home: '/admin',
    enabled: async () => (await deps.settings.get('staff_signin')).emailTokenEnabled,
    resolve: async (email) => ({ subjects: await deps.staff.resolve(email) }),
    resolveLocal: async (email) => ({ subjects: await deps.staff.resolve(email) }),
    portalName: async () => `${(await deps.settings.get('mail_token')).portalName} console`,
  };
}
