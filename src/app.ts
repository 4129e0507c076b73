// createApp: middleware order and route mounting, nothing else. Every dependency comes in built.
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet, { type HelmetOptions } from 'helmet';
import multer from 'multer';
import { contactAudience } from './auth/audience.js';
import { contactBrand, siteBrand } from './brand/locals.js';
import { LOGO_UPLOAD_LIMIT_BYTES, isLogoUpload } from './brand/upload.js';
import { brandRoutes } from './brand/routes.js';
import { consoleRoutes } from './admin/routes.js';
import { apiRoutes } from './api/routes.js';
import { accountRoutes } from './auth/account/routes.js';
import { emailTokenRoutes } from './auth/email-token/routes.js';
import { magicLinkRoutes } from './auth/magic-link/routes.js';
import { microsoftRoutes } from './auth/microsoft/routes.js';
import { jwtLoginRoutes } from './auth/jwt/routes.js';
import { passkeySignInRoutes, securityRoutes } from './auth/passkey/routes.js';
import type { Services } from './compose.js';
import { cookieNames, readCookie } from './http/cookies.js';
import { refuseControlCharacters } from './http/control-characters.js';
import { csrfProtection } from './http/csrf.js';
import { answers } from './http/dependencies.js';
import { errorHandler, notFound } from './http/errors.js';
import { exposeFlash } from './http/flash.js';
import { requestLog } from './http/request-log.js';
import { i18n } from './i18n/index.js';
import { languageRoutes } from './i18n/routes.js';
import { sessionMiddleware } from './http/sessions.js';
import { deriveKey } from './lib/crypto.js';
import { passkeyBrowserBundle, publicDir, viewsDir } from './lib/paths.js';
import { viewerTimeZone } from './lib/time-zone.js';
import { renderView } from './lib/views.js';
import { portalRoutes } from './portal/routes.js';
import './http/session-data.js';

// Express matches routes case-insensitively, so this must too: /ADMIN is the console as well.
const isConsole = (req: Request) => {
  const path = req.path.toLowerCase();
  return path === '/admin' || path.startsWith('/admin/');
};

// Features no page of Portico uses: denied to every page and frame.
const PERMISSIONS_POLICY = [
  'accelerometer',
  'autoplay',
  'camera',
  'display-capture',
  'geolocation',
  'gyroscope',
  'magnetometer',
  'microphone',
  'midi',
  'payment',
  'screen-wake-lock',
  'serial',
  'usb',
  'xr-spatial-tracking',
]
  .map((feature) => `${feature}=()`)
  // Passkeys (WebAuthn) are asked for by this site's own pages only, never by a frame.
  .concat(['publickey-credentials-get=(self)', 'publickey-credentials-create=(self)'])
  .join(', ');

/**
 * The headers helmet sets with these options, read off its middleware once. None of these options
 * depends on the request (no nonce, no function in the CSP), so every response gets the same ones.
 * Helmet also removes X-Powered-By, which Express is told not to send (app.disable below).
 */
export function helmetHeaders(options: HelmetOptions): ReadonlyArray<readonly [string, string]> {
  const headers: Array<readonly [string, string]> = [];
  const recorder = {
    setHeader: (name: string, value: unknown) => headers.push([name, String(value)]),
    removeHeader: () => undefined,
  };
  let done = false;
  helmet(options)({} as Request, recorder as unknown as Response, (error?: unknown) => {
    if (error) throw error;
    done = true;
  });
  if (!done) throw new Error('helmet did not set its headers at once');
  return headers;
}

export function createApp(services: Services): express.Express {
  const { config, logger } = services;
  const app = express();

  app.set('trust proxy', config.trustProxy);
  app.engine('ejs', renderView);
  app.set('view engine', 'ejs');
  app.set('views', viewsDir);
  app.disable('x-powered-by');
  // Pages carry per-browser CSRF tokens and are never worth a 304; hashing every body for an ETag is
  // pure cost. Static files keep their own ETags.
  app.set('etag', false);
  app.locals.baseUrl = config.baseUrl.toString();
  const secureCookies = config.baseUrl.protocol === 'https:';
  const cookies = cookieNames(secureCookies);
  app.locals.cookieNames = cookies; // read back by cookieNamesOf(req)

  app.use(requestLog(logger));
  // Helmet's headers, then a Permissions-Policy (helmet sets none: Portico uses none of these features, so
  // no page, nor anything injected into one, may ask for them). The same on every response, so found once
  // and set by one middleware instead of helmet's dozen per request.
  const headers = [
    ...helmetHeaders({
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
      strictTransportSecurity: secureCookies,
    }),
    ['Permissions-Policy', PERMISSIONS_POLICY] as const,
  ];
  app.use((_req: Request, res: Response, next: NextFunction) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  });
  app.get('/public/vendor/simplewebauthn-browser.js', (_req, res) => res.sendFile(passkeyBrowserBundle, { maxAge: '1h' }));
  app.use('/public', express.static(publicDir, { maxAge: '1h', index: false }));
  // /healthz: the process is up. /readyz: it can serve, i.e. the database (and Redis, when used) answer.
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const [database, redis] = await Promise.all([
      answers(() => services.db.raw('select 1')),
      services.redis ? answers(() => services.redis!.ping()) : Promise.resolve(true),
    ]);
    res.status(database && redis ? 200 : 503).json({
      status: database && redis ? 'ready' : 'unavailable',
      database: database ? 'ok' : 'down',
      redis: services.redis ? (redis ? 'ok' : 'down') : 'not used',
    });
  });
  // The User API: bearer keys and JSON, so it comes before the form parser, sessions and CSRF, which
  // are for browsers (it parses its own JSON and never creates a session or sets a cookie).
  app.use(
    '/api/v1',
    apiRoutes({
      apiKeys: services.apiKeys,
      contacts: services.contacts,
      companies: services.companies,
      magicLinks: services.magicLinks,
      limiter: services.rateLimiter,
      rateLimit: config.rateLimits.apiPerKey,
      baseUrl: config.baseUrl,
      logger,
    }),
  );
  // The language of every page: the portico.lang cookie, else Accept-Language. The console stays in
  // English apart from its sign-in pages, which share the portal's views; the footer's switch posts
  // with the portal's session, so it is offered on portal pages only.
  const isConsoleSignIn = (req: Request) => /^\/admin\/signin(\/|$)/i.test(req.path);
  app.use(i18n({ logger, englishOnly: (req) => isConsole(req) && !isConsoleSignIn(req), offersSwitch: (req) => !isConsole(req) }));
  // Dates on every page in the viewer's time zone: the browser's cookie when Intl knows the zone, else UTC.
  // currentPath: the console's navigation marks the page it is on (aria-current).
  app.use((req: Request, res: Response, next: NextFunction) => {
    res.locals.currentPath = req.path;
    res.locals.timeZone = viewerTimeZone(readCookie(req, cookies.timeZone));
    res.locals.timeZoneCookie = cookies.timeZone;
    next();
  });
  // The MSP's brand for every page, even one refused before its session is read (issue 17); then the
  // brand's logo and accent stylesheet: public, cached, no session
  // (after i18n: a missing logo's 404 page is in the visitor's language).
  app.use(siteBrand({ brand: services.brand, logger }));
  app.use(brandRoutes({ brand: services.brand }));
  // Form bodies are parsed before the CSRF check, so every form is checked.
  app.use(express.urlencoded({ extended: false, limit: '1100kb', parameterLimit: 200 }));

  // Separate cookies for the portal and the console (see http/cookies.ts).
  const handleError = errorHandler(logger);
  const sessionOptions = {
    store: services.sessionStore,
    secret: config.sessionSecret,
    secure: secureCookies,
    logger,
    clock: services.clock,
    onError: (error: unknown, req: Request, res: Response) => handleError(error, req, res, () => undefined),
  };
  const portalSession = sessionMiddleware(cookies.portalSession, '/', sessionOptions);
  const consoleSession = sessionMiddleware(cookies.consoleSession, cookies.consolePath, sessionOptions);
  app.use((req: Request, res: Response, next: NextFunction) => (isConsole(req) ? consoleSession(req, res, next) : portalSession(req, res, next)));
  // What a page shows behind a session (a name, a company, sessions and IPs, a contact's record) must
  // not come back from the browser's cache after sign-out, nor from any cache in between.
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (Object.keys(req.session).length > 0) res.set('Cache-Control', 'no-store');
    next();
  });
  // A signed-in client sees their company's own brand where it has one.
  app.use(contactBrand({ signIn: services.signIn }));
  const csrf = csrfProtection({ key: deriveKey(config.sessionSecret, 'csrf'), secure: secureCookies, cookieName: cookies.csrf, origin: config.baseUrl.origin });
  app.use(csrf.expose);
  app.use(exposeFlash);
  // File uploads (the console's CSV import) are parsed only for a browser whose console session holds a
  // staff sign-in, after the session is read: nobody else can make the server read a multipart body.
  // Anyone else's upload reaches the CSRF check unparsed, without a token, and is refused there.
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: 1_000_000, files: 1, fields: 20 } }).single('file');
  // The brand forms' logo field (issue 17); its own size rule is checked by the brand, with a message on the form.
  const logoUpload = multer({ storage: multer.memoryStorage(), limits: { fileSize: LOGO_UPLOAD_LIMIT_BYTES, files: 1, fields: 20 } }).single('logo');
  app.use((req: Request, res: Response, next: NextFunction) =>
    req.is('multipart/form-data') && isConsole(req) && req.session.signedIn?.kind === 'staff'
      ? (isLogoUpload(req.path) ? logoUpload : upload)(req, res, next)
      : next(),
  );
  // Every form field (uploads' included) and query string value, before any route reads them (see
  // http/control-characters.ts).
  app.use(refuseControlCharacters);
  app.use(csrf.verify);

  const limits = { limiter: services.rateLimiter, rateLimits: config.rateLimits };
  // The console's routes are looked at only for console paths: a portal page need not walk past them.
  const consoleRouter = consoleRoutes(services);
  app.use((req: Request, res: Response, next: NextFunction) => (isConsole(req) ? consoleRouter(req, res, next) : next()));
  if (services.microsoft) {
    app.use(
      microsoftRoutes({
        kind: 'contact',
        ...services.microsoft,
        signIn: services.signIn,
        audit: services.audit,
        baseUrl: config.baseUrl,
        logger,
        clock: services.clock,
      }),
    );
  }
  const portalMicrosoft = services.microsoft ? '/auth/microsoft' : undefined;
  app.use(
    contactAudience.basePath,
    emailTokenRoutes({
      emailTokens: services.portalEmailTokens,
      signIn: services.signIn,
      settings: services.settings,
      background: services.background,
      clock: services.clock,
      microsoftHref: portalMicrosoft,
      microsoftAvailable: services.microsoft?.oidc.available,
      passkeysEnabled: () => services.passkeys.enabledFor('contact'),
      ...limits,
    }),
  );
  const passkeyDeps = { audience: contactAudience, passkeys: services.passkeys, signIn: services.signIn, clock: services.clock, ...limits };
  app.use(contactAudience.basePath, passkeySignInRoutes(passkeyDeps));
  app.use(securityRoutes({ ...passkeyDeps, path: '/account/security', view: 'portal/security' }));
  app.use(magicLinkRoutes({ kind: 'contact', magicLinks: services.magicLinks, signIn: services.signIn, settings: services.settings, ...limits }));
  app.use(accountRoutes({ resolver: services.resolver, directory: services.directory, signIn: services.signIn, clock: services.clock }));
  app.use(jwtLoginRoutes({ jwtLogin: services.jwtLogin, signIn: services.signIn, audit: services.audit }));
  app.use(languageRoutes({ secure: secureCookies }));
  app.use(portalRoutes({ signIn: services.signIn, directory: services.directory, onboarding: services.onboarding, passkeys: services.passkeys }));

  app.use(notFound);
  app.use(handleError);
  return app;
}
