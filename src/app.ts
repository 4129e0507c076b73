// createApp: middleware order and route mounting, nothing else. Every dependency comes in built.
import express from 'express';
import helmet from 'helmet';
import { emailTokenRoutes } from './auth/email-token/routes.js';
import type { Services } from './compose.js';
import { exposeCsrfToken, verifyCsrf } from './http/csrf.js';
import { errorHandler, notFound } from './http/errors.js';
import { requestLog } from './http/request-log.js';
import { sessionMiddleware } from './http/sessions.js';
import { publicDir, viewsDir } from './lib/paths.js';
import { PORTAL_COOKIE, portalRoutes } from './portal/routes.js';
import './http/session-data.js';

export function createApp(services: Services): express.Express {
  const { config, logger } = services;
  const app = express();

  app.set('trust proxy', config.trustProxy);
  app.set('view engine', 'ejs');
  app.set('views', viewsDir);
  app.disable('x-powered-by');
  app.locals.baseUrl = config.baseUrl.toString();

  app.use(requestLog(logger));
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
          objectSrc: ["'none'"],
        },
      },
      referrerPolicy: { policy: 'no-referrer' },
      strictTransportSecurity: config.baseUrl.protocol === 'https:',
    }),
  );
  app.use('/public', express.static(publicDir, { maxAge: '1h', index: false }));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use(express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 100 }));

  const sessionOptions = { store: services.sessionStore, secret: config.sessionSecret, secure: config.baseUrl.protocol === 'https:' };
  app.use(sessionMiddleware(PORTAL_COOKIE, '/', sessionOptions));
  app.use(exposeCsrfToken);
  app.use(verifyCsrf);

  app.use(
    emailTokenRoutes({
      emailTokens: services.emailTokens,
      signIn: services.signIn,
      settings: services.settings,
      limiter: services.rateLimiter,
      background: services.background,
      clock: services.clock,
      rateLimits: config.rateLimits,
    }),
  );
  app.use(portalRoutes({ signIn: services.signIn, directory: services.directory }));

  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}
