// When the server is up: tell the commands in the same folder where it is (server-record.ts), open the
// control channel if the embedded database is held here, and, while no staff member exists, say in the
// log how to make the first admin. The returned function undoes it at shutdown.
import { STAFF_LINK_MINUTES } from '../auth/magic-link/service.js';
import type { Services } from '../compose.js';
import { createAdminWithLink } from '../staff/first-admin.js';
import { openControlChannel } from './channel.js';
import { markServerStopped, writeServerRecord } from './server-record.js';

export async function announceServer(services: Services, port: number): Promise<() => Promise<void>> {
  const { config, logger } = services;
  // PostgreSQL: commands open the database themselves; only the embedded one needs this process.
  const channel = config.databaseUrl
    ? undefined
    : await openControlChannel(config.dataDir, { adminCreate: (input) => createAdminWithLink(services, input, STAFF_LINK_MINUTES) }, logger).catch(
        (error: unknown) => {
          logger.warn({ err: error }, 'could not open the control channel: stop the server to run admin:create');
          return undefined;
        },
      );
  try {
    writeServerRecord(config.dataDir, {
      pid: process.pid,
      port,
      baseUrl: config.baseUrl.toString(),
      controlSocket: channel?.socketPath,
      startedAt: new Date().toISOString(),
    });
  } catch (error) {
    // A read-only DATA_DIR (some containers) must not stop the service; the commands then use their own settings.
    logger.warn({ err: error, dataDir: config.dataDir }, 'could not record the running server in DATA_DIR; admin:create will use its own BASE_URL');
  }
  // Also on process.exit(); after a crash the record names a dead pid, which readers take as stopped.
  const forget = () => {
    try {
      markServerStopped(config.dataDir);
    } catch {
      // read-only or removed DATA_DIR: nothing to tell
    }
  };
  process.once('exit', forget);
  const noStaffYet = await services.staff.list().then(
    (all) => all.length === 0,
    () => false,
  );
  if (noStaffYet) {
    logger.info(
      `No technician can sign in yet. Create the first admin (in this folder, while the server runs): ` +
        `npm run portico -- admin:create --email you@msp.example --name "Your Name"`,
    );
  }
  return async () => {
    await channel?.close();
    process.off('exit', forget);
    forget();
  };
}
