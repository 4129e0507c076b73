// The console's PSA page: which PSA, whether it answers, recent failures, and linking PSA companies to
// portal companies (or importing them as new portal companies).
import { Router } from 'express';
import { z } from 'zod';
import type { AuditService } from '../audit/service.js';
import type { Db } from '../db/index.js';
import { isUniqueViolation } from '../db/errors.js';
import { flash } from '../http/flash.js';
import { parseInput } from '../http/validate.js';
import { AppError, NotFoundError } from '../lib/errors.js';
import { PsaError, type PsaAdapter } from '../psa/types.js';
import { actorOf, textParam } from './guard.js';

const PROVIDER_NAMES = { builtin: 'Built-in directory', connectwise: 'ConnectWise Manage', autotask: 'Autotask', halopsa: 'HaloPSA' } as const;
const linkSchema = z.object({ psaCompanyId: z.string().trim().min(1).max(64), companyId: z.coerce.number().int().positive().max(2_147_483_647).optional() });

export function psaRoutes(deps: { db: Db; psa: PsaAdapter; audit: AuditService }): Router {
  const router = Router();
  const { db, psa, audit } = deps;
  const external = psa.provider !== 'builtin';

  router.get('/', async (req, res) => {
    const q = textParam(req, 'q').trim();
    let results: Array<{ id: string; name: string; linkedTo?: { id: number; name: string } }> = [];
    let searchError: string | undefined;
    if (q && external) {
      try {
        const found = await psa.searchCompanies(q, 25);
        const linked = await db('companies').whereIn('psa_company_id', found.map((c) => c.id)).select('id', 'name', 'psa_company_id');
        results = found.map((c) => ({ ...c, linkedTo: linked.find((l) => l.psa_company_id === c.id) }));
      } catch (error) {
        searchError = (error as Error).message;
      }
    }
    const [events, companies] = await Promise.all([db('psa_events').orderBy('id', 'desc').limit(20), db('companies').orderBy('name').select('id', 'name', 'psa_company_id')]);
    res.render('admin/psa', { title: 'PSA', provider: PROVIDER_NAMES[psa.provider], external, q, results, searchError, events, companies });
  });

  router.post('/test', async (req, res) => {
    const result = await psa.checkConnection();
    await audit.record({ action: 'psa.connection_tested', actor: { type: 'staff', id: actorOf(req, res).staffId }, ip: req.ip, detail: result });
    flash(req, result.ok ? 'success' : 'error', result.ok ? `Connection works: ${result.detail}` : `Connection failed: ${result.error}`);
    res.redirect(303, '/admin/psa');
  });

  // Links a PSA company to an existing portal company, or (no companyId) imports it as a new one.
  router.post('/link', async (req, res) => {
    if (!external) throw new AppError(409, 'The built-in directory has nothing to link.');
    const { psaCompanyId, companyId } = parseInput(linkSchema, req.body);
    let company;
    try {
      company = await psa.getCompany(psaCompanyId);
    } catch (error) {
      if (!(error instanceof PsaError)) throw error;
      await db('psa_events').insert({ at: new Date(), provider: psa.provider, operation: 'getCompany', message: error.message.slice(0, 500) });
      throw new AppError(502, `The PSA did not answer: ${error.message}. Nothing was linked; try again.`);
    }
    if (!company) throw new NotFoundError('This company no longer exists in the PSA.');
    const taken = await db('companies').where({ psa_company_id: company.id }).first('name');
    if (taken) throw new AppError(409, `${company.name} is already linked to the portal company ${taken.name}.`);
    let portalId = companyId;
    try {
      if (portalId) {
        const target = await db('companies').where({ id: portalId }).first('name', 'psa_company_id');
        if (!target) throw new NotFoundError('This portal company does not exist.');
        if (target.psa_company_id) throw new AppError(409, `${target.name} is already linked to PSA company #${target.psa_company_id}; nothing was changed.`);
        await db('companies').where({ id: portalId }).whereNull('psa_company_id').update({ psa_company_id: company.id, updated_at: db.fn.now() });
      } else {
        [{ id: portalId }] = await db('companies').insert({ name: company.name, psa_company_id: company.id }).returning('id');
      }
    } catch (error) {
      if (isUniqueViolation(error)) throw new AppError(409, `${company.name} is already linked to a portal company.`);
      throw error;
    }
    await audit.record({ action: companyId ? 'psa.company_linked' : 'psa.company_imported', actor: { type: 'staff', id: actorOf(req, res).staffId }, subject: { type: 'company', id: portalId! }, ip: req.ip, detail: { psaCompanyId: company.id, name: company.name } });
    flash(req, 'success', companyId ? `Linked to ${company.name} in the PSA.` : `${company.name} imported; add its email domains here.`);
    res.redirect(303, `/admin/companies/${portalId}`);
  });

  return router;
}
