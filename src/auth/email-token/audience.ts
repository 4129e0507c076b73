// Who an email token signs in: clients into the portal, staff into the console. The mechanism is one;
// an audience says which table an address resolves in, which token purpose it uses, where its pages
// live and whether it is switched on.
import type { Db } from '../../db/index.js';
import type { DirectoryService } from '../../directory/service.js';
import type { SettingsService } from '../../settings/service.js';
import type { StaffService } from '../../staff/service.js';
import type { TokenPurpose } from '../login-tokens.js';
import type { SubjectKind } from '../sign-in.js';

export interface Subject {
  id: number;
  company_id?: number;
}

export interface EmailTokenAudience {
  kind: SubjectKind;
  purpose: TokenPurpose;
  /** Where the pages are mounted: /signin or /admin/signin. */
  basePath: string;
  /** Where a signed-in person lands. */
  home: string;
  enabled(): Promise<boolean>;
  /** The subjects this address signs in as; empty when it may not sign in. */
  resolve(email: string, db?: Db): Promise<Subject[]>;
  /** The name shown in the mail and on the confirm page. */
  portalName(subjects: Subject[], db?: Db): Promise<string>;
}

export function portalAudience(deps: { directory: DirectoryService; settings: SettingsService }): EmailTokenAudience {
  return {
    kind: 'contact',
    purpose: 'email_token',
    basePath: '/signin',
    home: '/',
    enabled: async () => (await deps.settings.get('mail_token')).enabled,
    resolve: (email, db) => deps.directory.resolve(email, db),
    async portalName(subjects, db) {
      const fallback = (await deps.settings.get('mail_token', db)).portalName;
      if (subjects.length !== 1 || subjects[0]!.company_id === undefined) return fallback;
      return (await deps.directory.companyPortalName(subjects[0]!.company_id, db)) ?? fallback;
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
    resolve: (email, db) => deps.staff.resolve(email, db),
    portalName: async (_subjects, db) => `${(await deps.settings.get('mail_token', db)).portalName} console`,
  };
}
