// The one error handler: typed errors become their status and a plain page; anything else is logged
// once with the request id and shown as a 500 without details.
import type { NextFunction, Request, Response } from 'express';
import multer from 'multer';
import { english, type MessageKey } from '../i18n/index.js';
import { AppError, CsrfError, RateLimitedError } from '../lib/errors.js';
import { isDependencyDown } from './dependencies.js';
import type { Logger } from '../lib/logger.js';
import { isBodyParserError } from './body-parser-error.js';

// The page is in the request's language (the i18n middleware), or English if it never ran.
const translatorOf = (res: Response) => (typeof res.locals.t === 'function' ? res.locals.t : english);
// After a POST the path often has no page of its own (e.g. /signin/email): the switch goes home.
const errorReturnTo = (req: Request) => (req.method === 'GET' || req.method === 'HEAD' ? req.originalUrl : '/');

// A page under /admin (the console, its sign-in included) leads back into the console, not to the
// client sign-in: /admin is the dashboard, or the console's sign-in for someone not signed in.
const backLinkOf = (req: Request, t: ReturnType<typeof translatorOf>) =>
  /^\/admin(?:[/?#]|$)/.test(req.originalUrl) ? { signinPath: '/admin', backLabel: t('error.backToConsole') } : {};

// A stale form (CsrfError) says what to do: open the form again. The link goes back to the page the
// form was on (the Referer, when it is this site's own: BASE_URL's origin), and for the sign-in form
// with the address as typed (the one value worth keeping, and no secret). Nothing for a form sent from
// another site: its page and values are that site's.
const SIGN_IN_FORM = /^(\/admin)?\/signin\/(email|resend)$/;
function staleFormLink(req: Request, error: CsrfError): { href: string; kept: boolean } | undefined {
  if (error.fromElsewhere) return undefined;
  const signIn = SIGN_IN_FORM.exec(req.path);
  const email = typeof req.body?.email === 'string' ? req.body.email.trim().slice(0, 254) : '';
  if (signIn) return { href: `${signIn[1] ?? ''}/signin${email ? `?${new URLSearchParams({ email })}` : ''}`, kept: email !== '' };
  const referer = req.get('referer');
  const base = new URL(String(req.app.locals.baseUrl));
  try {
    const from = referer ? new URL(referer) : undefined;
    if (from && from.origin === base.origin) return { href: from.pathname + from.search, kept: false };
  } catch {
    // An unreadable Referer: no link back but the sign-in one.
  }
  return undefined;
}

export function notFound(req: Request, res: Response): void {
  const t = translatorOf(res);
  res.status(404).render('errors/error', {
    title: t('error.title.notFound'),
    status: 404,
    message: t('error.notFound'),
    languageReturnTo: errorReturnTo(req),
    ...backLinkOf(req, t),
  });
}

export function errorHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    // Too late for an error page (e.g. the session store failed while the page was going out): log it
    // here rather than let Express print a stack trace.
    if (res.headersSent) {
      logger.warn({ reqId: res.locals.requestId, path: req.path, err: (error as Error)?.message }, 'error after the response was sent');
      return;
    }
    const t = translatorOf(res);
    // message: English, for JSON answers; shown: what the page says, in the request's language.
    let status = 500;
    let key: MessageKey | undefined = 'error.server';
    let params: Record<string, string | number> | undefined;
    let message = 'Something went wrong on our side. Try again in a moment.';
    if (error instanceof AppError) {
      status = error.status;
      message = error.publicMessage;
      key = error.messageKey;
      params = error.params;
      if (error instanceof RateLimitedError) res.set('Retry-After', String(error.retryAfterSeconds));
    } else if (error instanceof multer.MulterError) {
      // Uploads are the console's (English) only.
      status = error.code === 'LIMIT_FILE_SIZE' ? 413 : 400;
      key = undefined;
      message =
        error.code === 'LIMIT_FILE_SIZE'
          ? error.field === 'logo'
            ? 'The logo is far larger than the 512 KB allowed. Choose a smaller image.'
            : 'The file is larger than 1 MB. Split it and import the parts.'
          : 'The upload could not be read. Choose one CSV file and try again.';
    } else if (isDependencyDown(error)) {
      status = 503;
      key = 'error.unavailable';
      message = 'The portal is briefly unavailable. Try again in a minute.';
      res.set('Retry-After', '30');
      logger.warn(
        { reqId: res.locals.requestId, method: req.method, path: req.path, err: (error as Error).message },
        'a dependency (database or Redis) is unavailable',
      );
    } else if (isBodyParserError(error)) {
      status = error.status;
      key = error.status === 413 ? 'error.tooLarge' : 'error.unreadable';
      message = error.status === 413 ? 'What you sent is too large.' : 'The form could not be read. Go back and try again.';
    } else {
      logger.error({ err: error, reqId: res.locals.requestId, method: req.method, path: req.path }, 'request failed');
    }
    res.status(status);
    if (req.accepts(['html', 'json']) === 'json') {
      res.json({ error: { status, message } });
      return;
    }
    const shown = key ? t(key, params) : message;
    res.render('errors/error', {
      title: status === 429 ? t('error.title.slowDown') : t('error.title'),
      status,
      message: shown,
      staleForm: error instanceof CsrfError ? staleFormLink(req, error) : undefined,
      languageReturnTo: errorReturnTo(req),
      ...backLinkOf(req, t),
    });
  };
}
