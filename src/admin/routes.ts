// The console at /admin: its own sign-in pages, then every other page behind requireStaff, with
// admin-only sections behind requireAdmin and requireRecentSignIn.
import { Router } from 'express';
import { requireAdmin, requireRecentSignIn, requireStaff } from './guard.js';
import type { Services } from '../compose.js';
import { emailTokenRoutes } from '../auth/email-token/routes.js';
import { magicLinkRoutes } from '../auth/magic-link/routes.js';
import { microsoftRoutes } from '../auth/microsoft/routes.js';
import { ADMIN_COOKIE } from '../http/cookies.js';
import { auditRoutes, outboxRoutes } from './records.js';
import { companyRoutes } from './companies.js';
import { contactRoutes } from './contacts.js';
import { psaRoutes } from './psa.js';
import { settingsRoutes } from './settings.js';
import { staffRoutes } from './staff.js';
import { apiKeyRoutes } from './api-keys.js';

export function consoleRoutes(services: Services): Router {
  const router = Router();
  const { signIn, clock } = services;
  const limits = { limiter: services.rateLimiter, rateLimits: services.config.rateLimits };

  // Staff sign in with Microsoft only from the MSP's own tenant, so the button needs MSP_TENANT_ID too.
  const staffMicrosoft = services.microsoft && services.config.microsoft?.mspTenantId ? services.microsoft : undefined;
  if (staffMicrosoft) router.use(microsoftRoutes({ kind: 'staff', ...staffMicrosoft, signIn, audit: services.audit, baseUrl: services.config.baseUrl, logger: services.logger, clock }));
  router.use('/admin/signin', emailTokenRoutes({ emailTokens: services.staffEmailTokens, signIn, settings: services.settings, background: services.background, clock, microsoftHref: staffMicrosoft ? '/admin/auth/microsoft' : undefined, ...limits }));
  router.use(magicLinkRoutes({ kind: 'staff', magicLinks: services.magicLinks, signIn, settings: services.settings, ...limits }));

  const staffOnly = requireStaff(signIn);
  const adminOnly = [staffOnly, requireAdmin, requireRecentSignIn(clock)];

  router.post('/admin/signout', async (req, res) => {
    await signIn.signOut(req);
    res.clearCookie(ADMIN_COOKIE, { path: '/admin' });
    res.redirect(303, '/admin/signin?signedOut=1');
  });

  router.get('/admin', staffOnly, async (_req, res) => {
    const db = services.db;
    const [[companies], [contacts], [waiting], recent] = await Promise.all([
      db('companies').count({ n: '*' }),
      db('contacts').whereNot({ status: 'disabled' }).count({ n: '*' }),
      db('outbox').whereIn('status', ['pending', 'failed']).count({ n: '*' }),
      services.audit.list({ action: 'signin.success', pageSize: 10 }),
    ]);
    res.render('admin/dashboard', { title: 'Console', counts: { companies: Number(companies!.n), contacts: Number(contacts!.n), waiting: Number(waiting!.n) }, recent: recent.items });
  });

  router.use('/admin/settings', ...adminOnly, settingsRoutes({ settings: services.settings, audit: services.audit, mail: services.mail, db: services.db, jwtLogin: services.jwtLogin }));
  router.use('/admin/staff', ...adminOnly, staffRoutes({ staff: services.staff, audit: services.audit, signIn }));
  router.use('/admin/api-keys', ...adminOnly, apiKeyRoutes({ apiKeys: services.apiKeys }));
  router.use('/admin/companies', staffOnly, companyRoutes({ companies: services.companies }));
  router.use('/admin/contacts', staffOnly, contactRoutes({ contacts: services.contacts, companies: services.companies, magicLinks: services.magicLinks, audit: services.audit }));
  router.use('/admin/psa', staffOnly, psaRoutes({ linking: services.psaLinking, events: services.psaEvents }));
  router.use('/admin/outbox', staffOnly, outboxRoutes({ outboxAdmin: services.outboxAdmin }));
  router.use('/admin/audit', staffOnly, auditRoutes({ audit: services.audit, staffList: () => services.staff.list() }));
  return router;
}
