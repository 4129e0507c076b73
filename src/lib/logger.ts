// Structured JSON logs (pino). Secrets are redacted by key as a second line of defence; the first is
// that token links and codes are never passed to the logger when mail goes out over SMTP.
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app: 'portico' },
      redact: {
        paths: ['password', 'secret', 'token', 'link', 'cookie', '*.password', '*.secret', '*.token', '*.link', '*.cookie', 'req.headers.cookie', 'req.headers.authorization'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
