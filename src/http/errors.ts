// The one error handler: typed errors become their status and a plain page; anything else is logged
// once with the request id and shown as a 500 without details.
import type { NextFunction, Request, Response } from 'express';
import multer from 'multer';
import { english, type MessageKey } from '../i18n/index.js';
import { AppError, RateLimitedError } from '../lib/errors.js';
import { isDependencyDown } from './dependencies.js';
import type { Logger } from '../lib/logger.js';
import { isBodyParserError } from './body-parser-error.js';

// The page is in the request's language (the i18n middleware), or English if it never ran.
const translatorOf = (res: Response) => (typeof res.locals.t === 'function' ? res.locals.t : english);
// After a POST the path often has no page of its own (e.g. /signin/email): the switch goes home.
const errorReturnTo = (req: Request) => (req.method === 'GET' || req.method === 'HEAD' ? req.originalUrl : '/');

export function notFound(req: Request, res: Response): void {
  const t = translatorOf(res);
  res.status(404).render('errors/error', { title: t('error.title.notFound'), status: 404, message: t('error.notFound'), languageReturnTo: errorReturnTo(req) });
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
      languageReturnTo: errorReturnTo(req),
    });
  };
}
