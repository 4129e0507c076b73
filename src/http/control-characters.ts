// Input can pass a field's own rules and still carry characters nothing here has a use for: a NUL byte
// makes PostgreSQL refuse the query (a 500 instead of an answer), and other controls end up in names,
// mail and the PSA. So every form field, query string value and API body is refused at the edge, with a
// 400 and a plain message, when it holds a control character: C0 (except tab, line feed and carriage
// return, which text areas legitimately send; single-line fields refuse line breaks by their own rule),
// DEL, or C1. Keys are checked as well as values. Uploaded files are data, not form fields: not checked.
import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../lib/errors.js';

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
// Parsed bodies and queries are shallow (urlencoded with extended: false, JSON bodies of the API);
// anything nested deeper than this is refused rather than walked.
const MAX_DEPTH = 32;

export class ControlCharacterError extends AppError {
  constructor() {
    super(400, 'What you sent contains a control character (such as a NUL byte). Remove it and try again.', { messageKey: 'error.controlCharacters' });
  }
}

export function holdsControlCharacter(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return CONTROL.test(value);
  if (value === null || typeof value !== 'object') return false;
  if (depth >= MAX_DEPTH) return true;
  if (Array.isArray(value)) return value.some((item) => holdsControlCharacter(item, depth + 1));
  return Object.entries(value).some(([key, item]) => CONTROL.test(key) || holdsControlCharacter(item, depth + 1));
}

/** After the body parsers: refuses a request whose query string or body holds a control character. */
export function refuseControlCharacters(req: Request, _res: Response, next: NextFunction): void {
  if (holdsControlCharacter(req.query) || holdsControlCharacter(req.body)) return next(new ControlCharacterError());
  next();
}
