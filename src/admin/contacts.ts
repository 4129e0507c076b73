// Contacts: search, create, edit, disable, sign out everywhere, invite, magic links, CSV import.
import { Router, type Request, type Response } from 'express';
import type { MagicLinkService } from '../auth/magic-link/service.js';
import type { PasskeyService } from '../auth/passkey/service.js';
import type { CompanyService } from '../directory/companies.js';
import type { ContactService } from '../directory/contacts.js';
import { SHOWN_STATUSES, type ContactFilter } from '../directory/contacts-repo.js';
import { flash } from '../http/flash.js';
import { ValidationError } from '../lib/errors.js';
import { handleForm } from '../http/forms.js';
import { parseInput } from '../http/validate.js';
import type { AuditService } from '../audit/service.js';
import { confirmFirst } from './confirm.js';
import type { Clock } from '../lib/clock.js';
import { actorOf, idParam, pageParam, textParam } from './guard.js';
import { contactSchema, importSchema } from './schemas.js';

export function contactRoutes(deps: {
  contacts: ContactService;
  companies: CompanyService;
  magicLinks: MagicLinkService;
  audit: AuditService;
  clock: Clock;
  passkeys: PasskeyService;
}): Router {
  const router = Router();
  const { contacts, companies, magicLinks, audit, clock } = deps;

  async function renderContact(req: Request, res: Response, locals: Record<string, unknown> = {}) {
    const contact = await contacts.get(idParam(req));
    const [allCompanies, history, passkeys] = await Promise.all([
      companies.all(),
      audit.list({ contactId: contact.id, pageSize: 10 }),
      deps.passkeys.list({ kind: 'contact', id: contact.id }),
    ]);
    res.render('admin/contact', {
      title: contact.email,
      contact,
      companies: allCompanies,
      history: history.items,
      passkeys,
      values: { companyId: contact.company_id, email: contact.email, firstName: contact.first_name, lastName: contact.last_name, phone: contact.phone ?? '' },
      errors: {},
      magicLink: undefined,
      magicLinkShown: undefined,
      ...locals,
    });
  }

  // Excel's default "CSV" is not UTF-8; decoding it as UTF-8 would garble names without a word.
  const csvFromRequest = (req: Request) => {
    if (!req.file) return '';
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(req.file.buffer);
    } catch {
      throw new ValidationError('The file is not UTF-8 text. In Excel, save it as "CSV UTF-8 (comma delimited)".', {
        file: 'The file is not UTF-8 text. In Excel, save it as "CSV UTF-8 (comma delimited)".',
      });
    }
  };

  // The list's filters, shared by the list and its CSV export (an unknown status means no status filter).
  const filterOf = (req: Request): ContactFilter => {
    const status = textParam(req, 'status');
    return { q: textParam(req, 'q'), status: SHOWN_STATUSES.find((s) => s === status) };
  };

  router.get('/', async (req, res) => {
    const filter = filterOf(req);
    const query = { q: filter.q ?? '', status: filter.status ?? '' };
    res.render('admin/contacts', {
      title: 'Contacts',
      ...query,
      exportHref: `/admin/contacts/export.csv?${new URLSearchParams(Object.entries(query).filter(([, v]) => v))}`,
      result: await contacts.list({ ...filter, page: pageParam(req) }),
    });
  });

  // Every role that sees the list may export it (technicians included); each export is audited.
  router.get('/export.csv', async (req, res) => {
    const { csv } = await contacts.exportCsv(filterOf(req), actorOf(req, res));
    res.set('Cache-Control', 'no-store');
    res.attachment(`contacts-${new Date().toISOString().slice(0, 10)}.csv`);
    res.type('text/csv; charset=utf-8').send(csv);
  });

  router.get('/new', async (req, res) => {
    const companyId = Number(req.query.company) || '';
    res.render('admin/contact-new', {
      title: 'New contact',
      companies: await companies.all(),
      values: { companyId, email: '', firstName: '', lastName: '', phone: '' },
      errors: {},
    });
  });

  router.post('/', async (req, res) => {
    await handleForm(
      res,
      async () => {
        const contact = await contacts.create(parseInput(contactSchema, req.body), actorOf(req, res));
        flash(req, 'success', `${contact.email} added. Invite them when you are ready.`);
        res.redirect(303, `/admin/contacts/${contact.id}`);
      },
      async (errors, message) => res.render('admin/contact-new', { title: 'New contact', companies: await companies.all(), values: req.body, errors, message }),
    );
  });

  const renderImport = (res: Response, status: number, locals: Record<string, unknown>) =>
    res.status(status).render('admin/import', { title: 'Import contacts', preview: undefined, errors: {}, ...locals });

  // Registered before /:id so "import" is not taken for an id.
  router.get('/import', (_req, res) => renderImport(res, 200, {}));

  router.post('/import', async (req, res) => {
    await handleForm(
      res,
      async () => {
        const csv = csvFromRequest(req);
        if (!csv.trim()) throw new ValidationError('Choose a CSV file.', { file: 'Choose a CSV file.' });
        const preview = await contacts.previewImport(csv, actorOf(req, res));
        if (preview.fileError) throw new ValidationError(preview.fileError, { file: preview.fileError });
        renderImport(res, 200, { preview });
      },
      (errors) => renderImport(res, 400, { errors }),
    );
  });

  router.post('/import/apply', async (req, res) => {
    const { draftId, sendInvitations } = parseInput(importSchema, req.body);
    const counts = await contacts.applyImport(draftId, { sendInvitations }, actorOf(req, res));
    flash(
      req,
      'success',
      `Import done: ${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged, ` +
        `${counts.skipped} skipped with errors` +
        (sendInvitations ? `, ${counts.invited} invited` : '') +
        (counts.alreadyActive ? `, ${counts.alreadyActive} not invited: they already sign in` : '') +
        '.',
    );
    res.redirect(303, '/admin/contacts');
  });

  router.get('/:id', (req, res) => renderContact(req, res));

  router.post('/:id', async (req, res) => {
    const id = idParam(req);
    await handleForm(
      res,
      async () => {
        await contacts.update(id, parseInput(contactSchema, req.body), actorOf(req, res));
        flash(req, 'success', 'Contact saved.');
        res.redirect(303, `/admin/contacts/${id}`);
      },
      (errors, message) => renderContact(req, res, { values: req.body, errors, message }),
    );
  });

  const confirmDisable = confirmFirst(async (req) => {
    const contact = await contacts.get(idParam(req));
    return {
      question: `Disable ${contact.first_name} ${contact.last_name} (${contact.email})?`,
      consequence: 'They can no longer sign in to the portal, and every session of theirs ends now. You can enable them again later.',
      button: 'Disable',
      back: `/admin/contacts/${contact.id}`,
    };
  });

  router.post('/:id/disable', confirmDisable, async (req, res) => {
    await contacts.disable(idParam(req), actorOf(req, res));
    flash(req, 'success', 'Contact disabled; their sessions have ended.');
    res.redirect(303, `/admin/contacts/${idParam(req)}`);
  });

  router.post('/:id/enable', async (req, res) => {
    await contacts.enable(idParam(req), actorOf(req, res));
    flash(req, 'success', 'Contact enabled.');
    res.redirect(303, `/admin/contacts/${idParam(req)}`);
  });

  router.post('/:id/sign-out-everywhere', async (req, res) => {
    const ended = await contacts.signOutEverywhere(idParam(req), actorOf(req, res));
    flash(req, 'success', `Signed out everywhere: ${ended} session${ended === 1 ? '' : 's'} ended.`);
    res.redirect(303, `/admin/contacts/${idParam(req)}`);
  });

  router.post('/:id/invite', async (req, res) => {
    await contacts.invite(idParam(req), actorOf(req, res));
    flash(req, 'success', 'Invitation queued; see the Outbox for its status.');
    res.redirect(303, `/admin/contacts/${idParam(req)}`);
  });

  // Post/redirect/get: the POST makes the link and keeps it in this console session; the GET shows it once
  // and forgets it. A reload of the result page therefore neither makes a new link (which would end the
  // one already copied) nor shows the old one again; it says the link was shown and offers a new one.
  router.post('/:id/magic-link', async (req, res) => {
    const id = idParam(req);
    const { staffId, ip } = actorOf(req, res);
    const generated = await magicLinks.generateForContact(id, staffId, ip);
    const kept = Object.entries(req.session.generatedLinks ?? {}).filter(([, entry]) => entry.expiresAt > clock.now().getTime());
    req.session.generatedLinks = {
      ...Object.fromEntries(kept),
      [id]: { email: generated.email, expiresAt: generated.expiresAt.getTime(), link: generated.link },
    };
    res.redirect(303, `/admin/contacts/${id}/magic-link`);
  });

  router.get('/:id/magic-link', async (req, res) => {
    const id = idParam(req);
    const entry = req.session.generatedLinks?.[id];
    if (!entry) return res.redirect(303, `/admin/contacts/${id}`);
    res.set('Cache-Control', 'no-store');
    res.set('Referrer-Policy', 'no-referrer');
    const result = { email: entry.email, expiresAt: new Date(entry.expiresAt), expired: entry.expiresAt <= clock.now().getTime() };
    if (entry.link && req.method === 'GET') req.session.generatedLinks![id] = { email: entry.email, expiresAt: entry.expiresAt };
    await renderContact(req, res, entry.link ? { magicLink: { ...result, link: entry.link } } : { magicLinkShown: result });
  });

  router.post('/:id/magic-link/send', async (req, res) => {
    const { staffId, ip } = actorOf(req, res);
    const { email } = await magicLinks.sendToContact(idParam(req), staffId, ip);
    flash(req, 'success', `A one-time sign-in link is on its way to ${email}.`);
    res.redirect(303, `/admin/contacts/${idParam(req)}`);
  });

  return router;
}
