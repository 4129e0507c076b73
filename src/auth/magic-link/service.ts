// One-time sign-in links made for a person rather than asked for by them: magic links a technician
// generates for a contact (copy or send by mail), and the first admin's link from `admin:create`.
// Same token store as the email token: hashed, single use, confirm page before spending.
import { attributed, type ApiKeyActor, type AuditService } from '../../audit/service.js';
import type { Db } from '../../db/index.js';
import { isUsable } from '../../directory/contacts-repo.js';
import type { DirectoryService } from '../../directory/service.js';
import { localeOr } from '../../i18n/index.js';
import { AppError, NotFoundError } from '../../lib/errors.js';
import type { MailComposer } from '../../mail/compose.js';
import type { SettingsService } from '../../settings/service.js';
import type { StaffService } from '../../staff/service.js';
import { audiences, contactAudience, contactSubject, staffAudience, staffSubject, type SignInSubject, type SubjectKind } from '../audience.js';
import type { LoginTokenStore, TokenFailure } from '../login-tokens.js';

export const STAFF_LINK_MINUTES = 10; // one-time links: 10 minutes (ASVS 4.0.3, 2.7.2)

export interface GeneratedLink {
  link: string;
  expiresAt: Date;
}

export interface MagicLinkService {
  /** A one-time link for a contact; refused for disabled contacts or when magic links are off. apiKey: made through the User API. */
  generateForContact(contactId: number, createdBy: number | null, ip?: string | null, apiKey?: ApiKeyActor): Promise<GeneratedLink & { email: string }>;
  sendToContact(contactId: number, createdBy: number | null, ip?: string | null): Promise<{ email: string }>;
  /** A one-time console link for a staff member (the first admin, from the CLI). */
  generateForStaff(staffId: number, db?: Db): Promise<GeneratedLink>;
  check(kind: SubjectKind, token: string): Promise<{ ok: true; email: string } | { ok: false; reason: TokenFailure | 'no_subject' }>;
  spend(kind: SubjectKind, token: string): Promise<{ ok: true; subject: SignInSubject } | { ok: false; reason: TokenFailure | 'no_subject' }>;
}

export function createMagicLinkService(deps: {
  db: Db;
  tokens: LoginTokenStore;
  settings: SettingsService;
  directory: DirectoryService;
  staff: StaffService;
  mail: MailComposer;
  audit: AuditService;
}): MagicLinkService {
  const { db, tokens, settings, directory, staff, mail, audit } = deps;

  async function issueForContact(trx: Db, contactId: number, createdBy: number | null, ip?: string | null, apiKey?: ApiKeyActor) {
    const contact = await directory.getContact(contactId, trx);
    if (!contact) throw new NotFoundError('This contact does not exist.');
    if (!isUsable(contact)) throw new AppError(409, 'This contact is disabled: enable them before making a sign-in link.');
    const { enabled, minutes } = await settings.get('magic_link', trx);
    if (!enabled) throw new AppError(409, 'Magic links are turned off in the settings.');
    const issued = await tokens.issue(trx, { purpose: contactAudience.link.purpose, email: contact.email, contactId, minutes, createdBy, createdIp: ip });
    await audit.record({ action: 'magic_link.generated', ...attributed(createdBy, apiKey, { minutes }), subject: { type: 'contact', id: contactId }, ip }, trx);
    return { contact, link: mail.link(contactAudience.link.path, { token: issued.token }), expiresAt: issued.expiresAt, minutes };
  }

  // Who a spent or peeked link signs in, if they still may (and the audience's links are still on).
  async function subjectOf(kind: SubjectKind, row: { contact_id: number | null; staff_id: number | null }): Promise<SignInSubject | undefined> {
    if (!(await audiences[kind].link.enabled(settings))) return undefined;
    if (kind === 'contact') {
      const contact = row.contact_id ? await directory.getContact(row.contact_id) : undefined;
      return contact && isUsable(contact) ? contactSubject(contact) : undefined;
    }
    const member = row.staff_id ? await staff.get(row.staff_id) : undefined;
    return member && !member.disabled ? staffSubject(member) : undefined;
  }

  return {
    async generateForContact(contactId, createdBy, ip, apiKey) {
      const { contact, link, expiresAt } = await db.transaction((trx) => issueForContact(trx, contactId, createdBy, ip, apiKey));
      return { link, expiresAt, email: contact.email };
    },

    async sendToContact(contactId, createdBy, ip) {
      const email = await db.transaction(async (trx) => {
        const { contact, link, minutes, expiresAt } = await issueForContact(trx, contactId, createdBy, ip);
        await mail.queue(trx, {
          to: contact.email,
          template: 'magic-link',
          portalName: await directory.companyPortalName(contact.company_id, trx),
          companyId: contact.company_id,
          data: { link, minutes, email: contact.email, locale: localeOr(contact.locale) },
          // The link inside stops working then; a mail still queued at that time is not worth sending.
          discardAfter: expiresAt,
        });
        return contact.email;
      });
      mail.notify();
      return { email };
    },

    async generateForStaff(staffId, database = db) {
      const member = await staff.get(staffId);
      if (!member) throw new NotFoundError('This staff member does not exist.');
      const issued = await tokens.issue(database, { purpose: staffAudience.link.purpose, email: member.email, staffId, minutes: STAFF_LINK_MINUTES });
      return { link: mail.link(staffAudience.link.path, { token: issued.token }), expiresAt: issued.expiresAt };
    },

    async check(kind, token) {
      const result = await tokens.peek(token, [audiences[kind].link.purpose]);
      if (!result.ok) return result;
      return (await subjectOf(kind, result.token)) ? { ok: true, email: result.token.email } : { ok: false, reason: 'no_subject' };
    },

    async spend(kind, token) {
      const result = await tokens.consumeLink(token, [audiences[kind].link.purpose]);
      if (!result.ok) return result;
      const subject = await subjectOf(kind, result.token);
      return subject ? { ok: true, subject } : { ok: false, reason: 'no_subject' };
    },
  };
}
