// The User API at /api/v1: JSON in and out, a bearer API key on every route but the OpenAPI document,
// a rate limit per key. It is mounted before the browser middleware (form parser, sessions, CSRF):
// an API client has no session and no CSRF token, and gets no cookie. The work is done by the same
// services the console uses; these handlers only translate HTTP to calls and records to JSON.
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { MagicLinkService } from '../auth/magic-link/service.js';
import type { CompanyService } from '../directory/companies.js';
import type { ContactService } from '../directory/contacts.js';
import type { RateLimiter } from '../http/rate-limit.js';
import { refuseControlCharacters } from '../http/control-characters.js';
import { NotFoundError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { RateLimitRule } from '../lib/rate-limit-rule.js';
import { ApiError, apiErrorHandler, apiNotFound, UnauthorizedError } from './errors.js';
import type { ApiKey, ApiKeyService } from './keys.js';
import { buildOpenApiDocument } from './openapi.js';
import { presentCompany, presentCompanyDetail, presentContact, presentPage } from './present.js';
import { companyCreateSchema, companyUpdateSchema, contactCreateSchema, contactUpdateSchema, listQuerySchema, parseApiInput } from './schemas.js';

export interface ApiDeps {
  apiKeys: ApiKeyService;
  contacts: ContactService;
  companies: CompanyService;
  magicLinks: MagicLinkService;
  limiter: RateLimiter;
  /** Requests per API key (API_RATE_LIMIT). */
  rateLimit: RateLimitRule;
  baseUrl: URL;
  logger: Logger;
}

export const API_BASE_PATH = '/api/v1';
const JSON_TYPES = ['application/json', 'application/*+json'];

export function apiRoutes(deps: ApiDeps): Router {
  const router = Router();
  const { contacts, companies, magicLinks } = deps;
  const document = buildOpenApiDocument(deps.baseUrl);

  // Answers carry directory data and one-time links: no cache may keep them.
  router.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });

  router.get('/openapi.json', (_req, res) => {
    res.json(document);
  });

  router.use(authenticate(deps));
  // Parsed only after authentication: nobody without a key makes the server read a body.
  router.use(express.json({ limit: '100kb', type: JSON_TYPES }));
  router.use(refuseControlCharacters);

  router.get('/contacts', async (req, res) => {
    const query = parseApiInput(listQuerySchema, req.query, 'query');
    res.json(presentPage(await contacts.list(query), presentContact));
  });

  router.get('/contacts/:id', async (req, res) => {
    res.json(presentContact(await contacts.get(contactId(req))));
  });

  router.post('/contacts', requireJson, async (req, res) => {
    const input = parseApiInput(contactCreateSchema, req.body ?? {});
    const created = await contacts.create(input, actorOf(req, res));
    res
      .status(201)
      .location(`${API_BASE_PATH}/contacts/${created.id}`)
      .json(presentContact(await contacts.get(created.id)));
  });

  router.patch('/contacts/:id', requireJson, async (req, res) => {
    const id = contactId(req);
    const change = parseApiInput(contactUpdateSchema, req.body ?? {});
    const current = await contacts.get(id);
    // The service takes the whole contact: fields not sent keep their values.
    if (Object.values(change).some((v) => v !== undefined)) {
      await contacts.update(
        id,
        {
          companyId: change.companyId ?? current.company_id,
          email: change.email ?? current.email,
          firstName: change.firstName ?? current.first_name,
          lastName: change.lastName ?? current.last_name,
          phone: change.phone === undefined ? current.phone : change.phone,
        },
        actorOf(req, res),
      );
    }
    res.json(presentContact(await contacts.get(id)));
  });

  router.post('/contacts/:id/disable', async (req, res) => {
    const id = contactId(req);
    await contacts.disable(id, actorOf(req, res));
    res.json(presentContact(await contacts.get(id)));
  });

  router.post('/contacts/:id/magic-link', async (req, res) => {
    const { ip, apiKey } = actorOf(req, res);
    const { link, expiresAt } = await magicLinks.generateForContact(contactId(req), null, ip, apiKey);
    res.status(201).json({ link, expiresAt: expiresAt.toISOString() });
  });

  router.get('/companies', async (req, res) => {
    const query = parseApiInput(listQuerySchema, req.query, 'query');
    res.json(presentPage(await companies.list(query), presentCompany));
  });

  // A name another company has in any upper/lower case is refused (422, fields.name names that company).
  router.post('/companies', requireJson, async (req, res) => {
    const input = parseApiInput(companyCreateSchema, req.body ?? {});
    const created = await companies.create(input, actorOf(req, res));
    res
      .status(201)
      .location(`${API_BASE_PATH}/companies/${created.id}`)
      .json(presentCompanyDetail(await companies.get(created.id)));
  });

  router.patch('/companies/:id', requireJson, async (req, res) => {
    const id = numericId(req, 'This company does not exist.');
    const change = parseApiInput(companyUpdateSchema, req.body ?? {});
    const current = await companies.get(id);
    if (change.name !== undefined || change.portalName !== undefined) {
      await companies.update(
        id,
        { name: change.name ?? current.name, portalName: change.portalName === undefined ? current.portal_name : change.portalName },
        actorOf(req, res),
      );
    }
    res.json(presentCompanyDetail(await companies.get(id)));
  });

  router.use(apiNotFound);
  router.use(apiErrorHandler(deps.logger));
  return router;
}

function authenticate(deps: Pick<ApiDeps, 'apiKeys' | 'limiter' | 'rateLimit'>) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization');
    if (!header) throw new UnauthorizedError('Send an API key in the header "Authorization: Bearer <key>".', false);
    const match = /^Bearer +(\S+) *$/i.exec(header);
    if (!match) throw new UnauthorizedError('The Authorization header must be "Bearer <key>".', true);
    const key = await deps.apiKeys.authenticate(match[1]!);
    if (!key) throw new UnauthorizedError('This API key is not valid or has been revoked.', true);
    await deps.limiter.consume('api-key', String(key.id), deps.rateLimit);
    res.locals.apiKey = key;
    next();
  };
}

// A body of another type is refused outright rather than read as "no fields".
function requireJson(req: Request, _res: Response, next: NextFunction): void {
  if (req.is(JSON_TYPES) === false) return next(new ApiError(415, 'unsupported_media_type', 'Send the body as JSON with "Content-Type: application/json".'));
  next();
}

function numericId(req: Request, notFound: string): number {
  const value = req.params.id;
  if (typeof value !== 'string' || !/^\d{1,9}$/.test(value)) throw new NotFoundError(notFound);
  return Number(value);
}

const contactId = (req: Request) => numericId(req, 'This contact does not exist.');

function actorOf(req: Request, res: Response) {
  const key = res.locals.apiKey as ApiKey;
  return { staffId: null, ip: req.ip ?? null, apiKey: { id: key.id, name: key.name } };
}
