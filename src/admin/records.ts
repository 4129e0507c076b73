// What happened: the outbox and the audit log.
import { Router } from 'express';
import type { AuditService } from '../audit/service.js';
import { flash } from '../http/flash.js';
import { OUTBOX_STATUSES, type OutboxAdmin } from '../mail/outbox-admin.js';
import { actionText, presentEvent } from './audit-present.js';
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

type Person = { id: number; email: string };

export function auditRoutes(deps: {
  audit: AuditService;
  staffList: () => Promise<Array<Person & { name: string }>>;
  searchContacts: (q: string) => Promise<Array<Person & { first_name: string; last_name: string }>>;
}): Router {
  const router = Router();

  // "Who": a contact id as before, or a part of a name or address, matched against contacts and staff.
  async function peopleMatching(who: string, staff: Array<Person & { name: string }>) {
    const term = who.trim().toLowerCase();
    const matches = (name: string, email: string) => name.toLowerCase().includes(term) || email.toLowerCase().includes(term);
    const contacts = (await deps.searchContacts(term)).filter((c) => matches(`${c.first_name} ${c.last_name}`, c.email));
    return { contactIds: contacts.map((c) => c.id), staffIds: staff.filter((s) => matches(s.name, s.email)).map((s) => s.id) };
  }

  router.get('/', async (req, res) => {
    const who = textParam(req, 'contact').trim();
    const staff = await deps.staffList();
    const contactId = idQuery(who);
    const filter = {
      who,
      contactId,
      people: who && !contactId ? await peopleMatching(who, staff) : undefined,
      staffId: idQuery(textParam(req, 'staff')),
      action: textParam(req, 'action') || undefined,
      page: pageParam(req),
    };
    const [result, actions] = await Promise.all([deps.audit.list(filter), deps.audit.actions()]);
    res.render('admin/audit', {
      title: 'Audit log',
      filter,
      result,
      events: result.items.map(presentEvent),
      actions: actions.map((action) => ({ action, text: actionText(action) })),
      staffMembers: staff,
    });
  });
  return router;
}
