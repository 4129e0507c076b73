// Configuration: every bad variable is named in one line; the process stops without a stack trace.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config.js';

const dataDir = mkdtempSync(path.join(tmpdir(), 'portico-config-'));
const base = { DATA_DIR: dataDir };

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig({ ...base, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('has working defaults for a fresh machine', () => {
    const config = loadConfig(base);
    expect(config.port).toBe(3000);
    expect(config.baseUrl.toString()).toBe('http://localhost:3000/');
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.smtpUrl).toBeUndefined();
    expect(config.sessionSecret.length).toBeGreaterThanOrEqual(32);
    // the generated secret is kept, so sessions survive a restart
    expect(loadConfig(base).sessionSecret).toBe(config.sessionSecret);
    expect(config.rateLimits.signinPerAddress).toEqual({ limit: 5, windowMs: 15 * 60_000, text: '5/15m' });
    expect(config.webConcurrency).toBe(0); // one process serves and sends mail
    expect(config.databasePoolMax).toBe(10);
    expect(config.smtpPoolSize).toBe(10);
  });

  it('takes SMTP_POOL_SIZE as a number of connections from 1 to 100', () => {
    expect(loadConfig({ ...base, SMTP_POOL_SIZE: '4' }).smtpPoolSize).toBe(4);
    expect(loadConfig({ ...base, SMTP_POOL_SIZE: ' ' }).smtpPoolSize).toBe(10);
    expect(problems({ SMTP_POOL_SIZE: '0' })).toEqual(['SMTP_POOL_SIZE must be 1 to 100']);
    expect(problems({ SMTP_POOL_SIZE: '101' })).toEqual(['SMTP_POOL_SIZE must be 1 to 100']);
    expect(problems({ SMTP_POOL_SIZE: '2.5' })).toEqual(['SMTP_POOL_SIZE must be a whole number']);
    expect(problems({ SMTP_POOL_SIZE: 'many' })).toEqual([expect.stringMatching(/^SMTP_POOL_SIZE must be a number of connections/)]);
  });

  it('listens on 127.0.0.1 when a proxy is trusted, unless HOST says otherwise, and on every interface without one', () => {
    expect(loadConfig(base).host).toBeUndefined();
    expect(loadConfig({ ...base, TRUST_PROXY: 'loopback' }).host).toBe('127.0.0.1');
    expect(loadConfig({ ...base, TRUST_PROXY: '1', HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(loadConfig({ ...base, HOST: '::1' }).host).toBe('::1');
    expect(problems({ HOST: 'a b' })).toEqual([expect.stringMatching(/^HOST /)]);
  });

  it('ends staff sessions after 30 minutes idle and 12 hours by default (ASVS level 2), configurable', () => {
    expect(loadConfig(base).staffSession).toEqual({ idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000 });
    expect(loadConfig({ ...base, STAFF_SESSION_IDLE_MINUTES: '15', STAFF_SESSION_ABSOLUTE_HOURS: '8' }).staffSession).toEqual({
      idleMs: 15 * 60_000,
      absoluteMs: 8 * 3_600_000,
    });
    expect(problems({ STAFF_SESSION_IDLE_MINUTES: 'soon' })).toEqual([expect.stringMatching(/^STAFF_SESSION_IDLE_MINUTES must be a number of minutes/)]);
  });

  it('reads the process count and the pool size', () => {
    const config = loadConfig({ ...base, DATABASE_URL: 'postgres://db/portico', WEB_CONCURRENCY: '4', DATABASE_POOL_MAX: '20' });
    expect(config.webConcurrency).toBe(4);
    expect(config.databasePoolMax).toBe(20);
  });

  it('reads rate limits written as N/window', () => {
    const config = loadConfig({ ...base, SIGNIN_RATE_LIMIT_PER_IP: '20/15m', SIGNIN_RATE_LIMIT_PER_ADDRESS: '5/1h' });
    expect(config.rateLimits.signinPerIp).toMatchObject({ limit: 20, windowMs: 900_000 });
    expect(config.rateLimits.signinPerAddress).toMatchObject({ limit: 5, windowMs: 3_600_000 });
    expect(loadConfig(base).rateLimits.apiPerKey).toEqual({ limit: 600, windowMs: 15 * 60_000, text: '600/15m' });
    expect(loadConfig({ ...base, API_RATE_LIMIT: '100/1m' }).rateLimits.apiPerKey).toMatchObject({ limit: 100, windowMs: 60_000 });
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ BASE_URL: 'portal.example' }, 'BASE_URL'],
    [{ BASE_URL: 'https://portal.example/sub' }, 'BASE_URL'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'http://x' }, 'REDIS_URL'],
    [{ SMTP_URL: 'mail.example:25' }, 'SMTP_URL'],
    [{ MAIL_FROM: 'not an address' }, 'MAIL_FROM'],
    [{ SESSION_SECRET: 'short' }, 'SESSION_SECRET'],
    [{ SIGNIN_RATE_LIMIT_PER_IP: 'lots' }, 'SIGNIN_RATE_LIMIT_PER_IP'],
    [{ SIGNIN_RATE_LIMIT_PER_ADDRESS: '5/15 minutes' }, 'SIGNIN_RATE_LIMIT_PER_ADDRESS'],
    [{ API_RATE_LIMIT: '0/1m' }, 'API_RATE_LIMIT'],
    [{ WEB_CONCURRENCY: 'two' }, 'WEB_CONCURRENCY'],
    [{ WEB_CONCURRENCY: '65', DATABASE_URL: 'postgres://db/portico' }, 'WEB_CONCURRENCY'],
    [{ WEB_CONCURRENCY: '2' }, 'WEB_CONCURRENCY'], // the embedded database belongs to one process
    [{ DATABASE_POOL_MAX: '1' }, 'DATABASE_POOL_MAX'],
    [{ NODE_ENV: 'production' }, 'SMTP_URL'],
    [{ NODE_ENV: 'production', SMTP_URL: 'smtp://mail.example:25' }, 'SESSION_SECRET'],
  ])('names the variable that is wrong: %o', (env, variable) => {
    const found = problems(env as Record<string, string>);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(new RegExp(`^${variable} `));
  });

  it('needs every credential of the chosen PSA, naming what is missing', () => {
    expect(
      problems({ PSA_PROVIDER: 'connectwise', CONNECTWISE_URL: 'https://na.myconnectwise.net/v4_6_release/apis/3.0', CONNECTWISE_COMPANY_ID: 'msp' }),
    ).toEqual(['PSA_PROVIDER=connectwise needs CONNECTWISE_PUBLIC_KEY, CONNECTWISE_PRIVATE_KEY, CONNECTWISE_CLIENT_ID']);
    expect(problems({ PSA_PROVIDER: 'halopsa' })).toEqual(['PSA_PROVIDER=halopsa needs HALOPSA_URL, HALOPSA_CLIENT_ID, HALOPSA_CLIENT_SECRET']);
    expect(problems({ PSA_PROVIDER: 'kaseya' })[0]).toMatch(/^PSA_PROVIDER must be builtin, connectwise, autotask or halopsa/);
    const autotask = loadConfig({
      ...base,
      PSA_PROVIDER: 'autotask',
      AUTOTASK_USERNAME: 'api@msp.example',
      AUTOTASK_SECRET: 's',
      AUTOTASK_INTEGRATION_CODE: 'c',
    });
    expect(autotask.psa).toEqual({ provider: 'autotask', url: undefined, username: 'api@msp.example', secret: 's', integrationCode: 'c' });
    expect(loadConfig(base).psa).toEqual({ provider: 'builtin' });
  });

  it('reads the Microsoft app, with the organizations authority by default', () => {
    expect(loadConfig(base).microsoft).toBeUndefined();
    expect(
      loadConfig({ ...base, MICROSOFT_CLIENT_ID: 'id', MICROSOFT_CLIENT_SECRET: 'secret', MSP_TENANT_ID: 'AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE' }).microsoft,
    ).toEqual({
      clientId: 'id',
      clientSecret: 'secret',
      authority: 'https://login.microsoftonline.com/organizations/v2.0',
      mspTenantId: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee',
    });
    expect(problems({ MICROSOFT_CLIENT_ID: 'id' })).toEqual(['MICROSOFT_CLIENT_SECRET is required when MICROSOFT_CLIENT_ID is set']);
    expect(problems({ MSP_TENANT_ID: 'contoso' })[0]).toMatch(/^MSP_TENANT_ID must be a tenant ID/);
  });

  it('reports every bad variable at once', () => {
    expect(
      problems({ PORT: 'x', REDIS_URL: 'nope' })
        .map((p) => p.split(' ')[0])
        .sort(),
    ).toEqual(['PORT', 'REDIS_URL']);
  });
});

describe('starting with a bad variable', () => {
  it('stops with exit code 1 and one line naming it, no stack trace', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: { PATH: process.env.PATH, DATA_DIR: dataDir, SIGNIN_RATE_LIMIT_PER_IP: 'twenty' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^portico: configuration error: SIGNIN_RATE_LIMIT_PER_IP must look like "20\/15m"/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
