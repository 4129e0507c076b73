// Builds the real application for a test file: real PostgreSQL (DATABASE_URL) in a schema of its own,
// or embedded PGlite in a temporary directory; real Redis (REDIS_URL) under a key prefix of its own,
// or the database store; a real SMTP receiver; a movable clock; and the log captured as text.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import type { Express } from 'express';
import supertest from 'supertest';
import { createApp } from '../../src/app.js';
import { buildServices, type Services } from '../../src/compose.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/lib/logger.js';
import type { PsaOptions } from '../../src/psa/registry.js';
import { TestClock } from './clock.js';
import { startSmtpReceiver, type SmtpReceiver } from './smtp.js';

export interface TestApp {
  app: Express;
  services: Services;
  config: Config;
  clock: TestClock;
  smtp: SmtpReceiver;
  /** Every log line written so far. */
  logs(): string;
  agent(): ReturnType<typeof supertest.agent>;
  /** Waits for work started after responses (token issuing) and for the outbox to be sent. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  /** Leave SMTP_URL unset (mail goes to the log). */
  noSmtp?: boolean;
  /** Reuse an existing data directory (restart tests). */
  dataDir?: string;
  /** PSA client options (short timeouts for failure tests). */
  psa?: PsaOptions;
  microsoftTimeoutMs?: number;
}

export const usingPostgres = Boolean(process.env.DATABASE_URL);
export const usingRedis = Boolean(process.env.REDIS_URL);

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const id = randomBytes(5).toString('hex');
  const smtp = await startSmtpReceiver();
  const ownDataDir = options.dataDir ? undefined : mkdtempSync(path.join(tmpdir(), 'portico-test-'));
  const dataDir = options.dataDir ?? ownDataDir!;
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    BASE_URL: 'http://portal.test.example',
    DATA_DIR: dataDir,
    SESSION_SECRET: 'test-secret-that-is-long-enough-to-pass-validation',
    REDIS_KEY_PREFIX: `portico-test:${id}:`,
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    ...(options.noSmtp ? {} : { SMTP_URL: smtp.url }),
    LOG_LEVEL: 'debug',
    ...options.env,
  };
  const config = loadConfig(env);
  let logText = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      logText += chunk.toString();
      done();
    },
  });
  const clock = new TestClock();
  const schema = config.databaseUrl ? `t_${id}` : undefined;
  const services = await buildServices(config, {
    logger: createLogger(config.logLevel, sink),
    clock,
    dbSchema: schema,
    mailWorker: { pollMs: 50 },
    psa: options.psa,
    microsoftTimeoutMs: options.microsoftTimeoutMs,
  });
  services.mailWorker.start();
  const app = createApp(services);

  return {
    app,
    services,
    config,
    clock,
    smtp,
    logs: () => logText,
    agent: () => supertest.agent(app),
    async settle() {
      await services.background.idle();
      await services.mailWorker.runOnce();
    },
    async close() {
      await services.background.idle();
      await services.mailWorker.stop();
      if (schema) await services.db.raw('drop schema if exists ?? cascade', [schema]);
      if (services.redis) {
        const keys = await services.redis.keys(`${config.redisKeyPrefix}*`);
        if (keys.length) await services.redis.del(...keys);
      }
      await services.close();
      await smtp.close();
      if (ownDataDir) rmSync(ownDataDir, { recursive: true, force: true });
    },
  };
}
