// The composition root: every service is built here once, from the config, and handed its
// dependencies. server.ts, the CLI and the tests all build the application through this function.
import { Redis } from 'ioredis';
import { createApiKeyService, type ApiKeyService } from './api/keys.js';
import { createAuditService, type AuditService } from './audit/service.js';
import { consoleAudience, portalAudience } from './auth/email-token/audience.js';
import { createEmailTokenService, type EmailTokenService } from './auth/email-token/service.js';
import { createMagicLinkService, type MagicLinkService } from './auth/magic-link/service.js';
import { createMicrosoftIdentity, type MicrosoftIdentity } from './auth/microsoft/identity.js';
import { createMicrosoftOidc, type MicrosoftOidc } from './auth/microsoft/oidc.js';
import { createJwtLoginService, type JwtLoginService } from './auth/jwt/service.js';
import { createOnboardingService, type OnboardingService } from './portal/onboarding.js';
import { createLoginTokenStore, type LoginTokenStore } from './auth/login-tokens.js';
import { createSignInService, type SignInService } from './auth/sign-in.js';
import type { Config } from './config.js';
import { closeDb, createDb, migrate, type Db } from './db/index.js';
import { createCompanyService, type CompanyService } from './directory/companies.js';
import { createContactService, type ContactService } from './directory/contacts.js';
import { createContactResolver, type ContactResolver } from './directory/resolver.js';
import { createDirectoryService, type DirectoryService } from './directory/service.js';
import { createDbRateLimitStore, createRateLimiter, createRedisRateLimitStore, type RateLimiter } from './http/rate-limit.js';
import { createDbSessionStore, createRedisSessionStore, type SessionStore } from './http/session-store.js';
import { createBackground, type Background } from './lib/background.js';
import { systemClock, type Clock } from './lib/clock.js';
import { deriveKey } from './lib/crypto.js';
import type { Logger } from './lib/logger.js';
import { createOutbox, type Outbox } from './mail/outbox.js';
import { createOutboxAdmin, type OutboxAdmin } from './mail/outbox-admin.js';
import { createMailTransport, type MailTransport } from './mail/transport.js';
import { createMailWorker, type MailWorker, type MailWorkerOptions } from './mail/worker.js';
import { createPsaAdapter, type PsaOptions } from './psa/index.js';
import type { PsaAdapter } from './psa/types.js';
import { createSettingsService, type SettingsService } from './settings/service.js';
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
  audit: AuditService;
  directory: DirectoryService;
  psa: PsaAdapter;
  resolver: ContactResolver;
  companies: CompanyService;
  contacts: ContactService;
  /** User API keys (/api/v1; managed at /admin/api-keys). */
  apiKeys: ApiKeyService;
  staff: StaffService;
  outbox: Outbox;
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
  onboarding: OnboardingService;
  jwtLogin: JwtLoginService;
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
  const db = createDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: config.databasePoolMax, schema: options.dbSchema, logger: { warn: (msg) => dbLog.warn(msg), error: (msg) => dbLog.error(msg) } });
  let redis: Redis | undefined;
  try {
    if (options.dbSchema) await db.raw('create schema if not exists ??', [options.dbSchema]);
    if (options.migrate !== false) await migrate(db);

    if (config.redisUrl) {
      redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true });
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
  const directory = createDirectoryService({ db });
  const staff = createStaffService({ db });
  const psa = createPsaAdapter(config.psa, db, options.psa);
  const resolver = createContactResolver({ db, psa, directory, settings, clock, logger });
  const outbox = createOutbox({ clock, key: deriveKey(config.sessionSecret, 'outbox') });
  const outboxAdmin = createOutboxAdmin({ db, clock, outbox });
  const mailTransport = createMailTransport(config.smtpUrl, logger);
  const mailWorker = createMailWorker({ db, outbox, transport: mailTransport, clock, logger }, options.mailWorker);
  const loginTokens = createLoginTokenStore({ db, clock, key: deriveKey(config.sessionSecret, 'login-tokens') });
  const emailTokenDeps = { db, tokens: loginTokens, settings, outbox, audit, baseUrl: config.baseUrl };
  const portalEmailTokens = createEmailTokenService(emailTokenDeps, portalAudience({ resolver, directory, settings }));
  const staffEmailTokens = createEmailTokenService(emailTokenDeps, consoleAudience({ staff, settings }));
  const signIn = createSignInService({ db, clock, audit, settings });
  const magicLinks = createMagicLinkService({ db, tokens: loginTokens, settings, directory, staff, outbox, audit, baseUrl: config.baseUrl });
  const microsoft = config.microsoft && {
    oidc: createMicrosoftOidc({ authority: config.microsoft.authority, clientId: config.microsoft.clientId, clientSecret: config.microsoft.clientSecret, timeoutMs: options.microsoftTimeoutMs }),
    identity: createMicrosoftIdentity({ db, resolver, staff, mspTenantId: config.microsoft.mspTenantId }),
  };
  const onboarding = createOnboardingService({ db, settings, psa, audit, clock, logger });
  const jwtLogin = createJwtLoginService({ db, settings, clock, key: deriveKey(config.sessionSecret, 'jwt-login') });
  const companies = createCompanyService({ db, audit });
  const contacts = createContactService({ db, audit, directory, signIn, outbox, settings, baseUrl: config.baseUrl });
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
    audit,
    directory,
    psa,
    resolver,
    companies,
    contacts,
    apiKeys,
    staff,
    outbox,
    outboxAdmin,
    mailTransport,
    mailWorker,
    loginTokens,
    portalEmailTokens,
    staffEmailTokens,
    magicLinks,
    microsoft,
    signIn,
    onboarding,
    jwtLogin,
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
