// Typed errors: the one error handler maps each class to a status and a page; nothing matches on text.
// publicMessage is English (JSON answers, the API, logs); an error a client can see may also name a
// catalogue key (messageKey, params) that the error page shows in the client's language.
import type { MessageKey } from '../i18n/catalog/en.js';

export interface ErrorMessage {
  messageKey: MessageKey;
  params?: Record<string, string | number>;
}

export class AppError extends Error {
  readonly messageKey?: MessageKey;
  readonly params?: Record<string, string | number>;

  constructor(
    readonly status: number,
    readonly publicMessage: string,
    message?: ErrorMessage,
  ) {
    super(publicMessage);
    this.name = new.target.name;
    this.messageKey = message?.messageKey;
    this.params = message?.params;
  }
}

/** Input that does not pass validation; fieldErrors are shown beside the fields. */
export class ValidationError extends AppError {
  constructor(
    message: string,
    readonly fieldErrors: Record<string, string> = {},
  ) {
    super(400, message);
  }
}

export class NotFoundError extends AppError {
  constructor(message?: string, messageKey?: MessageKey) {
    super(404, message ?? 'This page does not exist.', message === undefined ? { messageKey: 'error.notFound' } : messageKey ? { messageKey } : undefined);
  }
}

export class ForbiddenError extends AppError {
  constructor(message?: string) {
    super(403, message ?? 'You do not have access to this page.', message === undefined ? { messageKey: 'error.forbidden' } : undefined);
  }
}

/** A form refused by the CSRF check: stale (its token is an old one), or sent from another site. */
export class CsrfError extends AppError {
  constructor(readonly fromElsewhere = false) {
    super(
      403,
      fromElsewhere
        ? 'This form was not sent from this site, so it was not accepted. Open the page on this site and try again.'
        : 'This form had expired: it was open for a long time, or you signed in or out in another tab. Open the form again and send it once more.',
      { messageKey: fromElsewhere ? 'error.csrfForeign' : 'error.csrf' },
    );
  }
}

export class RateLimitedError extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super(429, `Too many attempts. Try again in ${formatWait(retryAfterSeconds)}.`, waitMessage(retryAfterSeconds));
  }
}

export function formatWait(seconds: number): string {
  if (seconds < 90) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minutes`;
}

// The same cases as formatWait, as catalogue keys.
function waitMessage(seconds: number): ErrorMessage {
  if (seconds === 1) return { messageKey: 'error.rateLimited.second' };
  if (seconds < 90) return { messageKey: 'error.rateLimited.seconds', params: { seconds } };
  return { messageKey: 'error.rateLimited.minutes', params: { minutes: Math.ceil(seconds / 60) } };
}
