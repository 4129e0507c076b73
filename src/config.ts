// Environment → one typed, validated Config. Every bad variable is reported by name in one line;
// nothing else in the code reads process.env.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { nonEmpty, urlWithProtocol } from './lib/env.js';
import { parseRateLimit, type RateLimitRule } from './lib/rate-limit-rule.js';
import { readPsaConfig, type PsaConfig } from './psa/registry.js';

export type { PsaConfig } from './psa/registry.js';

export interface MicrosoftConfig {
  clientId: string;
  clientSecret: string;
  authority: string;
  /** Staff may sign in to the console with Microsoft only from this tenant. */
  mspTenantId: string | undefined;
}

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  /** The address to listen on (HOST): 127.0.0.1 by default behind a trusted proxy, else every interface. */
  host: string | undefined;
  baseUrl: URL;
  /** BASE_URL or PORT was given: the link origin was chosen, not defaulted (admin:create then trusts it). */
  baseUrlChosen: boolean;
  dataDir: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  redisKeyPrefix: string;
  smtpUrl: string | undefined;
  mailFrom: string;
  sessionSecret: string;
  trustProxy: string | boolean | number;
  /** Staff (console) sessions end after this long unused, and this long after the sign-in, whatever happens. */
  staffSession: { idleMs: number; absoluteMs: number };
  /** HTTP processes (WEB_CONCURRENCY). 0: one process serves and sends mail; N: a supervisor process
   * sends the mail and forks N HTTP processes. */
  webConcurrency: number;
  /** Most PostgreSQL connections each process keeps (DATABASE_POOL_MAX). */
  databasePoolMax: number;
  /** SMTP connections the mail sender keeps open and sends over at once (SMTP_POOL_SIZE). */
  smtpPoolSize: number;
  logLevel: string;
  rateLimits: {
    signinPerIp: RateLimitRule;
    /** Mails per address from one client (IP): the limit a request hits first. */
    signinPerAddress: RateLimitRule;
    /** Mails per address from all clients together: well above signinPerAddress, against mail floods. */
    signinCeilingPerAddress: RateLimitRule;
    /** Wrong codes per address in one browser before each further try waits (30 s, doubling). */
    codeFailuresPerAddress: RateLimitRule;
    apiPerKey: RateLimitRule;
  };
  psa: PsaConfig;
  /** Unset: the Microsoft button is hidden. */
  microsoft: MicrosoftConfig | undefined;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const rateLimit = (fallback: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      try {
        return parseRateLimit(nonEmpty(v) ?? fallback);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
        return z.NEVER;
      }
    });

const wholeNumber = (unit: string, fallback: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v) => nonEmpty(v) ?? String(fallback))
    .pipe(
      z.coerce
        .number({ message: `must be a number of ${unit}` })
        .int('must be a whole number')
        .min(min, `must be ${min} to ${max}`)
        .max(max, `must be ${min} to ${max}`),
    );

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z
    .string()
    .optional()
    .transform((v) => nonEmpty(v) ?? '3000')
    .pipe(z.coerce.number({ message: 'must be a port number' }).int('must be a whole number').min(0, 'must be 0 to 65535').max(65535, 'must be 0 to 65535')),
  BASE_URL: urlWithProtocol(['http:', 'https:']),
  DATA_DIR: z.string().optional(),
  DATABASE_URL: urlWithProtocol(['postgres:', 'postgresql:']),
  REDIS_URL: urlWithProtocol(['redis:', 'rediss:']),
  REDIS_KEY_PREFIX: z.string().optional(),
  SMTP_URL: urlWithProtocol(['smtp:', 'smtps:']),
  MAIL_FROM: z
    .string()
    .optional()
    .refine((v) => nonEmpty(v) === undefined || /^[^\s@<>"]+@[^\s@<>"]+$/.test(v!.trim()), 'must be a plain email address, e.g. portal@msp.example'),
  SESSION_SECRET: z
    .string()
    .optional()
    .refine((v) => nonEmpty(v) === undefined || v!.trim().length >= 32, 'must be at least 32 characters'),
  TRUST_PROXY: z.string().optional(),
  HOST: z
    .string()
    .optional()
    .refine((v) => nonEmpty(v) === undefined || /^[0-9A-Za-z.:-]+$/.test(v!.trim()), 'must be an address to listen on, e.g. 127.0.0.1 or 0.0.0.0'),
  // ASVS 4.0.3 (3.3.2, level 2): re-authentication within 12 hours, 30 minutes unused at most.
  STAFF_SESSION_IDLE_MINUTES: wholeNumber('minutes', 30, 1, 1440),
  STAFF_SESSION_ABSOLUTE_HOURS: wholeNumber('hours', 12, 1, 720),
  WEB_CONCURRENCY: z
    .string()
    .optional()
    .transform((v) => nonEmpty(v) ?? '0')
    .pipe(z.coerce.number({ message: 'must be a number of processes' }).int('must be a whole number').min(0, 'must be 0 to 64').max(64, 'must be 0 to 64')),
  DATABASE_POOL_MAX: z
    .string()
    .optional()
    .transform((v) => nonEmpty(v) ?? '10')
    .pipe(
      z.coerce.number({ message: 'must be a number of connections' }).int('must be a whole number').min(2, 'must be 2 to 200').max(200, 'must be 2 to 200'),
    ),
  // One SMTP connection sends one mail at a time (a few ms each on a near relay, more on a far one):
  // mail throughput is about this many times that. Relays limit connections per client; 10 is within
  // what common ones allow.
  SMTP_POOL_SIZE: wholeNumber('connections', 10, 1, 100),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  SIGNIN_RATE_LIMIT_PER_IP: rateLimit('60/15m'),
  SIGNIN_RATE_LIMIT_PER_ADDRESS: rateLimit('5/15m'),
  SIGNIN_RATE_LIMIT_PER_ADDRESS_ALL_CLIENTS: rateLimit('50/15m'),
  SIGNIN_CODE_FAILURES_PER_ADDRESS: rateLimit('10/1h'),
  API_RATE_LIMIT: rateLimit('600/15m'),
  // PSA_PROVIDER and each vendor's variables: read by psa/registry.ts, reported with these.
  MICROSOFT_CLIENT_ID: z.string().optional(),
  MICROSOFT_CLIENT_SECRET: z.string().optional(),
  MICROSOFT_AUTHORITY: urlWithProtocol(['https:', 'http:']),
  MSP_TENANT_ID: z
    .string()
    .optional()
    .refine(
      (v) => nonEmpty(v) === undefined || /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v!.trim()),
      'must be a tenant ID (GUID)',
    ),
});

/** Reads the environment; throws ConfigError naming each bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const parsed = schema.safeParse(env);
  const psaReading = readPsaConfig(env);
  if (!parsed.success || 'problems' in psaReading) {
    const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`);
    throw new ConfigError([...problems, ...('problems' in psaReading ? psaReading.problems : [])]);
  }
  const e = parsed.data;
  const dataDir = path.resolve(nonEmpty(e.DATA_DIR) ?? './data');
  const baseUrl = new URL(e.BASE_URL ?? `http://localhost:${e.PORT}`);
  if (baseUrl.pathname !== '/' || baseUrl.search || baseUrl.hash) {
    throw new ConfigError(['BASE_URL must be an origin without a path, e.g. https://portal.msp.example']);
  }
  // A chosen PSA without its credentials stops the start, once every variable is well-formed.
  if ('missing' in psaReading) throw new ConfigError([psaReading.missing]);
  const psa: PsaConfig = psaReading.config;
  const microsoft = microsoftConfig(e);
  const secret = nonEmpty(e.SESSION_SECRET);
  const trustProxy = parseTrustProxy(nonEmpty(e.TRUST_PROXY));
  if (!e.SMTP_URL && e.NODE_ENV === 'production') {
    // Without SMTP mail is written to the log, sign-in links included: fine on a laptop, not in production.
    throw new ConfigError(['SMTP_URL is required when NODE_ENV=production (without it, sign-in mails would be written to the log)']);
  }
  if (e.WEB_CONCURRENCY > 0 && !e.DATABASE_URL) {
    throw new ConfigError(['WEB_CONCURRENCY needs DATABASE_URL: the embedded database belongs to one process']);
  }
  if (!secret && e.NODE_ENV === 'production') {
    throw new ConfigError(['SESSION_SECRET is required when NODE_ENV=production (at least 32 random characters)']);
  }
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    baseUrl,
    baseUrlChosen: nonEmpty(env.BASE_URL) !== undefined || nonEmpty(env.PORT) !== undefined,
    dataDir,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    redisKeyPrefix: nonEmpty(e.REDIS_KEY_PREFIX) ?? 'portico:',
    smtpUrl: e.SMTP_URL,
    // A host name with a proper top-level domain makes a usable sender; localhost or an IP address does not.
    mailFrom: nonEmpty(e.MAIL_FROM) ?? `portal@${/\.[a-z]{2,}$/i.test(baseUrl.hostname) ? baseUrl.hostname : 'portico.localhost'}`,
    sessionSecret: secret ?? generatedSecret(dataDir),
    trustProxy,
    // Behind a proxy, the client's address comes from X-Forwarded-For: anyone who reaches the port
    // directly could write that header, so by default only this machine (the proxy) can reach it.
    host: nonEmpty(e.HOST)?.trim() ?? (trustProxy === false ? undefined : '127.0.0.1'),
    staffSession: { idleMs: e.STAFF_SESSION_IDLE_MINUTES * 60_000, absoluteMs: e.STAFF_SESSION_ABSOLUTE_HOURS * 3_600_000 },
    webConcurrency: e.WEB_CONCURRENCY,
    databasePoolMax: e.DATABASE_POOL_MAX,
    smtpPoolSize: e.SMTP_POOL_SIZE,
    logLevel: e.LOG_LEVEL ?? (e.NODE_ENV === 'test' ? 'silent' : 'info'),
    rateLimits: {
      signinPerIp: e.SIGNIN_RATE_LIMIT_PER_IP,
      signinPerAddress: e.SIGNIN_RATE_LIMIT_PER_ADDRESS,
      signinCeilingPerAddress: e.SIGNIN_RATE_LIMIT_PER_ADDRESS_ALL_CLIENTS,
      codeFailuresPerAddress: e.SIGNIN_CODE_FAILURES_PER_ADDRESS,
      apiPerKey: e.API_RATE_LIMIT,
    },
    psa,
    microsoft,
  };
}

function microsoftConfig(e: {
  MICROSOFT_CLIENT_ID?: string;
  MICROSOFT_CLIENT_SECRET?: string;
  MICROSOFT_AUTHORITY?: string;
  MSP_TENANT_ID?: string;
}): MicrosoftConfig | undefined {
  const clientId = nonEmpty(e.MICROSOFT_CLIENT_ID);
  const clientSecret = nonEmpty(e.MICROSOFT_CLIENT_SECRET);
  if (!clientId && !clientSecret) return undefined;
  if (!clientId || !clientSecret)
    throw new ConfigError([
      `${clientId ? 'MICROSOFT_CLIENT_SECRET' : 'MICROSOFT_CLIENT_ID'} is required when ${clientId ? 'MICROSOFT_CLIENT_ID' : 'MICROSOFT_CLIENT_SECRET'} is set`,
    ]);
  return {
    clientId,
    clientSecret,
    authority: (e.MICROSOFT_AUTHORITY ?? 'https://login.microsoftonline.com/organizations/v2.0').replace(/\/+$/, ''),
    mspTenantId: nonEmpty(e.MSP_TENANT_ID)?.toLowerCase(),
  };
}

// Outside production a secret is made once and kept beside the embedded data, so sessions and
// issued links survive a restart without any set-up.
function generatedSecret(dataDir: string): string {
  const file = path.join(dataDir, 'session-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret + '\n', { mode: 0o600 });
  return secret;
}

// "true"/"false", a hop count, or Express's list of trusted addresses/subnets.
function parseTrustProxy(value: string | undefined): string | boolean | number {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}
