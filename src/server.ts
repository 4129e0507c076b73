// Entry point: read config, build services, serve HTTP, run the mail worker, shut down gracefully.
import type { Server } from 'node:http';
import { createApp } from './app.js';
import { buildServices } from './compose.js';
import { ConfigError, loadConfig } from './config.js';
import { DataDirLockedError } from './db/lock.js';
import { createLogger } from './lib/logger.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`portico: configuration error: ${error.problems.join('; ')}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  let services;
  try {
    services = await buildServices(config, { logger });
  } catch (error) {
    if (error instanceof DataDirLockedError) {
      process.stderr.write(`portico: ${error.message}\n`);
      process.exit(1);
    }
    logger.fatal({ err: error }, 'could not start');
    process.exit(1);
  }
  const app = createApp(services);
  services.mailWorker.start();
  const server: Server = app.listen(config.port, () => {
    logger.info(
      { port: config.port, baseUrl: config.baseUrl.toString(), database: config.databaseUrl ? 'postgresql' : `embedded (${config.dataDir})`, sessions: config.redisUrl ? 'redis' : 'database', mail: services.mailTransport.kind },
      `Portico is serving ${config.baseUrl}`,
    );
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing requests and mail in flight');
    const forced = setTimeout(() => {
      logger.error('shutdown took longer than 25 s; exiting');
      process.exit(1);
    }, 25_000);
    forced.unref();
    // Stop accepting; idle keep-alive connections close now, busy ones after their response.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await closed;
    logger.info('http server closed; finishing background work and mail in flight');
    await services.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

void main();
