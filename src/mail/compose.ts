// The mails Portico writes itself (sign-in tokens, magic links, invitations, the test mail) are put
// together here, once: the sender and portal name from the Mail Token settings (a company's own portal
// name wins), links to this portal's base URL, queued in the caller's transaction (or sealed into a row the
// caller writes in its own statement) so a mail commits with whatever it announces.
import type { BrandService } from '../brand/service.js';
import type { Db } from '../db/index.js';
import type { MailTokenSettings } from '../settings/schemas.js';
import type { SettingsService } from '../settings/service.js';
import type { Outbox, OutboxRow, QueueMail } from './outbox.js';
import type { MailTemplates, TemplateName } from './templates.js';

/** What the Mail Token settings say about the sender; the settings value itself will do. */
export type Sender = Pick<MailTokenSettings, 'fromName' | 'fromAddress' | 'portalName'>;

export interface ComposedMail<K extends TemplateName> {
  to: string;
  template: K;
  /** The template's data; portalName is filled in here. */
  data: Omit<MailTemplates[K], 'portalName'>;
  /** The portal's name in this mail (a company's own); absent or empty: the configured one. */
  portalName?: string | null;
  /** The recipient's company: its own logo and colour, where set, brand the mail (absent: the MSP's). */
  companyId?: number | null;
  /** Do not send after this time (the token inside has expired). */
  discardAfter?: Date;
  /** The settings when the caller has read them already (before its transaction, to keep it short). */
  sender?: Sender;
  /** The brand when the caller has read it already (look(), before its transaction). */
  look?: MailLook;
}

/** A mail's brand and its inline attachments (the logo), as BrandService.forMail reads them. */
export type MailLook = Awaited<ReturnType<BrandService['forMail']>>;

export interface MailComposer {
  /** An absolute link to a page of this portal, e.g. link('/signin/verify', { token }). */
  link(path: string, query?: Record<string, string>): string;
  /** The brand of a mail to a company's contact (none: the MSP's), read outside any transaction: a
   * caller on the hot path reads it (cached settings, one query) before its writes (a transaction, or
   * the email-token request's one statement), so they hold a connection for the writes only. */
  look(companyId: number | null | undefined): Promise<MailLook>;
  /** Queues the mail with trx (the caller's transaction); call notify() after the commit. Resolves with its outbox id. */
  queue<K extends TemplateName>(trx: Db, mail: ComposedMail<K>): Promise<number>;
  /** The outbox row queue() writes, not yet written: for a caller that writes it within a statement of
   * its own (the email-token request); needs sender and look, so that it reads nothing. */
  seal<K extends TemplateName>(mail: ComposedMail<K> & Required<Pick<ComposedMail<K>, 'sender' | 'look'>>): Promise<OutboxRow>;
  /** Queues one mail in a transaction of its own and wakes the mail worker. Resolves with its outbox id. */
  send<K extends TemplateName>(mail: ComposedMail<K>): Promise<number>;
  /** Wakes the mail worker (after the transaction that queued mail has committed). */
  notify(): void;
}

export function createMailComposer(deps: { db: Db; outbox: Outbox; settings: SettingsService; brand: BrandService; baseUrl: URL }): MailComposer {
  const { db, outbox, settings, baseUrl } = deps;

  // What the outbox is given: sender, portal name and brand filled in (read with db when the caller has not).
  async function outgoing<K extends TemplateName>(db: Db, mail: ComposedMail<K>): Promise<QueueMail<K>> {
    const sender = mail.sender ?? (await settings.get('mail_token', db));
    const portalName = mail.portalName || sender.portalName;
    // The logo travels with the mail as an inline attachment (cid:), never as a remote image.
    const { brand, attachments } = mail.look ?? (await deps.brand.forMail(mail.companyId, db));
    // Omit<…> plus the one omitted key is the template's data; TypeScript cannot see that for a generic K.
    const data = { ...mail.data, portalName, brand: { ...brand, name: portalName } } as MailTemplates[K];
    return {
      to: mail.to,
      from: { name: sender.fromName, address: sender.fromAddress },
      template: mail.template,
      data,
      attachments,
      discardAfter: mail.discardAfter,
    };
  }

  async function queue<K extends TemplateName>(trx: Db, mail: ComposedMail<K>) {
    return outbox.enqueue(trx, await outgoing(trx, mail));
  }

  return {
    link(path, query = {}) {
      const url = new URL(path, baseUrl);
      for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
      return url.toString();
    },
    look: (companyId) => deps.brand.forMail(companyId),
    queue,
    seal: async (mail) => outbox.seal(await outgoing(db, mail)),
    async send(mail) {
      const id = await db.transaction((trx) => queue(trx, mail));
      outbox.notify();
      return id;
    },
    notify: () => outbox.notify(),
  };
}
