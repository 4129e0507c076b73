// The composition root: every service is built here once, from the config, and handed its
// dependencies. server.ts, the CLI and the tests all build the application through this function.
import { Redis } from 'ioredis';
import { createDashboard, type Dashboard } from './admin/dashboard.js';
import { createApiKeyService, type ApiKeyService } from './api/keys.js';
import { createAuditService, type AuditService } from './audit/service.js';
import { createBrandRepository } from './brand/brand-repo.js';
import { createBrandService, type BrandService } from './brand/service.js';
import { consoleAudience, portalAudience } from './auth/email-token/audience.js';
import { createEmailTokenService, EMBEDDED_MAIL_WAKE_DELAY_MS, type EmailTokenService } from './auth/email-token/service.js';
import { createMagicLinkService, type MagicLinkService } from './auth/magic-link/service.js';
import { createMicrosoftIdentity, type MicrosoftIdentity } from './auth/microsoft/identity.js';
import { createMicrosoftOidc, type MicrosoftOidc } from './auth/microsoft/oidc.js';
import { createJwtLoginService, type JwtLoginService } from './auth/jwt/service.js';
import { createOnboardingService, type OnboardingService } from './portal/onboarding.js';
import { createLoginTokenStore, type LoginTokenStore } from './auth/login-tokens.js';
import { createSignInService, type SignInService } from './auth/sign-in.js';
import { createChallengeStore } from './auth/passkey/challenges.js';
import { createPasskeyRepository } from './auth/passkey/repo.js';
import { createPasskeyService, type PasskeyService } from './auth/passkey/service.js';
import type { Config } from './config.js';
import { closeDb, createDb, migrate, type Db } from './db/index.js';
import { createCompanyService, type CompanyService } from './directory/companies.js';
import { createContactService, type ContactService } from './directory/contacts.js';
import { createCompanyRepository, type CompanyRepository } from './directory/companies-repo.js';
import { createContactRepository, type ContactRepository } from './directory/contacts-repo.js';
import { createSignInExplainer, type SignInExplainer } from './directory/explain.js';
import { createContactResolver, type ContactResolver } from './directory/resolver.js';
import { createDirectoryService, type DirectoryService } from './directory/service.js';
import { createDbRateLimitStore, createRateLimiter, createRedisRateLimitStore, type RateLimiter } from './http/rate-limit.js';
import { createDbSessionStore, createRedisSessionStore, type SessionStore } from './http/session-store.js';
import { createBackground, type Background } from './lib/background.js';
import { systemClock, type Clock } from './lib/clock.js';
import { deriveKey } from './lib/crypto.js';
import type { Logger } from './lib/logger.js';
import { createMailComposer, type MailComposer } from './mail/compose.js';
import { createOutbox, type Outbox } from './mail/outbox.js';
import { createOutboxAdmin, type OutboxAdmin } from './mail/outbox-admin.js';
import { createMailTransport, type MailTransport } from './mail/transport.js';
import { createMailWorker, type MailWorker, type MailWorkerOptions } from './mail/worker.js';
import { createPsaEvents, type PsaEvents } from './psa/events.js';
import { createPsaLinking, type PsaLinking } from './psa/linking.js';
import { createPsaSyncView, type PsaSyncView } from './psa/sync.js';
import { createPsaAdapter, psaDisplayName, type PsaOptions } from './psa/registry.js';
import type { PsaAdapter } from './psa/types.js';
import { createSettingsAdmin, type SettingsAdmin } from './settings/admin.js';
import { createSettingsService, type SettingsService } from './settings/service.js';
import { createStaffAdmin, type StaffAdmin } from './staff/admin.js';
import { createStaffService, type StaffService } from './staff/service.js';

export interface Services {
  config: Config;
  logger: Logger;
  clock: Clock;
  db: Db;
  redis: Redis | undefined;
  /** Where browser sessions are kept (the portal's and the console's, under their own ids). */
  sessionStore: SessionStore;
  rateLimiter: RateLimiter;
  background: Background;
  settings: SettingsService;
  /** The console's settings changes, each with its audit event. */
  settingsAdmin: SettingsAdmin;
  audit: AuditService;
  /** The one owner of the contacts table. */
  contactRepo: ContactRepository;
  /** The one owner of companies, company_domains and company_tenants. */
  companyRepo: CompanyRepository;
  directory: DirectoryService;
  /** The configured PSA; undefined with PSA_PROVIDER=builtin (see psa/builtin.ts). */
  psa: PsaAdapter | undefined;
  psaEvents: PsaEvents;
  psaLinking: PsaLinking;
  psaSync: PsaSyncView;
  signInExplainer: SignInExplainer;
  resolver: ContactResolver;
  companies: CompanyService;
  contacts: ContactService;
  /** User API keys (/api/v1; managed at /admin/api-keys). */
  apiKeys: ApiKeyService;
  staff: StaffService;
  /** Staff account changes, each with its audit event. */
  staffAdmin: StaffAdmin;
  outbox: Outbox;
  /** Sender, portal name and links of every mail Portico writes; queues into the outbox. */
  mail: MailComposer;
  outboxAdmin: OutboxAdmin;
  mailTransport: MailTransport;
  mailWorker: MailWorker;
  loginTokens: LoginTokenStore;
  /** Email-token sign-in for clients (/signin) and for staff (/admin/signin). */
  portalEmailTokens: EmailTokenService;
  staffEmailTokens: EmailTokenService;
  magicLinks: MagicLinkService;
  /** Present when MICROSOFT_CLIENT_ID/SECRET are set. */
  microsoft: { oidc: MicrosoftOidc; identity: MicrosoftIdentity } | undefined;
  signIn: SignInService;
  /** Passkeys (WebAuthn) of clients and staff: ceremonies, the Security pages' changes. */
  passkeys: PasskeyService;
  onboarding: OnboardingService;
  jwtLogin: JwtLoginService;
  /** The console's front page figures. */
  dashboard: Dashboard;
  /** The portal's brand (the MSP's, a company's) on pages and in mails. */
  brand: BrandService;
  /** Stops background work and closes every connection. */
  close(): Promise<void>;
}

export interface BuildOptions {
  logger: Logger;
  clock?: Clock;
  /** PostgreSQL schema (tests give each file its own). */
  dbSchema?: string;
  mailWorker?: MailWorkerOptions;
  psa?: PsaOptions;
  /** Per request to Microsoft (default 5 s). */
  microsoftTimeoutMs?: number;
  /** Run migrations before returning (default true). */
  migrate?: boolean;
}

export async function buildServices(config: Config, options: BuildOptions): Promise<Services> {
  const { logger } = options;
  const clock = options.clock ?? systemClock;
  const dbLog = logger.child({ component: 'db' });
  const db = createDb({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolMax: config.databasePoolMax,
    schema: options.dbSchema,
    logger: { warn: (msg) => dbLog.warn(msg), error: (msg) => dbLog.error(msg) },
  });
  let redis: Redis | undefined;
  try {
    if (options.dbSchema) await db.raw('create schema if not exists ??', [options.dbSchema]);
    if (options.migrate !== false) await migrate(db);

    if (config.redisUrl) {
      // Auto-pipelining: the commands of all requests issued in one turn of the event loop (session
      // reads and writes, rate-limit counters) go out in one write, not one system call each; under
      // load that is most of what Redis costs this process (issue 18).
      redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true, enableAutoPipelining: true });
      redis.on('error', (err) => logger.warn({ err: err.message }, 'redis error'));
      await redis.connect();
    }
  } catch (error) {
    redis?.disconnect();
    await closeDb(db);
    throw error;
  }

  const sessionStore = redis ? createRedisSessionStore(redis, `${config.redisKeyPrefix}sess:`) : createDbSessionStore(db, logger);
  const rateLimiter = createRateLimiter(redis ? createRedisRateLimitStore(redis, config.redisKeyPrefix, clock) : createDbRateLimitStore(db, clock), clock);
  const background = createBackground(logger);
  const settings = createSettingsService({ db, mailFrom: config.mailFrom });
  const audit = createAuditService({ db, clock });
  const contactRepo = createContactRepository({ db, clock });
  const companyRepo = createCompanyRepository({ db, clock });
  const directory = createDirectoryService({ contactRepo, companyRepo });
  const staff = createStaffService({ db, clock });
  const psa = createPsaAdapter(config.psa, { clock, ...options.psa });
  const psaEvents = createPsaEvents({ db, clock });
  const psaLinking = createPsaLinking({ db, companyRepo, psa, displayName: psaDisplayName(config.psa), audit, events: psaEvents });
  const resolver = createContactResolver({ db, psa, psaEvents, contactRepo, companyRepo, settings, clock, logger });
  const signInExplainer = createSignInExplainer({ psa, contactRepo, companyRepo, settings, audit });
  const psaSync = createPsaSyncView({ companyRepo, psa });
  const outbox = createOutbox({ clock, key: deriveKey(config.sessionSecret, 'outbox') });
  const outboxAdmin = createOutboxAdmin({ db, clock, outbox });
  const mailTransport = createMailTransport(config.smtpUrl, logger, { maxConnections: config.smtpPoolSize });
  const mailWorker = createMailWorker({ db, outbox, transport: mailTransport, clock, logger }, options.mailWorker);
  const loginTokens = createLoginTokenStore({ db, clock, key: deriveKey(config.sessionSecret, 'login-tokens') });
  const brand = createBrandService({ db, settings, directory, repo: createBrandRepository({ db }), audit });
  const mail = createMailComposer({ db, outbox, settings, brand, baseUrl: config.baseUrl });
  // On the embedded database the mail worker shares the one connection with the requests (service.ts).
  const mailWakeDelayMs = config.databaseUrl ? undefined : EMBEDDED_MAIL_WAKE_DELAY_MS;
  const emailTokenDeps = { db, tokens: loginTokens, settings, mail, audit, mailWakeDelayMs };
  const portalEmailTokens = createEmailTokenService(emailTokenDeps, portalAudience({ resolver, directory, settings }));
  const staffEmailTokens = createEmailTokenService(emailTokenDeps, consoleAudience({ staff, settings }));
  const signIn = createSignInService({ db, clock, audit, settings, contactRepo, staff, staffSession: config.staffSession });
  const passkeys = createPasskeyService({
    db,
    repo: createPasskeyRepository({ db, clock }),
    challenges: createChallengeStore({ db, clock, key: deriveKey(config.sessionSecret, 'passkey-challenges') }),
    audit,
    settings,
    contactRepo,
    staff,
    rp: { id: config.baseUrl.hostname, origin: config.baseUrl.origin },
    userHandleKey: deriveKey(config.sessionSecret, 'passkey-user-handles'),
    logger: logger.child({ component: 'passkeys' }),
  });
  const magicLinks = createMagicLinkService({ db, tokens: loginTokens, settings, directory, staff, mail, audit });
  const microsoft = config.microsoft && {
    oidc: createMicrosoftOidc(
      {
        authority: config.microsoft.authority,
        clientId: config.microsoft.clientId,
        clientSecret: config.microsoft.clientSecret,
        timeoutMs: options.microsoftTimeoutMs,
      },
      clock,
    ),
    identity: createMicrosoftIdentity({ contactRepo, companyRepo, resolver, staff, mspTenantId: config.microsoft.mspTenantId }),
  };
  const onboarding = createOnboardingService({ db, contactRepo, settings, psa, psaEvents, audit, logger });
  const jwtLogin = createJwtLoginService({ db, contactRepo, settings, clock, key: deriveKey(config.sessionSecret, 'jwt-login') });
  const companies = createCompanyService({ db, audit, companyRepo, contactRepo });
  const contacts = createContactService({ db, audit, contactRepo, companyRepo, signIn, mail, clock });
  const staffAdmin = createStaffAdmin({ db, staff, audit, signIn });
  const settingsAdmin = createSettingsAdmin({ db, settings, audit, mail, jwtLogin });
  const dashboard = createDashboard({ companies, contactRepo, outboxAdmin, audit });
  const apiKeys = createApiKeyService({ db, clock, audit, key: deriveKey(config.sessionSecret, 'api-keys') });

  return {
    config,
    logger,
    clock,
    db,
    redis,
    sessionStore,
    rateLimiter,
    background,
    settings,
    settingsAdmin,
    audit,
    contactRepo,
    companyRepo,
    directory,
    psa,
    psaEvents,
    psaLinking,
    psaSync,
    signInExplainer,
    resolver,
    companies,
    contacts,
    apiKeys,
    staff,
    staffAdmin,
    outbox,
    mail,
    outboxAdmin,
    mailTransport,
    mailWorker,
    loginTokens,
    portalEmailTokens,
    staffEmailTokens,
    magicLinks,
    microsoft,
    signIn,
    passkeys,
    onboarding,
    jwtLogin,
    dashboard,
    brand,
    async close() {
      await background.idle();
      await mailWorker.stop();
      mailTransport.close();
      sessionStore.close?.();
      if (redis) await redis.quit().catch(() => redis?.disconnect());
      await closeDb(db);
    },
  };
}
