// Staff accounts (admin only): add technicians and admins, change roles, disable.
import { Router, type Response } from 'express';
import { flash } from '../http/flash.js';
import { handleForm } from '../http/forms.js';
import { parseInput } from '../http/validate.js';
import type { PasskeyService } from '../auth/passkey/service.js';
import type { StaffAdmin } from '../staff/admin.js';
import type { StaffService } from '../staff/service.js';
import { confirmFirst } from './confirm.js';
import { keptValues } from './kept-form.js';
import { idParam, staffOf } from './guard.js';
import { staffChangeSchema, staffSchema } from './schemas.js';

export function staffRoutes(deps: { staff: StaffService; staffAdmin: StaffAdmin; passkeys: PasskeyService }): Router {
  const router = Router();
  const { staff, staffAdmin, passkeys } = deps;

  const render = async (res: Response, locals: Record<string, unknown> = {}) => {
    const members = await staff.list();
    // How many passkeys each has: an admin can remove a member's (passkeys.ts).
    const passkeyCounts = Object.fromEntries(await Promise.all(members.map(async (m) => [m.id, await passkeys.count({ kind: 'staff', id: m.id })])));
    res.render('admin/staff', { title: 'Staff', members, passkeyCounts, values: { email: '', name: '', role: 'technician' }, errors: {}, ...locals });
  };

  // A member being added when a sign-in again was needed comes back filled in (kept-form.ts).
  router.get('/', (_req, res) => render(res, { values: { email: '', name: '', role: 'technician', ...keptValues(res, '/admin/staff') } }));

  router.post('/', async (req, res) => {
    await handleForm(
      res,
      async () => {
        const member = await staffAdmin.create(parseInput(staffSchema, req.body), { type: 'staff', id: staffOf(res).id }, { ip: req.ip });
        flash(req, 'success', `${member.name} added as ${member.role}. They sign in at /admin/signin with ${member.email}.`);
        res.redirect(303, '/admin/staff');
      },
      (errors, message) => render(res, { values: req.body, errors, message }),
    );
  });

  // Only switching "disabled" on ends someone's access; a role change saves at once.
  const confirmDisable = confirmFirst(async (req) => {
    const member = await staff.get(idParam(req));
    if (!member || member.disabled || !parseInput(staffChangeSchema, req.body).disabled) return undefined;
    return {
      question: `Disable ${member.name} (${member.email})?`,
      consequence: 'They can no longer sign in to the console, and every session of theirs ends now.',
      button: 'Disable',
      back: '/admin/staff',
    };
  });

  router.post('/:id', confirmDisable, async (req, res) => {
    const id = idParam(req);
    const change = parseInput(staffChangeSchema, req.body);
    const member = await staffAdmin.change(id, { role: change.role, disabled: change.disabled }, { type: 'staff', id: staffOf(res).id }, { ip: req.ip });
    flash(req, 'success', `${member.name} saved.`);
    res.redirect(303, '/admin/staff');
  });

  return router;
}
