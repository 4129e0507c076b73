// The durable outbox: a mail is a row written in the same transaction as whatever it announces, so
// nothing is lost when SMTP is down. The body holds sign-in secrets, so it is stored encrypted and
// erased once sent. It is rendered, composed into the finished message (mime.ts) and encrypted here,
// once, by whoever queues it; the sender only decrypts and writes it out.
import type { MailAttachment } from '../brand/service.js';
import type { Db } from '../db/index.js';
import type { Clock } from '../lib/clock.js';
import { decrypt, encrypt } from '../lib/crypto.js';
import { buildMessage } from './mime.js';
import { renderMail, type MailTemplates, type TemplateName } from './templates.js';
import type { OutgoingMail } from './transport.js';

/** What a sealed body holds: the sender, the plain text (for the log, without SMTP) and the finished
 * message. Rows queued before the message was built here hold html instead of raw. */
export type SealedMail = Pick<OutgoingMail, 'from' | 'text' | 'signIn'> & ({ raw: string; html?: undefined } | { html: string; raw?: undefined });

export interface QueueMail<K extends TemplateName> {
  to: string;
  from: { name: string; address: string };
  template: K;
  data: MailTemplates[K];
  /** Inline images (the brand's logo), sealed with the body. */
  attachments?: MailAttachment[];
  /** Do not send after this time (e.g. the token inside has expired). */
  discardAfter?: Date;
}

/** An outbox row as written: the finished message sealed, waiting to be sent. */
export type OutboxRow = {
  to_address: string;
  template: TemplateName;
  subject: string;
  sealed_body: string;
  status: 'pending';
  next_attempt_at: Date;
  discard_after: Date | null;
  created_at: Date;
};

export interface Outbox {
  /** Writes the mail with db (pass the transaction's trx); call notify() after commit. */
  enqueue<K extends TemplateName>(db: Db, mail: QueueMail<K>): Promise<number>;
  /** The row enqueue() writes (rendered, composed, encrypted), not yet written: for a caller that
   * writes it within a statement of its own (db/insert-when.ts). */
  seal<K extends TemplateName>(mail: QueueMail<K>): Promise<OutboxRow>;
  /** Tells the worker that mail is waiting, so it need not wait for its next poll. */
  notify(): void;
  onNotify(listener: () => void): void;
  open(sealedBody: string): SealedMail;
}

// The link (and code) of a sign-in mail, kept beside its text (sealed like it) so that without SMTP the
// log can print them on lines of their own; the SMTP transport never reads them.
function signInOf<K extends TemplateName>(template: K, data: MailTemplates[K]): OutgoingMail['signIn'] {
  const d = data as Partial<{ link: string; code: string; portalUrl: string }>;
  if (template === 'invitation' && d.portalUrl) return { link: d.portalUrl };
  if (d.link) return d.code ? { link: d.link, code: d.code } : { link: d.link };
  return undefined;
}

export function createOutbox(deps: { clock: Clock; key: Buffer }): Outbox {
  const listeners: Array<() => void> = [];
  async function seal<K extends TemplateName>(mail: QueueMail<K>): Promise<OutboxRow> {
    const rendered = await renderMail(mail.template, mail.data);
    const now = deps.clock.now();
    // The brand's inline logo goes into the finished message (mime.ts hands a mail with attachments to nodemailer).
    const raw = await buildMessage({ from: mail.from, to: mail.to, ...rendered, attachments: mail.attachments }, now);
    const sealed: SealedMail = { from: mail.from, text: rendered.text, raw, signIn: signInOf(mail.template, mail.data) };
    return {
      to_address: mail.to,
      template: mail.template,
      subject: rendered.subject,
      sealed_body: encrypt(deps.key, JSON.stringify(sealed)),
      status: 'pending',
      next_attempt_at: now,
      discard_after: mail.discardAfter ?? null,
      created_at: now,
    };
  }
  return {
    async enqueue(db, mail) {
      const [row] = await db('outbox')
        .insert(await seal(mail))
        .returning('id');
      return Number(row.id);
    },
    seal,
    notify() {
      for (const listener of listeners) listener();
    },
    onNotify(listener) {
      listeners.push(listener);
    },
    open(sealedBody) {
      return JSON.parse(decrypt(deps.key, sealedBody));
    },
  };
}
