// Mail without SMTP_URL: written where the operator reads it instead of to a mailbox. The sign-in link
// and code get lines (or JSON fields) of their own, so what is copied opens as it was printed: inside
// the mail's text they sat between escaped "\n"s of one JSON line, and a copied link ended in "\n\nOr".
// Only the log transport calls this; with SMTP_URL set no link or code is ever logged.
import type { Logger } from '../lib/logger.js';
import { unredactedSignInLogger } from '../lib/logger.js';

/** What of a mail is written (an OutgoingMail will do). */
export interface LoggedMail {
  to: string;
  subject: string;
  text: string;
  signIn?: { link: string; code?: string };
}

/** Human output (a terminal) or one JSON line with the link and code in fields of their own. */
export type DevMailOutput = { kind: 'pretty'; write(text: string): void } | { kind: 'json' };

export const NOT_SENT_MESSAGE = 'mail logged, not sent (no SMTP_URL configured)';

/** A block of plain lines for a terminal; the link and the code each stand alone on a line. */
export function formatDevMail(mail: LoggedMail): string {
  const rule = '-'.repeat(72);
  const lines = [rule, `Mail NOT sent (no SMTP_URL configured); logged here instead.`, `To:      ${mail.to}`, `Subject: ${mail.subject}`];
  if (mail.signIn) {
    lines.push('', 'Sign-in link (open it as it stands on the next line):', mail.signIn.link);
    if (mail.signIn.code) lines.push('', 'Code:', mail.signIn.code);
  }
  lines.push(
    '',
    'Text of the mail:',
    ...mail.text
      .trimEnd()
      .split(/\r?\n/)
      .map((line) => `  ${line}`),
    rule,
  );
  return `${lines.join('\n')}\n`;
}

/** The fields of the JSON line: link and code first and clean; the text last. */
export function devMailFields(mail: LoggedMail): Record<string, string> {
  return {
    to: mail.to,
    subject: mail.subject,
    ...(mail.signIn ? { link: mail.signIn.link } : {}),
    ...(mail.signIn?.code ? { code: mail.signIn.code } : {}),
    text: mail.text,
  };
}

export function writeDevMail(mail: LoggedMail, logger: Logger, output: DevMailOutput): void {
  if (output.kind === 'pretty') {
    output.write(formatDevMail(mail));
    logger.info({ to: mail.to, subject: mail.subject }, NOT_SENT_MESSAGE);
    return;
  }
  unredactedSignInLogger(logger).info(devMailFields(mail), NOT_SENT_MESSAGE);
}
