// The console at /admin: its own sign-in pages, then every other page behind requireStaff, with
// admin-only sections behind requireAdmin and (for changes) requireRecentSignIn.
import { staffAudience } from '../auth/audience.js';
import { Router, type Request } from 'express';
import { requireAdmin, requireRecentSignIn, requireStaff } from './guard.js';
import { showKeptForm } from './kept-form.js';
import { presentLocals } from './present.js';
import { presentEvent } from './audit-present.js';
import type { Services } from '../compose.js';
import { emailTokenRoutes } from '../auth/email-token/routes.js';
import { magicLinkRoutes } from '../auth/magic-link/routes.js';
import { microsoftRoutes } from '../auth/microsoft/routes.js';
import { cookieNamesOf } from '../http/cookies.js';
import { auditRoutes, outboxRoutes } from './records.js';
import { companyRoutes } from './companies.js';
import { contactRoutes } from './contacts.js';
import { psaRoutes } from './psa.js';
import { settingsRoutes } from './settings.js';
import { staffRoutes } from './staff.js';
import { apiKeyRoutes } from './api-keys.js';
import { brandSettingsRoutes, companyBrandRoutes } from './brand.js';
import { clientPreviewRoutes } from './client-preview.js';
import { signInMethodsRoutes } from './sign-in-methods.js';
import { passkeySignInRoutes, securityRoutes } from '../auth/passkey/routes.js';
import { contactPasskeyRoutes, staffPasskeyRoutes } from './passkeys.js';
import { requirePhishingResistant, STAFF_SECURITY_PATH, weakStaffSession } from './phishing-resistant.js';

export function consoleRoutes(services: Services): Router {
  const router = Router();
  const { signIn, clock } = services;
  const limits = { limiter: services.rateLimiter, rateLimits: services.config.rateLimits };

  // Staff sign in with Microsoft only from the MSP's own tenant, so the button needs MSP_TENANT_ID too.
  const staffMicrosoft = services.microsoft && services.config.microsoft?.mspTenantId ? services.microsoft : undefined;
  if (staffMicrosoft)
    router.use(
      microsoftRoutes({ kind: 'staff', ...staffMicrosoft, signIn, audit: services.audit, baseUrl: services.config.baseUrl, logger: services.logger, clock }),
    );
  router.use(
    staffAudience.basePath,
    emailTokenRoutes({
      emailTokens: services.staffEmailTokens,
      signIn,
      settings: services.settings,
      background: services.background,
      clock,
      microsoftHref: staffMicrosoft ? '/admin/auth/microsoft' : undefined,
      microsoftAvailable: staffMicrosoft?.oidc.available,
      passkeysEnabled: () => services.passkeys.enabledFor('staff'),
      ...limits,
    }),
  );
  const passkeyDeps = { audience: staffAudience, passkeys: services.passkeys, signIn, clock, ...limits };
  router.use(staffAudience.basePath, passkeySignInRoutes(passkeyDeps));
  // Outside requirePhishingResistant: it is where a staff member without a passkey adds one.
  router.use(securityRoutes({ ...passkeyDeps, path: STAFF_SECURITY_PATH, view: 'admin/security', weakSession: weakStaffSession(services.settings) }));
  router.use(magicLinkRoutes({ kind: 'staff', magicLinks: services.magicLinks, signIn, settings: services.settings, ...limits }));

  // Every console page knows whether mail is delivered: without SMTP_URL some pages say it is not.
  router.use('/admin', (_req, res, next) => {
    res.locals.mailDelivery = services.mailTransport.kind;
    next();
  });

  router.use('/admin', presentLocals);
  const staffOnly = [requireStaff(signIn), requirePhishingResistant(services.settings)];
  // formPage: where a change that needed a sign-in again comes back to, to be shown as it was typed.
  const adminOnly = (formPage: (req: Request) => string) => [...staffOnly, requireAdmin, requireRecentSignIn(clock, formPage), showKeptForm(clock)];
  const sectionPage = (req: Request) => req.baseUrl;
  // /admin/settings/<page>[/<action>]: each settings page has its own forms.
  const settingsPage = (req: Request) => `${req.baseUrl}/${req.path.split('/')[1] ?? ''}`;

  router.post('/admin/signout', async (req, res) => {
    await signIn.signOut(req);
    const names = cookieNamesOf(req);
    res.clearCookie(names.consoleSession, { path: names.consolePath });
    res.redirect(303, '/admin/signin?signedOut=1');
  });

  router.get('/admin', ...staffOnly, async (_req, res) => {
    const { counts, recentSignIns } = await services.dashboard.summary();
    res.render('admin/dashboard', { title: 'Console', counts, recent: recentSignIns.map(presentEvent) });
  });

  router.use(
    '/admin/settings',
    ...adminOnly(settingsPage),
    settingsRoutes({ settings: services.settings, settingsAdmin: services.settingsAdmin, outboxAdmin: services.outboxAdmin, jwtLogin: services.jwtLogin }),
    // Issue 17: the brand, its mail previews, and the sign-in methods overview.
    brandSettingsRoutes({ brand: services.brand, baseUrl: services.config.baseUrl }),
    signInMethodsRoutes({ settings: services.settings, jwtLogin: services.jwtLogin, config: services.config }),
  );
  router.use(
    '/admin/staff',
    ...adminOnly(sectionPage),
    staffPasskeyRoutes({ passkeys: services.passkeys }),
    staffRoutes({ staff: services.staff, staffAdmin: services.staffAdmin, passkeys: services.passkeys }),
  );
  router.use('/admin/api-keys', ...adminOnly(sectionPage), apiKeyRoutes({ apiKeys: services.apiKeys }));
  router.use('/admin/companies', ...staffOnly, companyBrandRoutes({ brand: services.brand }), companyRoutes({ companies: services.companies }));
  router.use(
    '/admin/preview',
    ...staffOnly,
    clientPreviewRoutes({ brand: services.brand, companies: services.companies, settings: services.settings, microsoftOffered: Boolean(services.microsoft) }),
  );
  router.use(
    '/admin/contacts',
    ...staffOnly,
    contactRoutes({
      contacts: services.contacts,
      companies: services.companies,
      magicLinks: services.magicLinks,
      audit: services.audit,
      clock: services.clock,
      passkeys: services.passkeys,
    }),
    contactPasskeyRoutes({ passkeys: services.passkeys }),
  );
  router.use(
    '/admin/psa',
    ...staffOnly,
    psaRoutes({ linking: services.psaLinking, events: services.psaEvents, explainer: services.signInExplainer, sync: services.psaSync }),
  );
  router.use('/admin/outbox', ...staffOnly, outboxRoutes({ outboxAdmin: services.outboxAdmin }));
  router.use(
    '/admin/audit',
    ...staffOnly,
    auditRoutes({
      audit: services.audit,
      staffList: () => services.staff.list(),
      searchContacts: async (q) => (await services.contacts.list({ q, pageSize: 500 })).items,
    }),
  );
  return router;
}
