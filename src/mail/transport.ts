// Where mail goes: an SMTP server (SMTP_URL), or, without one, the log, so a fresh install can be
// tried out: the sign-in link then appears in the server output (src/mail/dev-mail.ts), and the outbox
// marks such mail "logged", never "sent".
import { createRequire } from 'node:module';
import net from 'node:net';
import nodemailer from 'nodemailer';
import type { Logger } from '../lib/logger.js';
import { writeDevMail, type DevMailOutput } from './dev-mail.js';

export interface OutgoingMail {
  from: { name: string; address: string };
  to: string;
  subject: string;
  text: string;
  /** The link (and code) a sign-in mail carries; read only by the log transport, never sent as such. */
  signIn?: { link: string; code?: string };
  /** The finished message (mime.ts); without it (rows queued before), the message is composed from html and text. */
  raw?: string;
  html?: string;
}

export interface MailTransport {
  /** smtp: mail goes to SMTP_URL; log: nothing is delivered, mail is written to the server output. */
  readonly kind: 'smtp' | 'log';
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

export interface SmtpOptions {
  /** Open connections reused across mails (default 10). */
  maxConnections?: number;
  /** TCP connect, greeting and per-command limits (defaults 10 s, 10 s, 20 s). */
  connectionTimeoutMs?: number;
  greetingTimeoutMs?: number;
  socketTimeoutMs?: number;
}

// nodemailer's own reading of an SMTP URL (smtps:, credentials, ?query options). Given a `url` key,
// createTransport would throw away every other option, the pool and the timeouts included, so the
// URL is turned into options here and ours are laid over them.
const { parseConnectionUrl } = createRequire(import.meta.url)('nodemailer/lib/shared') as { parseConnectionUrl(url: string): Record<string, unknown> };

type SocketCallback = (err: Error | null, socketOptions?: { connection: net.Socket }) => void;

// Opens the TCP connection for nodemailer with Nagle's algorithm off. SMTP is a conversation of small
// writes, each waiting for a reply: with Nagle on, the last bit of a mail (".\r\n") waits for the ACK
// of the body, which the server delays (~40 ms) because it has nothing to say until it sees that dot.
// On a pooled connection that was most of the time each mail took. TLS (smtps, STARTTLS) is still
// nodemailer's to negotiate on this socket.
//
// A connection that fails is not reported to nodemailer as an error: its pool never frees the slot of
// a resource whose getSocket failed, so after maxConnections failures (an SMTP outage) every later
// send waited forever. Answering "no socket of mine" instead makes nodemailer open its own, whose
// failure it reports to the sender and cleans up; the mail worker then retries as for any failure.
// (A server that never answers the connect is thus waited for twice, once by each: 2 × 10 s by default.)
function connectWithoutDelay(connectionTimeoutMs: number) {
  return (options: { host?: string; port?: number | string; secure?: boolean }, callback: SocketCallback) => {
    const port = Number(options.port) || (options.secure ? 465 : 587); // nodemailer's own defaults
    const socket = net.connect({ host: options.host ?? 'localhost', port, noDelay: true });
    const leaveItToNodemailer = () => {
      clearTimeout(timer);
      socket.destroy();
      callback(null);
    };
    const timer = setTimeout(leaveItToNodemailer, connectionTimeoutMs);
    socket.once('error', leaveItToNodemailer);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', leaveItToNodemailer);
      callback(null, { connection: socket });
    });
  };
}

export function smtpTransportOptions(smtpUrl: string, options: SmtpOptions = {}): Record<string, unknown> {
  const connectionTimeout = options.connectionTimeoutMs ?? 10_000;
  return {
    ...parseConnectionUrl(smtpUrl),
    getSocket: connectWithoutDelay(connectionTimeout),
    pool: true,
    maxConnections: options.maxConnections ?? 10,
    // A pooled connection is kept for this many mails, then replaced (some relays limit mails per connection).
    maxMessages: 100,
    connectionTimeout,
    greetingTimeout: options.greetingTimeoutMs ?? 10_000,
    socketTimeout: options.socketTimeoutMs ?? 20_000,
  };
}

/** Where mail without SMTP_URL is written: plain lines on a terminal, else JSON lines in the log. */
export function defaultDevMailOutput(stream: NodeJS.WriteStream = process.stdout): DevMailOutput {
  return stream.isTTY ? { kind: 'pretty', write: (text) => void stream.write(text) } : { kind: 'json' };
}

export function createMailTransport(smtpUrl: string | undefined, logger: Logger, options: SmtpOptions & { devMail?: DevMailOutput } = {}): MailTransport {
  if (!smtpUrl) {
    const output = options.devMail ?? defaultDevMailOutput();
    return {
      kind: 'log',
      async send(mail) {
        // Only without SMTP: the operator reads the mail here instead of in a mailbox.
        writeDevMail(mail, logger, output);
      },
      close() {},
    };
  }
  const transporter = nodemailer.createTransport(smtpTransportOptions(smtpUrl, options) as nodemailer.TransportOptions);
  return {
    kind: 'smtp',
    async send(mail) {
      if (mail.raw) await transporter.sendMail({ envelope: { from: mail.from.address, to: [mail.to] }, raw: mail.raw });
      else await transporter.sendMail({ from: mail.from, to: mail.to, subject: mail.subject, html: mail.html, text: mail.text });
    },
    close() {
      transporter.close();
    },
  };
}
