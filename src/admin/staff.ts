// Staff accounts (admin only): add technicians and admins, change roles, disable.
import { Router, type Response } from 'express';
import type { AuditService } from '../audit/service.js';
import type { SignInService } from '../auth/sign-in.js';
import { AppError } from '../lib/errors.js';
import { flash } from '../http/flash.js';
import { handleForm } from '../http/forms.js';
import { parseInput } from '../http/validate.js';
import type { StaffService } from '../staff/service.js';
import { idParam, staffOf } from './guard.js';
import { staffChangeSchema, staffSchema } from './schemas.js';

export function staffRoutes(deps: { staff: StaffService; audit: AuditService; signIn: SignInService }): Router {
  const router = Router();
  const { staff, audit, signIn } = deps;

  const render = async (res: Response, locals: Record<string, unknown> = {}) =>
    res.render('admin/staff', { title: 'Staff', members: await staff.list(), values: { email: '', name: '', role: 'technician' }, errors: {}, ...locals });

  router.get('/', (_req, res) => render(res));

  router.post('/', async (req, res) => {
    await handleForm(
      res,
      async () => {
        const member = await staff.create(parseInput(staffSchema, req.body));
        await audit.record({
          action: 'staff.created',
          actor: { type: 'staff', id: staffOf(res).id },
          subject: { type: 'staff', id: member.id },
          ip: req.ip,
          detail: { role: member.role },
        });
        flash(req, 'success', `${member.name} added as ${member.role}. They sign in at /admin/signin with ${member.email}.`);
        res.redirect(303, '/admin/staff');
      },
      (errors, message) => render(res, { values: req.body, errors, message }),
    );
  });

  router.post('/:id', async (req, res) => {
    const id = idParam(req);
    const change = parseInput(staffChangeSchema, req.body);
    if (id === staffOf(res).id && (change.role !== 'admin' || change.disabled))
      throw new AppError(409, 'You cannot demote or disable yourself; ask another admin.');
    const member = await staff.update(id, { role: change.role, disabled: change.disabled });
    if (member.disabled) await signIn.revokeAll('staff', id);
    await audit.record({
      action: 'staff.updated',
      actor: { type: 'staff', id: staffOf(res).id },
      subject: { type: 'staff', id },
      ip: req.ip,
      detail: { role: member.role, disabled: member.disabled },
    });
    flash(req, 'success', `${member.name} saved.`);
    res.redirect(303, '/admin/staff');
  });

  return router;
}
