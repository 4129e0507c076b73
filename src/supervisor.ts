// WEB_CONCURRENCY=N: this process forks N HTTP processes (they share the port through
// node:cluster) and is itself the one that sends the mail, so mail work never competes with requests
// for an event loop. An HTTP process that queues mail tells the supervisor over the cluster channel;
// the outbox in PostgreSQL stays the truth (a lost message only means the next poll sends it).
// An HTTP process that dies is replaced; one that keeps dying stops the whole service.
import cluster, { type Worker } from 'node:cluster';
import { buildServices } from './compose.js';
import type { Config } from './config.js';
import { announceServer } from './control/announce.js';
import type { Logger } from './lib/logger.js';
import { exitIfStillRunningAfter } from './lib/shutdown.js';
import type { Outbox } from './mail/outbox.js';

const OUTBOX_MESSAGE = 'portico:outbox';
/** More exits than this within CRASH_WINDOW_MS is a crash loop, not bad luck. */
const MAX_CRASHES = 5;
const CRASH_WINDOW_MS = 60_000;
const RESTART_DELAY_MS = 1_000;
/** Longer than an HTTP process's own shutdown limit (server.ts), so theirs decides first. */
const SHUTDOWN_LIMIT_MS = 30_000;

/** In an HTTP process: mail queued here is announced to the supervisor, which sends it. */
export function relayOutboxToSupervisor(outbox: Outbox): void {
  outbox.onNotify(() => {
    if (process.connected) process.send?.({ type: OUTBOX_MESSAGE });
  });
}

export async function supervise(config: Config, logger: Logger): Promise<void> {
  let services;
  try {
    services = await buildServices(config, { logger }); // migrates once, before any HTTP process starts
  } catch (error) {
    logger.fatal({ err: error }, 'could not start');
    process.exit(1);
  }
  const { mailWorker, outbox } = services;
  mailWorker.start();

  let stopping = false;
  const crashes: number[] = [];
  // Each HTTP process gets this process's node flags (cluster's default execArgv): the heap bounds of
  // the production command (the Dockerfile's CMD, README "Running in production") apply to them too.
  const fork = () => cluster.fork();

  cluster.on('message', (_worker: Worker, message: unknown) => {
    if ((message as { type?: unknown } | null)?.type === OUTBOX_MESSAGE) outbox.notify();
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    const now = Date.now();
    crashes.push(now);
    while (crashes.length && crashes[0]! < now - CRASH_WINDOW_MS) crashes.shift();
    if (crashes.length > MAX_CRASHES) {
      logger.fatal({ pid: worker.process.pid, code, signal }, `HTTP processes exited ${crashes.length} times within a minute; stopping`);
      void shutdown('crash loop', 1);
      return;
    }
    logger.error({ workerPid: worker.process.pid, code, signal }, 'an HTTP process exited; starting another');
    setTimeout(() => stopping || fork(), RESTART_DELAY_MS).unref();
  });

  let listening = 0;
  let unannounce: (() => Promise<void>) | undefined;
  cluster.on('listening', () => {
    listening += 1;
    if (listening === config.webConcurrency) {
      void announceServer(services, config.port).then((undo) => (unannounce = undo));
      logger.info(
        {
          port: config.port,
          baseUrl: config.baseUrl.toString(),
          processes: config.webConcurrency,
          sessions: config.redisUrl ? 'redis' : 'database',
          mail: services.mailTransport.kind,
        },
        `Portico is serving ${config.baseUrl} with ${config.webConcurrency} HTTP processes`,
      );
    }
  });
  for (let i = 0; i < config.webConcurrency; i++) fork();

  // Each HTTP process finishes its requests and the sign-in work they started (which queues mail);
  // then the mail in flight, and what those last requests queued, goes out before the supervisor ends.
  async function shutdown(reason: string, exitCode = 0) {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'shutting down: HTTP processes first, then the mail');
    exitIfStillRunningAfter(SHUTDOWN_LIMIT_MS, logger);
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            worker.once('exit', () => resolve());
            worker.process.kill('SIGTERM');
          }),
      ),
    );
    await mailWorker.runOnce();
    await unannounce?.();
    await services!.close();
    logger.info('stopped');
    process.exit(exitCode);
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
