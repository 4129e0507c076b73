// Typed errors: the one error handler maps each class to a status and a page; nothing matches on text.
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly publicMessage: string,
  ) {
    super(publicMessage);
    this.name = new.target.name;
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
  constructor(message = 'This page does not exist.') {
    super(404, message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'You do not have access to this page.') {
    super(403, message);
  }
}

export class CsrfError extends AppError {
  constructor() {
    super(403, 'This form has expired or was not sent from this site. Go back, reload the page and try again.');
  }
}

export class RateLimitedError extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super(429, `Too many attempts. Try again in ${formatWait(retryAfterSeconds)}.`);
  }
}

export function formatWait(seconds: number): string {
  if (seconds < 90) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minutes`;
}
