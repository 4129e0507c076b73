// Who signs in where: clients (contacts) into the portal, staff into the console. Every sign-in method
// (email token, magic link, Microsoft, JWT, account choice) takes its paths, token purposes and on/off
// switches from here, so the difference between the two audiences is written once.
import type { Contact } from '../directory/service.js';
import { msg, type MessageKey, type Translate } from '../i18n/index.js';
import type { SettingsService } from '../settings/service.js';
import type { Staff } from '../staff/service.js';
import type { TokenPurpose } from './login-tokens.js';

export type SubjectKind = 'contact' | 'staff';

/** Whom a sign-in is for. The kind says which row it carries, so the compiler keeps a staff row out of a
 * portal session and the other way round. */
export type SignInSubject = { kind: 'contact'; contact: Contact } | { kind: 'staff'; staff: Staff };
export type SubjectRow<K extends SubjectKind> = K extends 'contact' ? Contact : Staff;

export const contactSubject = (contact: Contact): SignInSubject => ({ kind: 'contact', contact });
export const staffSubject = (staff: Staff): SignInSubject => ({ kind: 'staff', staff });
export const subjectRow = (subject: SignInSubject): Contact | Staff => (subject.kind === 'contact' ? subject.contact : subject.staff);
export const subjectId = (subject: SignInSubject): number => subjectRow(subject).id;

export interface Audience<K extends SubjectKind = SubjectKind> {
  kind: K;
  /** Where the sign-in pages are mounted. */
  basePath: '/signin' | '/admin/signin';
  /** Where a signed-in person lands. */
  home: '/' | '/admin';
  /** The email token (link and code) the person asks for on the sign-in page. */
  emailToken: { purpose: TokenPurpose; enabled(settings: SettingsService): Promise<boolean> };
  /** A one-time link made for the person (magic link; the first admin's link from the CLI). */
  link: { purpose: TokenPurpose; path: string; enabled(settings: SettingsService): Promise<boolean> };
  /** "Sign in with Microsoft" lives at `${prefix}/auth/microsoft`; it is on when Microsoft is configured. */
  microsoft: { prefix: '' | '/admin' };
  /** Whether a local path belongs to this audience's area: a returnTo into the other one is not followed. */
  owns(path: string): boolean;
  /** The sign-in page's heading. */
  signInTitle: MessageKey;
  /** What the person signs in to, as confirm pages name it ("Acme portal", "Acme portal console"). */
  siteName(portalName: string, t: Translate): string;
}

// Express routes paths case-insensitively (/ADMIN/contacts is the console), so this check is too: a
// portal returnTo of /Admin/... must not land in the console.
const inConsole = (path: string) => {
  const lower = path.toLowerCase();
  return lower === '/admin' || lower.startsWith('/admin/') || lower.startsWith('/admin?');
};

export const contactAudience: Audience<'contact'> = {
  kind: 'contact',
  basePath: '/signin',
  home: '/',
  emailToken: { purpose: 'email_token', enabled: async (settings) => (await settings.get('mail_token')).enabled },
  // Turning magic links off stops the ones already handed out, too.
  link: { purpose: 'magic_link', path: '/signin/magic', enabled: async (settings) => (await settings.get('magic_link')).enabled },
  microsoft: { prefix: '' },
  owns: (path) => !inConsole(path),
  signInTitle: msg('signin.title'),
  siteName: (portalName) => portalName,
};

export const staffAudience: Audience<'staff'> = {
  kind: 'staff',
  basePath: '/admin/signin',
  home: '/admin',
  emailToken: { purpose: 'staff_email_token', enabled: async (settings) => (await settings.get('staff_signin')).emailTokenEnabled },
  // Staff links are made only by the CLI (`admin:create`): no setting switches them off.
  link: { purpose: 'staff_link', path: '/admin/signin/link', enabled: async () => true },
  microsoft: { prefix: '/admin' },
  owns: inConsole,
  signInTitle: msg('signin.staffTitle'),
  siteName: (portalName, t) => t('confirm.consoleName', { portal: portalName }),
};

export const audiences: { [K in SubjectKind]: Audience<K> } = { contact: contactAudience, staff: staffAudience };
