// The OpenAPI 3.1 description of the User API, served at /api/v1/openapi.json. Written out by hand
// so it reads like documentation; test/integration/api.test.ts checks that its paths and methods are
// exactly the routes registered in routes.ts, and that its request bodies name the fields the zod
// schemas in schemas.ts accept.
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './schemas.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ 'application/json': { schema } });
const response = (name: string) => ({ $ref: `#/components/responses/${name}` });
const param = (name: string) => ({ $ref: `#/components/parameters/${name}` });

const nullableString = { type: ['string', 'null'] };
const dateTime = { type: 'string', format: 'date-time' };
const nullableDateTime = { type: ['string', 'null'], format: 'date-time' };
const text = (maxLength: number, description?: string) => ({ type: 'string', maxLength, ...(description ? { description } : {}) });

const STATUS_OF: Record<string, string> = {
  BadRequest: '400',
  Unauthorized: '401',
  NotFound: '404',
  Conflict: '409',
  UnsupportedMediaType: '415',
  ValidationFailed: '422',
  RateLimited: '429',
};
/** The error answers of an operation, by the names in components.responses. */
const errors = (...names: string[]) => Object.fromEntries(names.map((n) => [STATUS_OF[n]!, response(n)]));
const ALWAYS = ['Unauthorized', 'RateLimited'];

export function buildOpenApiDocument(baseUrl: URL) {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Portico User API',
      version: '1.0.0',
      description:
        'Contacts, companies and one-time sign-in links of a Portico client portal. Every request but this document needs an API key, ' +
        'created by an admin in the console (/admin/api-keys), sent as "Authorization: Bearer <key>". Errors are JSON: ' +
        '{"error": {"code", "message", "fields"?}}. Lists are paged with page and pageSize (at most 100). Requests are rate-limited per key; ' +
        'a 429 answer carries Retry-After.',
    },
    servers: [{ url: new URL('/api/v1', baseUrl).toString() }],
    security: [{ bearerAuth: [] }],
    tags: [{ name: 'Contacts' }, { name: 'Companies' }, { name: 'Meta' }],
    paths: {
      '/openapi.json': {
        get: {
          tags: ['Meta'],
          operationId: 'getOpenApiDocument',
          summary: 'This document (no API key needed)',
          security: [],
          responses: { '200': { description: 'The OpenAPI document', content: json({ type: 'object' }) } },
        },
      },
      '/contacts': {
        get: {
          tags: ['Contacts'],
          operationId: 'listContacts',
          summary: 'List contacts, optionally searched by name, email or company',
          parameters: [param('q'), param('page'), param('pageSize')],
          responses: { '200': { description: 'A page of contacts', content: json(ref('ContactPage')) }, ...errors('ValidationFailed', ...ALWAYS) },
        },
        post: {
          tags: ['Contacts'],
          operationId: 'createContact',
          summary: 'Create a contact (status "not_invited" until invited, "invited" until the first sign-in)',
          requestBody: { required: true, content: json(ref('ContactCreate')) },
          responses: {
            '201': {
              description: 'The new contact',
              headers: { Location: { description: "The contact's URL", schema: { type: 'string' } } },
              content: json(ref('Contact')),
            },
            ...errors('BadRequest', 'UnsupportedMediaType', 'ValidationFailed', ...ALWAYS),
          },
        },
      },
      '/contacts/{id}': {
        parameters: [param('id')],
        get: {
          tags: ['Contacts'],
          operationId: 'getContact',
          summary: 'Get one contact',
          responses: { '200': { description: 'The contact', content: json(ref('Contact')) }, ...errors('NotFound', ...ALWAYS) },
        },
        patch: {
          tags: ['Contacts'],
          operationId: 'updateContact',
          summary: "Change some of a contact's fields; fields not sent keep their values",
          requestBody: { required: true, content: json(ref('ContactUpdate')) },
          responses: {
            '200': { description: 'The contact as saved', content: json(ref('Contact')) },
            ...errors('BadRequest', 'NotFound', 'UnsupportedMediaType', 'ValidationFailed', ...ALWAYS),
          },
        },
      },
      '/contacts/{id}/disable': {
        parameters: [param('id')],
        post: {
          tags: ['Contacts'],
          operationId: 'disableContact',
          summary: 'Disable a contact: their sessions end and they can no longer sign in',
          responses: { '200': { description: 'The contact, now disabled', content: json(ref('Contact')) }, ...errors('NotFound', ...ALWAYS) },
        },
      },
      '/contacts/{id}/magic-link': {
        parameters: [param('id')],
        post: {
          tags: ['Contacts'],
          operationId: 'createMagicLink',
          summary: 'Create a one-time sign-in link for a contact (shown only in this answer)',
          responses: {
            '201': { description: 'The link and when it expires', content: json(ref('MagicLink')) },
            ...errors('NotFound', 'Conflict', ...ALWAYS),
          },
        },
      },
      '/companies': {
        get: {
          tags: ['Companies'],
          operationId: 'listCompanies',
          summary: 'List companies with their email domains, optionally searched by name or domain',
          parameters: [param('q'), param('page'), param('pageSize')],
          responses: { '200': { description: 'A page of companies', content: json(ref('CompanyPage')) }, ...errors('ValidationFailed', ...ALWAYS) },
        },
        post: {
          tags: ['Companies'],
          operationId: 'createCompany',
          summary: 'Create a company; a name another company has in any upper/lower case is refused, naming that company',
          requestBody: { required: true, content: json(ref('CompanyCreate')) },
          responses: {
            '201': {
              description: 'The new company',
              headers: { Location: { description: "The company's URL", schema: { type: 'string' } } },
              content: json(ref('Company')),
            },
            ...errors('BadRequest', 'UnsupportedMediaType', 'ValidationFailed', ...ALWAYS),
          },
        },
      },
      '/companies/{id}': {
        parameters: [param('companyId')],
        patch: {
          tags: ['Companies'],
          operationId: 'updateCompany',
          summary: 'Rename a company or change its portal name; fields not sent keep their values',
          requestBody: { required: true, content: json(ref('CompanyUpdate')) },
          responses: {
            '200': { description: 'The company as saved', content: json(ref('Company')) },
            ...errors('BadRequest', 'NotFound', 'UnsupportedMediaType', 'ValidationFailed', ...ALWAYS),
          },
        },
      },
    },
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key from the console (/admin/api-keys), "pk_" and 43 characters.' },
      },
      parameters: {
        id: { name: 'id', in: 'path', required: true, description: "The contact's id", schema: { type: 'integer', minimum: 1 } },
        companyId: { name: 'id', in: 'path', required: true, description: "The company's id", schema: { type: 'integer', minimum: 1 } },
        q: { name: 'q', in: 'query', required: false, description: 'Search text', schema: { type: 'string', maxLength: 200 } },
        page: { name: 'page', in: 'query', required: false, description: 'Page number, from 1', schema: { type: 'integer', minimum: 1, default: 1 } },
        pageSize: {
          name: 'pageSize',
          in: 'query',
          required: false,
          description: 'Items per page',
          schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE },
        },
      },
      schemas: {
        Contact: {
          type: 'object',
          required: [
            'id',
            'companyId',
            'companyName',
            'email',
            'firstName',
            'lastName',
            'phone',
            'status',
            'psaContactId',
            'lastSignInAt',
            'createdAt',
            'updatedAt',
          ],
          properties: {
            id: { type: 'integer' },
            companyId: { type: 'integer' },
            companyName: { type: 'string' },
            email: { type: 'string', format: 'email', description: 'Lower case' },
            firstName: { type: 'string' },
            lastName: { type: 'string' },
            phone: nullableString,
            status: {
              type: 'string',
              enum: ['not_invited', 'invited', 'active', 'disabled'],
              description: 'not_invited: may sign in, but no invitation was sent yet; invited: invited, not signed in yet',
            },
            psaContactId: { ...nullableString, description: "The contact's id in the PSA, when linked" },
            lastSignInAt: nullableDateTime,
            createdAt: dateTime,
            updatedAt: dateTime,
          },
        },
        ContactCreate: {
          type: 'object',
          additionalProperties: false,
          required: ['companyId', 'email'],
          properties: {
            companyId: { type: 'integer', minimum: 1 },
            email: { type: 'string', format: 'email', maxLength: 254, description: 'Unique within the company' },
            firstName: text(100, 'No line breaks, < or >'),
            lastName: text(100, 'No line breaks, < or >'),
            phone: { type: ['string', 'null'], maxLength: 40 },
          },
        },
        ContactUpdate: {
          type: 'object',
          additionalProperties: false,
          description: 'Only the fields sent change; phone null or "" clears the phone.',
          properties: {
            companyId: { type: 'integer', minimum: 1 },
            email: { type: 'string', format: 'email', maxLength: 254 },
            firstName: text(100),
            lastName: text(100),
            phone: { type: ['string', 'null'], maxLength: 40 },
          },
        },
        ContactPage: page('Contact'),
        Company: {
          type: 'object',
          required: ['id', 'name', 'portalName', 'psaCompanyId', 'domains', 'contactCount', 'createdAt', 'updatedAt'],
          properties: {
            id: { type: 'integer' },
            name: { type: 'string' },
            portalName: { ...nullableString, description: "The company's own portal name, when set" },
            psaCompanyId: nullableString,
            domains: { type: 'array', items: { type: 'string' }, description: 'Email domains, normalized (lower case, punycode)' },
            contactCount: { type: 'integer' },
            createdAt: dateTime,
            updatedAt: dateTime,
          },
        },
        CompanyCreate: {
          type: 'object',
          additionalProperties: false,
          required: ['name'],
          properties: {
            name: text(200, 'Unique regardless of upper/lower case; white space is trimmed and collapsed'),
            portalName: { type: ['string', 'null'], maxLength: 100 },
          },
        },
        CompanyUpdate: {
          type: 'object',
          additionalProperties: false,
          properties: { name: text(200, 'Unique regardless of upper/lower case'), portalName: { type: ['string', 'null'], maxLength: 100 } },
        },
        CompanyPage: page('Company'),
        MagicLink: {
          type: 'object',
          required: ['link', 'expiresAt'],
          properties: {
            link: { type: 'string', format: 'uri', description: 'Single use; opens a confirm page that signs the contact in' },
            expiresAt: dateTime,
          },
        },
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: {
                  type: 'string',
                  enum: [
                    'bad_request',
                    'invalid_json',
                    'unauthorized',
                    'forbidden',
                    'not_found',
                    'conflict',
                    'payload_too_large',
                    'unsupported_media_type',
                    'validation_failed',
                    'rate_limited',
                    'internal_error',
                  ],
                },
                message: { type: 'string' },
                fields: { type: 'object', additionalProperties: { type: 'string' }, description: 'With validation_failed: one message per field' },
              },
            },
          },
        },
      },
      responses: {
        BadRequest: { description: 'The body is not valid JSON (invalid_json)', content: json(ref('Error')) },
        Unauthorized: {
          description: 'No API key, or one that is not valid or revoked (unauthorized)',
          headers: { 'WWW-Authenticate': { schema: { type: 'string' } } },
          content: json(ref('Error')),
        },
        NotFound: { description: 'No such contact (not_found)', content: json(ref('Error')) },
        Conflict: { description: "Not possible in the contact's state, e.g. disabled, or magic links turned off (conflict)", content: json(ref('Error')) },
        UnsupportedMediaType: { description: 'The body is not JSON (unsupported_media_type)', content: json(ref('Error')) },
        ValidationFailed: { description: 'Fields with unacceptable values, each named in error.fields (validation_failed)', content: json(ref('Error')) },
        RateLimited: {
          description: 'Too many requests with this key (rate_limited)',
          headers: { 'Retry-After': { description: 'Seconds until requests are accepted again', schema: { type: 'integer' } } },
          content: json(ref('Error')),
        },
      },
    },
  };
}

function page(item: string) {
  return {
    type: 'object',
    required: ['data', 'page', 'pageSize', 'total'],
    properties: {
      data: { type: 'array', items: ref(item) },
      page: { type: 'integer' },
      pageSize: { type: 'integer' },
      total: { type: 'integer', description: 'Items in all pages' },
    },
  };
}
