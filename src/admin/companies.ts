// Companies, their email domains and Entra tenants.
import { Router, type Request, type Response } from 'express';
import type { CompanyService } from '../directory/companies.js';
import { flash } from '../http/flash.js';
import { handleForm } from '../http/forms.js';
import { parseInput } from '../http/validate.js';
import { confirmFirst } from './confirm.js';
import { domainForPeople } from './present.js';
import { actorOf, idParam, pageParam, textParam } from './guard.js';
import { companySchema, domainSchema, tenantSchema } from './schemas.js';

export function companyRoutes(deps: { companies: CompanyService }): Router {
  const router = Router();
  const { companies } = deps;

  async function renderCompany(req: Request, res: Response, locals: Record<string, unknown> = {}) {
    const company = await companies.get(idParam(req));
    res.render('admin/company', {
      title: company.name,
      company,
      values: { name: company.name, portalName: company.portal_name ?? '', domain: '', tenantId: '' },
      errors: {},
      ...locals,
    });
  }

  router.get('/', async (req, res) => {
    const q = textParam(req, 'q');
    res.render('admin/companies', { title: 'Companies', q, result: await companies.list({ q, page: pageParam(req) }) });
  });

  router.get('/new', (_req, res) => {
    res.render('admin/company-new', { title: 'New company', values: { name: '', portalName: '' }, errors: {} });
  });

  router.post('/', async (req, res) => {
    await handleForm(
      res,
      async () => {
        const input = parseInput(companySchema, req.body);
        const company = await companies.create(input, actorOf(req, res));
        flash(req, 'success', `${company.name} created. Add its email domains below.`);
        res.redirect(303, `/admin/companies/${company.id}`);
      },
      (errors, message) => res.render('admin/company-new', { title: 'New company', values: req.body, errors, message }),
    );
  });

  router.get('/:id', (req, res) => renderCompany(req, res));

  router.post('/:id', async (req, res) => {
    const id = idParam(req);
    await handleForm(
      res,
      async () => {
        await companies.update(id, parseInput(companySchema, req.body), actorOf(req, res));
        flash(req, 'success', 'Company saved.');
        res.redirect(303, `/admin/companies/${id}`);
      },
      (errors, message) => renderCompany(req, res, { values: { ...req.body, domain: '', tenantId: '' }, errors, message }),
    );
  });

  const confirmDelete = confirmFirst(async (req) => {
    const company = await companies.get(idParam(req));
    // A company with contacts is refused by the service anyway: say so at once rather than ask first.
    if (company.contactCount) return undefined;
    return {
      question: `Delete the company ${company.name}?`,
      consequence: 'Its email domains and Entra tenants are removed with it. This cannot be undone.',
      button: 'Delete',
      back: `/admin/companies/${company.id}`,
    };
  });
  const confirmRemoveDomain = confirmFirst(async (req) => {
    const company = await companies.get(idParam(req));
    const domain = company.domains.find((d) => d.id === idParam(req, 'domainId'));
    if (!domain) return undefined;
    return {
      question: `Remove the domain ${domainForPeople(domain.domain)} from ${company.name}?`,
      consequence: `Addresses on it no longer belong to ${company.name}: people who are not contacts yet cannot sign in with them any more.`,
      button: 'Remove',
      back: `/admin/companies/${company.id}`,
    };
  });

  router.post('/:id/delete', confirmDelete, async (req, res) => {
    await companies.remove(idParam(req), actorOf(req, res));
    flash(req, 'success', 'Company deleted.');
    res.redirect(303, '/admin/companies');
  });

  router.post('/:id/domains', async (req, res) => {
    const id = idParam(req);
    await handleForm(
      res,
      async () => {
        const domain = await companies.addDomain(id, parseInput(domainSchema, req.body).domain, actorOf(req, res));
        flash(req, 'success', `Domain ${domainForPeople(domain)} added.`);
        res.redirect(303, `/admin/companies/${id}`);
      },
      async (errors, message) => {
        const company = await companies.get(id);
        await renderCompany(req, res, {
          values: { name: company.name, portalName: company.portal_name ?? '', domain: String(req.body.domain ?? ''), tenantId: '' },
          errors,
          message,
        });
      },
    );
  });

  router.post('/:id/domains/:domainId/delete', confirmRemoveDomain, async (req, res) => {
    await companies.removeDomain(idParam(req), idParam(req, 'domainId'), actorOf(req, res));
    flash(req, 'success', 'Domain removed.');
    res.redirect(303, `/admin/companies/${idParam(req)}`);
  });

  router.post('/:id/tenants', async (req, res) => {
    const id = idParam(req);
    await handleForm(
      res,
      async () => {
        await companies.addTenant(id, parseInput(tenantSchema, req.body).tenantId, actorOf(req, res));
        flash(req, 'success', 'Entra tenant linked.');
        res.redirect(303, `/admin/companies/${id}`);
      },
      async (errors, message) => {
        const company = await companies.get(id);
        await renderCompany(req, res, {
          values: { name: company.name, portalName: company.portal_name ?? '', domain: '', tenantId: String(req.body.tenantId ?? '') },
          errors,
          message,
        });
      },
    );
  });

  router.post('/:id/tenants/:tenantId/delete', async (req, res) => {
    await companies.removeTenant(idParam(req), idParam(req, 'tenantId'), actorOf(req, res));
    flash(req, 'success', 'Entra tenant removed.');
    res.redirect(303, `/admin/companies/${idParam(req)}`);
  });

  return router;
}
