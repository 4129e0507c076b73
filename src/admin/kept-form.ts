// A change posted after the recent-sign-in window (guard.ts) is not lost: what was typed is kept in
// the staff session (never the CSRF token, a secret or a file) while the person signs in again, and the
// page the form is on then shows it once, filled in. Nothing is applied until they press Save again, on
// a page with the new session's CSRF token: a kept form is only ever shown, never submitted for them.
import type { Request, Response } from 'express';
import type { KeptForm } from '../http/session-data.js';
import type { Clock } from '../lib/clock.js';
import type { Staff } from '../staff/service.js';

const staffIdOf = (res: Response) => (res.locals.staff as Staff).id;

/** Long enough for a sign-in mail (its token lives 5 to 60 minutes) to arrive and be used. */
export const KEPT_FORM_MS = 30 * 60_000;
const DROPPED_FIELD = /^_csrf$|secret|password/i;
const MAX_FIELDS = 50;
const MAX_VALUE = 20_000;

// A section's own page is "/" within its mount: /admin/staff/ is /admin/staff, as its forms post to it.
const pathOf = (req: Request) => (req.baseUrl + req.path).replace(/(.)\/$/, '$1');

/** Keeps this POST's fields for `page` (the form's page, where the person comes back to). */
export function keepForm(req: Request, res: Response, page: string, clock: Clock): void {
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries((req.body ?? {}) as Record<string, unknown>).slice(0, MAX_FIELDS)) {
    if (typeof value === 'string' && !DROPPED_FIELD.test(name)) fields[name] = value.slice(0, MAX_VALUE);
  }
  req.session.keptForm = { staffId: staffIdOf(res), page, action: pathOf(req), fields, at: clock.now().getTime() };
}

/** On the kept form's own page (GET), for the staff member who typed it: hands it to the page once. */
export function showKeptForm(clock: Clock) {
  return (req: Request, res: Response, next: () => void) => {
    const kept = req.session.keptForm;
    if (req.method !== 'GET' || !kept) return next();
    if (clock.now().getTime() - kept.at > KEPT_FORM_MS || kept.staffId !== staffIdOf(res)) {
      delete req.session.keptForm;
      return next();
    }
    if (kept.page !== pathOf(req)) return next();
    delete req.session.keptForm;
    res.locals.keptForm = { action: kept.action, fields: kept.fields, prefilled: false } satisfies ShownKeptForm;
    next();
  };
}

export interface ShownKeptForm {
  action: KeptForm['action'];
  fields: KeptForm['fields'];
  /** True once the page has put the fields into its own form; else views/partials/kept-form offers them to confirm. */
  prefilled: boolean;
}

/**
 * The kept fields when they were posted to `action` (the page's main form), for its `values`;
 * `checkboxes` are the fields that are on only when sent. Undefined when nothing was kept for it.
 */
export function keptValues(res: Response, action: string, checkboxes: string[] = []): Record<string, unknown> | undefined {
  const kept = res.locals.keptForm as ShownKeptForm | undefined;
  if (!kept || kept.action !== action) return undefined;
  kept.prefilled = true;
  const values: Record<string, unknown> = { ...kept.fields };
  for (const name of checkboxes) values[name] = Boolean(kept.fields[name]);
  return values;
}
