// A shutdown that hangs (a stuck connection, a dead SMTP server) ends the process anyway.
import type { Logger } from './logger.js';

/** Exits with code 1 if the process is still running `limitMs` from now. */
export function exitIfStillRunningAfter(limitMs: number, logger: Logger): void {
  setTimeout(() => {
    logger.error(`shutdown took longer than ${limitMs / 1000} s; exiting`);
    process.exit(1);
  }, limitMs).unref();
}
