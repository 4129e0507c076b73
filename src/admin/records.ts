// What happened: the outbox and the audit log.
import { Router } from 'express';
import type { AuditService } from '../audit/service.js';
import { flash } from '../http/flash.js';
import { OUTBOX_STATUSES, type OutboxAdmin } from '../mail/outbox-admin.js';
import { idParam, pageParam, textParam } from './guard.js';

// A filter id that is not a plain positive integer (in the database's range) filters nothing.
const idQuery = (value: string) => (/^\d{1,9}$/.test(value) && Number(value) > 0 ? Number(value) : undefined);

export function outboxRoutes(deps: { outboxAdmin: OutboxAdmin }): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const status = (OUTBOX_STATUSES as readonly string[]).includes(textParam(req, 'status')) ? textParam(req, 'status') : '';
    res.render('admin/outbox', {
      title: 'Outbox',
      status,
      statuses: OUTBOX_STATUSES,
      result: await deps.outboxAdmin.list({ status: status || undefined, page: pageParam(req) }),
    });
  });
  router.post('/:id/retry', async (req, res) => {
    await deps.outboxAdmin.retry(idParam(req));
    flash(req, 'success', 'The mail will be sent again now.');
    res.redirect(303, '/admin/outbox');
  });
  return router;
}

export function auditRoutes(deps: { audit: AuditService; staffList: () => Promise<Array<{ id: number; name: string }>> }): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const filter = {
      contactId: idQuery(textParam(req, 'contact')),
      staffId: idQuery(textParam(req, 'staff')),
      action: textParam(req, 'action') || undefined,
      page: pageParam(req),
    };
    const [result, actions, staff] = await Promise.all([deps.audit.list(filter), deps.audit.actions(), deps.staffList()]);
    res.render('admin/audit', { title: 'Audit log', filter, result, actions, staffMembers: staff });
  });
  return router;
}
