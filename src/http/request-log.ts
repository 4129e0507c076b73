// A request id for every request, and one access-log line when it ends. Only the path is logged, never
// the query string: sign-in links carry their token there.
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../lib/logger.js';

export function requestLog(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const requestId = randomUUID();
    const started = process.hrtime.bigint();
    const path = req.path; // read now: routers mounted at a prefix rewrite it while they run
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    res.on('finish', () => {
      if (!logger.isLevelEnabled('info')) return; // nothing to build when access lines are not written
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      logger.info({ reqId: requestId, method: req.method, path, status: res.statusCode, ms: Math.round(ms * 10) / 10, ip: req.ip }, 'request');
    });
    next();
  };
}
