// A contact's passkeys in the console: remove one, or all of them ("Remove passkeys"). "Sign out
// everywhere" leaves passkeys alone: it ends sessions, and a passkey is a way to start one.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { PasskeyService } from '../auth/passkey/service.js';
import { flash } from '../http/flash.js';
import { NotFoundError } from '../lib/errors.js';
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

  router.post('/:id/passkeys/remove-all', async (req, res) => {
    const id = idParam(req);
    const removed = await passkeys.removeAll({ kind: 'contact', id }, technician(req, res));
    flash(req, 'success', `Removed ${removed} passkey${removed === 1 ? '' : 's'}.`);
    res.redirect(303, `/admin/contacts/${id}`);
  });

  router.post('/:id/passkeys/:passkey/remove', async (req, res) => {
    const id = idParam(req);
    const passkey = z.string().uuid().safeParse(req.params.passkey);
    if (!passkey.success || !(await passkeys.remove({ kind: 'contact', id }, passkey.data, technician(req, res)))) throw new NotFoundError();
    flash(req, 'success', 'Passkey removed.');
    res.redirect(303, `/admin/contacts/${id}`);
  });

  return router;
}
