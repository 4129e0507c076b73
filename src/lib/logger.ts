// Structured JSON logs (pino). Secrets are redacted by key as a second line of defence; the first is
// that token links and codes are never passed to the logger when mail goes out over SMTP.
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

const REDACTED_ALWAYS = [
  'password',
  'secret',
  'token',
  'cookie',
  '*.password',
  '*.secret',
  '*.token',
  '*.cookie',
  'req.headers.cookie',
  'req.headers.authorization',
];

/**
 * A child that writes a `link` field as it is. Only for mail kept in the log because no SMTP_URL is
 * set (src/mail/dev-mail.ts): there the sign-in link is what the operator came to read.
 */
export function unredactedSignInLogger(logger: Logger): Logger {
  return logger.child({ component: 'mail' }, { redact: { paths: REDACTED_ALWAYS, censor: '[redacted]' } });
}

/** `fields` go on every line (e.g. the process's role when several processes share one log). */
export function createLogger(level: string, destination?: DestinationStream, fields: Record<string, string> = {}): Logger {
  return pino(
    {
      level,
      base: { app: 'portico', pid: process.pid, ...fields },
      redact: { paths: [...REDACTED_ALWAYS, 'link', '*.link'], censor: '[redacted]' },
    },
    destination,
  );
}
