// Companies, their email domains and Entra tenants.
import { Router, type Request, type Response } from 'express';
import type { CompanyService } from '../directory/companies.js';
import { flash } from '../http/flash.js';
import { handleForm } from '../http/forms.js';
import { parseInput } from '../http/validate.js';
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

  router.post('/:id/delete', async (req, res) => {
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
        flash(req, 'success', `Domain ${domain} added.`);
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

  router.post('/:id/domains/:domainId/delete', async (req, res) => {
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
