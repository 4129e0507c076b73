// One-time sign-in links made for a person rather than asked for by them: magic links a technician
// generates for a contact (copy or send by mail), and the first admin's link from `admin:create`.
// Same token store as the email token: hashed, single use, confirm page before spending.
import { attributed, type ApiKeyActor, type AuditService } from '../../audit/service.js';
import type { Db } from '../../db/index.js';
import type { DirectoryService } from '../../directory/service.js';
import { localeOr } from '../../i18n/index.js';
import { AppError, NotFoundError } from '../../lib/errors.js';
import type { Outbox } from '../../mail/outbox.js';
import type { SettingsService } from '../../settings/service.js';
import type { StaffService } from '../../staff/service.js';
import type { LoginTokenStore, TokenFailure } from '../login-tokens.js';
import type { Subject } from '../email-token/audience.js';

export const STAFF_LINK_MINUTES = 15;

export interface GeneratedLink {
  link: string;
  expiresAt: Date;
}

export type LinkKind = 'contact' | 'staff';

export interface MagicLinkService {
  /** A one-time link for a contact; refused for disabled contacts or when magic links are off. apiKey: made through the User API. */
  generateForContact(contactId: number, createdBy: number | null, ip?: string | null, apiKey?: ApiKeyActor): Promise<GeneratedLink & { email: string }>;
  sendToContact(contactId: number, createdBy: number | null, ip?: string | null): Promise<{ email: string }>;
  /** A one-time console link for a staff member (the first admin, from the CLI). */
  generateForStaff(staffId: number, db?: Db): Promise<GeneratedLink>;
  check(kind: LinkKind, token: string): Promise<{ ok: true; email: string } | { ok: false; reason: TokenFailure | 'no_subject' }>;
  spend(kind: LinkKind, token: string): Promise<{ ok: true; subject: Subject } | { ok: false; reason: TokenFailure | 'no_subject' }>;
}

const purposeOf = { contact: 'magic_link', staff: 'staff_link' } as const;
export const linkPaths = { contact: '/signin/magic', staff: '/admin/signin/link' } as const;

export function createMagicLinkService(deps: { db: Db; tokens: LoginTokenStore; settings: SettingsService; directory: DirectoryService; staff: StaffService; outbox: Outbox; audit: AuditService; baseUrl: URL }): MagicLinkService {
  const { db, tokens, settings, directory, staff, outbox, audit } = deps;

  const linkFor = (kind: LinkKind, token: string) => {
    const url = new URL(linkPaths[kind], deps.baseUrl);
    url.searchParams.set('token', token);
    return url.toString();
  };

  async function issueForContact(trx: Db, contactId: number, createdBy: number | null, ip?: string | null, apiKey?: ApiKeyActor) {
    const contact = await directory.getContact(contactId, trx);
    if (!contact) throw new NotFoundError('This contact does not exist.');
    if (contact.status === 'disabled') throw new AppError(409, 'This contact is disabled: enable them before making a sign-in link.');
    const { enabled, minutes } = await settings.get('magic_link', trx);
    if (!enabled) throw new AppError(409, 'Magic links are turned off in the settings.');
    const issued = await tokens.issue(trx, { purpose: 'magic_link', email: contact.email, contactId, minutes, createdBy, createdIp: ip });
    await audit.record({ action: 'magic_link.generated', ...attributed(createdBy, apiKey, { minutes }), subject: { type: 'contact', id: contactId }, ip }, trx);
    return { contact, link: linkFor('contact', issued.token), expiresAt: issued.expiresAt, minutes };
  }

  async function subjectOf(kind: LinkKind, row: { contact_id: number | null; staff_id: number | null }): Promise<Subject | undefined> {
    if (kind === 'contact') {
      // Turning magic links off stops the ones already handed out, too.
      if (!(await settings.get('magic_link')).enabled) return undefined;
      const contact = row.contact_id ? await directory.getContact(row.contact_id) : undefined;
      return contact && contact.status !== 'disabled' ? contact : undefined;
    }
    const member = row.staff_id ? await staff.get(row.staff_id) : undefined;
    return member && !member.disabled ? member : undefined;
  }

  return {
    async generateForContact(contactId, createdBy, ip, apiKey) {
      const { contact, link, expiresAt } = await db.transaction((trx) => issueForContact(trx, contactId, createdBy, ip, apiKey));
      return { link, expiresAt, email: contact.email };
    },

    async sendToContact(contactId, createdBy, ip) {
      const email = await db.transaction(async (trx) => {
        const { contact, link, minutes } = await issueForContact(trx, contactId, createdBy, ip);
        const mail = await settings.get('mail_token', trx);
        const portalName = (await directory.companyPortalName(contact.company_id, trx)) ?? mail.portalName;
        await outbox.enqueue(trx, {
          to: contact.email,
          from: { name: mail.fromName, address: mail.fromAddress },
          template: 'magic-link',
          data: { portalName, link, minutes, email: contact.email, locale: localeOr(contact.locale) },
          discardAfter: new Date(Date.now() + minutes * 60_000),
        });
        return contact.email;
      });
      outbox.notify();
      return { email };
    },

    async generateForStaff(staffId, database = db) {
      const member = await staff.get(staffId);
      if (!member) throw new NotFoundError('This staff member does not exist.');
      const issued = await tokens.issue(database, { purpose: 'staff_link', email: member.email, staffId, minutes: STAFF_LINK_MINUTES });
      return { link: linkFor('staff', issued.token), expiresAt: issued.expiresAt };
    },

    async check(kind, token) {
      const result = await tokens.peek(token, [purposeOf[kind]]);
      if (!result.ok) return result;
      return (await subjectOf(kind, result.token)) ? { ok: true, email: result.token.email } : { ok: false, reason: 'no_subject' };
    },

    async spend(kind, token) {
      const result = await tokens.consumeLink(token, [purposeOf[kind]]);
      if (!result.ok) return result;
      const subject = await subjectOf(kind, result.token);
      return subject ? { ok: true, subject } : { ok: false, reason: 'no_subject' };
    },
  };
}
