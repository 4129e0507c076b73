// Where mail goes: an SMTP server (SMTP_URL), or, without one, the log, so a fresh install can be
// tried out: the sign-in link then appears in the server output.
import nodemailer from 'nodemailer';
import type { Logger } from '../lib/logger.js';

export interface OutgoingMail {
  from: { name: string; address: string };
  to: string;
  subject: string;
  html: string;
  text: string;
}

export interface MailTransport {
  readonly kind: 'smtp' | 'log';
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

export function createMailTransport(smtpUrl: string | undefined, logger: Logger): MailTransport {
  if (!smtpUrl) {
    return {
      kind: 'log',
      async send(mail) {
        // Only without SMTP: the operator reads the mail here instead of in a mailbox.
        logger.info({ to: mail.to, subject: mail.subject }, `mail not sent (no SMTP_URL configured); its text follows:\n${mail.text}`);
      },
      close() {},
    };
  }
  // A small pool of SMTP connections, reused across mails instead of one connection per mail.
  const transporter = nodemailer.createTransport({
    url: smtpUrl,
    pool: true,
    maxConnections: 10,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  } as nodemailer.TransportOptions);
  return {
    kind: 'smtp',
    async send(mail) {
      await transporter.sendMail({ from: mail.from, to: mail.to, subject: mail.subject, html: mail.html, text: mail.text });
    },
    close() {
      transporter.close();
    },
  };
}
