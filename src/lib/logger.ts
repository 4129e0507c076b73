// Structured JSON logs (pino). Secrets are redacted by key as a second line of defence; the first is
// that token links and codes are never passed to the logger when mail goes out over SMTP.
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** `fields` go on every line (e.g. the process's role when several processes share one log). */
export function createLogger(level: string, destination?: DestinationStream, fields: Record<string, string> = {}): Logger {
  return pino(
    {
      level,
      base: { app: 'portico', pid: process.pid, ...fields },
      redact: {
        paths: [
          'password',
          'secret',
          'token',
          'link',
          'cookie',
          '*.password',
          '*.secret',
          '*.token',
          '*.link',
          '*.cookie',
          'req.headers.cookie',
          'req.headers.authorization',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
