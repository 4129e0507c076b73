// The console's PSA page: which PSA, whether it answers, recent failures, and linking PSA companies to
// portal companies (or importing them as new portal companies). The work is psa/linking.ts's.
import { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { flash } from '../http/flash.js';
import { parseInput } from '../http/validate.js';
import type { PsaEvents } from '../psa/events.js';
import { NoPsaError, type PsaLinking } from '../psa/linking.js';
import type { SignInExplainer, SignInPreview } from '../directory/explain.js';
import type { PsaSyncView } from '../psa/sync.js';
import { actorOf, pageParam, textParam } from './guard.js';

// The form's "Import as a new portal company" option posts companyId= (empty): that means import, not 0.
const emptyAsMissing = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const linkSchema = z.object({
  psaCompanyId: z.string().trim().min(1).max(64),
  companyId: z.preprocess(emptyAsMissing, z.coerce.number().int().positive().max(2_147_483_647).optional()),
});

const explainSchema = z.object({ email: z.string().trim().toLowerCase().email().max(254) });

export function psaRoutes(deps: { linking: PsaLinking; events: PsaEvents; explainer: SignInExplainer; sync: PsaSyncView }): Router {
  const router = Router();
  const { linking, events, explainer, sync } = deps;
  // Without a PSA, linking is refused before the form is even read.
  const requirePsa = (_req: Request, _res: Response, next: NextFunction) => next(linking.hasPsa ? undefined : new NoPsaError());

  async function renderPage(req: Request, res: Response, preview?: { email: string; result: SignInPreview }) {
    const q = textParam(req, 'q').trim();
    const [{ results, searchError }, recent, companies] = await Promise.all([linking.searchCompanies(q), events.recent(20), linking.portalCompanies()]);
    res.render('admin/psa', {
      title: 'PSA',
      provider: linking.displayName,
      external: linking.hasPsa,
      q,
      results,
      searchError,
      events: recent,
      companies,
      preview,
    });
  }

  router.get('/', (req, res) => renderPage(req, res));

  // "What would a sign-in do": answered on the page itself; nothing is sent or written but the audit event.
  router.post('/explain', async (req, res) => {
    const { email } = parseInput(explainSchema, req.body);
    await renderPage(req, res, { email, result: await explainer.preview(email, actorOf(req, res)) });
  });

  router.get('/sync', async (req, res) => {
    res.render('admin/psa-sync', { title: 'PSA sync', provider: linking.displayName, external: linking.hasPsa, result: await sync.page(pageParam(req)) });
  });

  router.post('/test', async (req, res) => {
    const result = await linking.testConnection(actorOf(req, res));
    flash(req, result.ok ? 'success' : 'error', result.ok ? `Connection works: ${result.detail}` : `Connection failed: ${result.error}`);
    res.redirect(303, '/admin/psa');
  });

  // Links a PSA company to an existing portal company, or (no companyId) imports it as a new one.
  router.post('/link', requirePsa, async (req, res) => {
    const { psaCompanyId, companyId } = parseInput(linkSchema, req.body);
    const actor = actorOf(req, res);
    const linked = companyId ? await linking.linkCompany({ psaCompanyId, companyId }, actor) : await linking.importCompany({ psaCompanyId }, actor);
    const name = linked.psaCompany.name;
    flash(req, 'success', companyId ? `Linked to ${name} in the PSA.` : `${name} imported; add its email domains here.`);
    res.redirect(303, `/admin/companies/${linked.companyId}`);
  });

  return router;
}
