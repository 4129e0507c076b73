// Entry point: read config, build services, serve HTTP, run the mail worker, shut down gracefully.
// WEB_CONCURRENCY unset (or 0): one process does all of it. Set to N: this process becomes the
// supervisor (supervisor.ts), which sends the mail and forks N HTTP processes, each of which runs
// serve() below without a mail worker of its own.
import cluster from 'node:cluster';
import type { Server } from 'node:http';
import { createApp } from './app.js';
import { buildServices } from './compose.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { announceServer } from './control/announce.js';
import { DataDirLockedError } from './db/lock.js';
import { createLogger, type Logger } from './lib/logger.js';
import { exitIfStillRunningAfter } from './lib/shutdown.js';
import { relayOutboxToSupervisor, supervise } from './supervisor.js';

/** How long a shutdown may take before the process ends anyway. */
const SHUTDOWN_LIMIT_MS = 25_000;

async function serve(config: Config, logger: Logger): Promise<void> {
  const inCluster = cluster.isWorker;
  let services;
  try {
    // The supervisor has migrated already; its HTTP processes need not take the lock in turn.
    services = await buildServices(config, { logger, migrate: !inCluster });
  } catch (error) {
    if (error instanceof DataDirLockedError) {
      process.stderr.write(`portico: ${error.message}\n`);
      process.exit(1);
    }
    logger.fatal({ err: error }, 'could not start');
    process.exit(1);
  }
  const app = createApp(services);
  if (inCluster) relayOutboxToSupervisor(services.outbox);
  else services.mailWorker.start();
  let unannounce: (() => Promise<void>) | undefined;
  const onListening = () => {
    if (inCluster) return; // the supervisor says it once for all of its processes
    const address = server.address();
    void announceServer(services, typeof address === 'object' && address ? address.port : config.port).then((undo) => (unannounce = undo));
    logger.info(
      {
        port: config.port,
        host: config.host ?? 'all interfaces',
        baseUrl: config.baseUrl.toString(),
        database: config.databaseUrl ? 'postgresql' : `embedded (${config.dataDir})`,
        sessions: config.redisUrl ? 'redis' : 'database',
        mail: services.mailTransport.kind,
      },
      `Portico is serving ${config.baseUrl}`,
    );
  };
  // HOST unset and no proxy trusted: every interface, as Node does by default.
  const server: Server = config.host ? app.listen(config.port, config.host, onListening) : app.listen(config.port, onListening);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing requests and mail in flight');
    exitIfStillRunningAfter(SHUTDOWN_LIMIT_MS, logger);
    // Stop accepting; idle keep-alive connections close now, busy ones as soon as their response is out
    // (server.close() alone would leave those open until the keep-alive timeout).
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const closeIdle = setInterval(() => server.closeIdleConnections(), 100);
    server.closeIdleConnections();
    await closed;
    clearInterval(closeIdle);
    logger.info('http server closed; finishing background work and mail in flight');
    await unannounce?.();
    await services.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

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
  const logger = createLogger(config.logLevel, undefined, { role: cluster.isWorker ? 'web' : config.webConcurrency > 0 ? 'supervisor' : 'all' });
  if (config.webConcurrency > 0 && cluster.isPrimary) return supervise(config, logger);
  return serve(config, logger);
}

void main();
