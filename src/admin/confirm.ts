// "Are you sure?" before the console's destructive buttons (disable a contact or staff member, remove a
// domain, delete a company, revoke an API key). The server is the safety step: such a POST without
// confirmed=yes changes nothing and answers with a confirm page that re-posts the same fields with it, so
// the check holds without JavaScript, for a double click and for a script that posts the form. With
// JavaScript (public/js/site.js) a <dialog> asks first, on the page itself, and sends confirmed=yes.
import type { NextFunction, Request, Response } from 'express';

export interface Confirmation {
  /** The question, naming what is affected, e.g. "Disable Jane Doe?". */
  question: string;
  /** What follows, in a sentence. */
  consequence: string;
  /** The button that does it, e.g. "Disable". */
  button: string;
  /** Where Cancel goes (the page the button was on). */
  back: string;
}

/** The field a confirmed form carries; forms send it only from the dialog or the confirm page. */
export const CONFIRMED_FIELD = 'confirmed';

/** `ask` says what to confirm, or undefined when this POST destroys nothing (e.g. a staff role change). */
export function confirmFirst(ask: (req: Request, res: Response) => Promise<Confirmation | undefined>) {
  return async (req: Request, res: Response, next: NextFunction) => {
    if (req.body?.[CONFIRMED_FIELD] === 'yes') return next();
    const confirmation = await ask(req, res);
    if (!confirmation) return next();
    const fields = Object.entries((req.body ?? {}) as Record<string, unknown>).filter(
      (entry): entry is [string, string] => entry[0] !== '_csrf' && entry[0] !== CONFIRMED_FIELD && typeof entry[1] === 'string',
    );
    res.render('admin/confirm', { title: confirmation.question, ...confirmation, action: req.originalUrl, fields });
  };
}
