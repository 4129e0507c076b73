// Passkeys in the console: a contact's (remove one, or all of them: "Remove passkeys") and a staff
// member's (an admin removes them all, e.g. one added from a phished session). "Sign out everywhere"
// leaves passkeys alone: it ends sessions, and a passkey is a way to start one.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { PasskeyService } from '../auth/passkey/service.js';
import { flash } from '../http/flash.js';
import { NotFoundError } from '../lib/errors.js';
import { confirmFirst } from './confirm.js';
import { idParam, staffOf } from './guard.js';

export function contactPasskeyRoutes(deps: { passkeys: PasskeyService }): Router {
  const router = Router();
  const { passkeys } = deps;
  const technician = (req: Request, res: Response) => ({
    type: 'staff' as const,
    id: staffOf(res).id,
    ip: req.ip,
    userAgent: req.get('user-agent'),
  });

  // Removing passkeys asks first, as the console's other destructive buttons do (confirm.ts).
  const back = (req: Request) => `/admin/contacts/${idParam(req)}`;
  const confirmRemoveAll = confirmFirst(async (req) => ({
    question: 'Remove all passkeys of this contact?',
    consequence: 'They sign in by email (or Microsoft) until they add a passkey again. Their sessions stay.',
    button: 'Remove passkeys',
    back: back(req),
  }));
  const confirmRemove = confirmFirst(async (req) => ({
    question: 'Remove this passkey?',
    consequence: 'It no longer signs the contact in. Their sessions stay.',
    button: 'Remove',
    back: back(req),
  }));

  router.post('/:id/passkeys/remove-all', confirmRemoveAll, async (req, res) => {
    const id = idParam(req);
    const removed = await passkeys.removeAll({ kind: 'contact', id }, technician(req, res));
    flash(req, 'success', `Removed ${removed} passkey${removed === 1 ? '' : 's'}.`);
    res.redirect(303, `/admin/contacts/${id}`);
  });

  router.post('/:id/passkeys/:passkey/remove', confirmRemove, async (req, res) => {
    const id = idParam(req);
    const passkey = z.string().uuid().safeParse(req.params.passkey);
    if (!passkey.success || !(await passkeys.remove({ kind: 'contact', id }, passkey.data, technician(req, res)))) throw new NotFoundError();
    flash(req, 'success', 'Passkey removed.');
    res.redirect(303, `/admin/contacts/${id}`);
  });

  return router;
}

/** Mounted at /admin/staff (admins only): "Remove passkeys" of a staff member. */
export function staffPasskeyRoutes(deps: { passkeys: PasskeyService }): Router {
  const router = Router();
  const confirmRemoveAll = confirmFirst(async () => ({
    question: 'Remove all passkeys of this staff member?',
    consequence:
      'They sign in by email or Microsoft until they add one again; with "Staff must sign in with a passkey or Microsoft" on, by Microsoft only or to add a passkey.',
    button: 'Remove passkeys',
    back: '/admin/staff',
  }));
  router.post('/:id/passkeys/remove-all', confirmRemoveAll, async (req, res) => {
    const id = idParam(req);
    const removed = await deps.passkeys.removeAll({ kind: 'staff', id }, { type: 'staff', id: staffOf(res).id, ip: req.ip, userAgent: req.get('user-agent') });
    flash(req, 'success', `Removed ${removed} passkey${removed === 1 ? '' : 's'}.`);
    res.redirect(303, '/admin/staff');
  });
  return router;
}
