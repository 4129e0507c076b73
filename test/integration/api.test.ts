// The User API (/api/v1): keys made, shown once and revoked in the console by an admin; bearer
// authentication; contacts (list, get, create, update, disable), companies with their domains, magic
// links; JSON errors with codes; paging; the per-key rate limit; and the OpenAPI document, checked
// against the routes the API router really registers.
import supertest from 'supertest';
import { apiRoutes } from '../../src/api/routes.js';
import { contactCreateSchema, contactUpdateSchema } from '../../src/api/schemas.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { clientAgent, confirmOnPage, postForm, staffAgent } from '../helpers/console.js';
import { createCompany, createContact } from '../helpers/factories.js';
import { csrfFrom } from '../helpers/http.js';

let t: TestApp;
type Agent = ReturnType<TestApp['agent']>;
let admin: Agent;
let key: string;

const keyFrom = (html: string) => /id="api-key" type="text" readonly value="(pk_[A-Za-z0-9_-]+)"/.exec(html)?.[1];

/** Creates a key through the console page, as an admin does, and returns it. */
async function createKey(name: string): Promise<string> {
  const answer = await postForm(admin, '/admin/api-keys', '/admin/api-keys', { name });
  expect(answer.status).toBe(200);
  expect(answer.headers['cache-control']).toBe('no-store');
  expect(answer.text).toContain('data-copy="#api-key"');
  return keyFrom(answer.text)!;
}

/** API calls with a key (null: without an Authorization header). */
const api = (k: string | null = key) => {
  const auth = (req: supertest.Test) => (k === null ? req : req.set('Authorization', `Bearer ${k}`));
  const client = supertest(t.app);
  return {
    get: (path: string) => auth(client.get(`/api/v1${path}`)),
    post: (path: string, body?: unknown) => {
      const req = auth(client.post(`/api/v1${path}`));
      return body === undefined ? req : req.send(body as object);
    },
    patch: (path: string, body?: unknown) => {
      const req = auth(client.patch(`/api/v1${path}`));
      return body === undefined ? req : req.send(body as object);
    },
  };
};

beforeAll(async () => {
  t = await startTestApp({ env: { SIGNIN_RATE_LIMIT_PER_IP: '10000/15m' } });
  admin = (await staffAgent(t, 'admin', 'Ada Admin')).agent;
  key = await createKey('PSA sync');
});
afterAll(async () => t.close());

describe('API keys in the console', () => {
  it('shows a new key once, lists it by name and prefix, and stores only a keyed hash', async () => {
    expect(key).toMatch(/^pk_[A-Za-z0-9_-]{43}$/);
    const page = await admin.get('/admin/api-keys');
    expect(page.status).toBe(200);
    expect(page.text).toContain('PSA sync');
    expect(page.text).toContain(key.slice(0, 11));
    expect(page.text).not.toContain(key);
    expect(page.text).toContain('by Ada Admin');

    const rows = await t.services.db('api_keys');
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toContain(key);
    expect(JSON.stringify(rows)).not.toContain(key.slice(11));
    const row = rows.find((r) => r.name === 'PSA sync');
    expect(row.prefix).toBe(key.slice(0, 11));
    expect(row.key_hash).not.toBe(key);
    const audit = await t.services
      .db('audit_events')
      .where({ action: 'api_key.created', subject_id: String(row.id) })
      .first();
    expect(audit).toMatchObject({ actor_type: 'staff' });
    expect(JSON.stringify(audit)).not.toContain(key);
  });

  it('refuses a key without a name, with the message beside the field', async () => {
    const res = await postForm(admin, '/admin/api-keys', '/admin/api-keys', { name: '  ' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('id="name-error"');
    expect(keyFrom(res.text)).toBeUndefined();
  });

  it('shows when a key was last used, writing it at most once a minute', async () => {
    const fresh = await createKey('Last use');
    const row = await t.services.db('api_keys').where({ name: 'Last use' }).first();
    expect((await admin.get('/admin/api-keys')).text).toContain(`data-last-used="${row.id}">never`);

    expect((await api(fresh).get('/companies')).status).toBe(200);
    const first = (await t.services.db('api_keys').where({ id: row.id }).first()).last_used_at;
    expect(first).not.toBeNull();
    const shown = new Date(first).toISOString().replace('T', ' ').slice(0, 16);
    expect((await admin.get('/admin/api-keys')).text).toContain(`data-last-used="${row.id}">${shown} UTC`);

    expect((await api(fresh).get('/companies')).status).toBe(200);
    expect((await t.services.db('api_keys').where({ id: row.id }).first()).last_used_at).toEqual(first);
    t.clock.advance(61_000);
    expect((await api(fresh).get('/companies')).status).toBe(200);
    expect((await t.services.db('api_keys').where({ id: row.id }).first()).last_used_at.getTime()).toBeGreaterThan(new Date(first).getTime());
  });

  it('revokes a key from the console: its next request is refused', async () => {
    const doomed = await createKey('Short-lived');
    expect((await api(doomed).get('/contacts')).status).toBe(200);
    const row = await t.services.db('api_keys').where({ name: 'Short-lived' }).first();
    const revoked = await confirmOnPage(admin, await postForm(admin, '/admin/api-keys', `/admin/api-keys/${row.id}/revoke`, {}));
    expect(revoked.status).toBe(303);
    expect(revoked.headers.location).toBe('/admin/api-keys');
    const page = await admin.get('/admin/api-keys');
    expect(page.text).toContain('Short-lived');
    expect(page.text).toContain('revoked');
    const res = await api(doomed).get('/contacts');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthorized');
    expect(
      await t.services
        .db('audit_events')
        .where({ action: 'api_key.revoked', subject_id: String(row.id) })
        .first(),
    ).toBeDefined();
    expect((await postForm(admin, '/admin/api-keys', '/admin/api-keys/999999/revoke', {})).status).toBe(404);
  });

  it('the service authenticates without HTTP and refuses what is not a key', async () => {
    const me = await t.services.db('staff').where({ name: 'Ada Admin' }).first();
    const { key: made, secret } = await t.services.apiKeys.create('Service level', { staffId: me.id });
    expect((await t.services.apiKeys.authenticate(secret))?.id).toBe(made.id);
    for (const wrong of ['', 'pk_', secret.slice(0, -1), secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A'), `${secret} `, secret.toUpperCase()]) {
      expect(await t.services.apiKeys.authenticate(wrong)).toBeUndefined();
    }
    await t.services.apiKeys.revoke(made.id, { staffId: me.id });
    expect(await t.services.apiKeys.authenticate(secret)).toBeUndefined();
  });
});

describe('authentication', () => {
  it.each([
    ['no Authorization header', null],
    ['an unknown key', 'pk_' + 'x'.repeat(43)],
    ['something that is not a key', 'hello'],
  ])('answers 401 JSON for %s', async (_name, sent) => {
    const res = await api(sent).get('/contacts');
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="portico"/);
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('refuses other schemes, and keys in the query string', async () => {
    expect(
      (
        await supertest(t.app)
          .get('/api/v1/contacts')
          .set('Authorization', `Basic ${Buffer.from(`x:${key}`).toString('base64')}`)
      ).status,
    ).toBe(401);
    expect((await supertest(t.app).get(`/api/v1/contacts?access_token=${key}`)).status).toBe(401);
  });

  it('accepts a valid key: JSON, no cookie, no CSRF token, no caching', async () => {
    const res = await api().post('/contacts', { companyId: 999999, email: 'x@nowhere.example' });
    expect(res.status).toBe(422); // got past authentication and CSRF to validation
    const list = await api().get('/contacts');
    expect(list.status).toBe(200);
    expect(list.headers['set-cookie']).toBeUndefined();
    expect(list.headers['cache-control']).toBe('no-store');
  });

  it('answers unknown API routes with a JSON 404, after authentication', async () => {
    const res = await api().get('/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
    expect((await api().post('/companies/1/merge', {})).status).toBe(404);
    expect((await api(null).get('/nothing-here')).status).toBe(401);
  });
});

describe('contacts', () => {
  let company: { id: number; name: string };
  beforeAll(async () => {
    company = await createCompany(t.services.db, { name: 'Contoso', domains: ['contoso-api.example'] });
  });

  it('creates a contact (201, Location) and records the API key in the audit log', async () => {
    const res = await api().post('/contacts', {
      companyId: company.id,
      email: ' Megan@Contoso-API.example ',
      firstName: 'Megan',
      lastName: 'Bowen',
      phone: '+1 555 0100',
    });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/api/v1/contacts/${res.body.id}`);
    expect(res.body).toEqual({
      id: expect.any(Number),
      companyId: company.id,
      companyName: 'Contoso',
      email: 'megan@contoso-api.example',
      firstName: 'Megan',
      lastName: 'Bowen',
      phone: '+1 555 0100',
      status: 'not_invited',
      psaContactId: null,
      lastSignInAt: null,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const audit = await t.services
      .db('audit_events')
      .where({ action: 'contact.created', subject_id: String(res.body.id) })
      .first();
    expect(audit).toMatchObject({ actor_type: 'system', actor_id: null, detail: expect.objectContaining({ apiKey: 'PSA sync' }) });
    expect((await api().get(`/contacts/${res.body.id}`)).body).toEqual(res.body);
  });

  it.each([
    ['a malformed address', { email: 'not-an-address' }, 'email'],
    ['no address', { email: undefined }, 'email'],
    ['a company id as text', { companyId: '1' }, 'companyId'],
    ['a company that does not exist', { companyId: 999999 }, 'companyId'],
    ['a name with a line break', { firstName: 'Evil\nBcc: x' }, 'firstName'],
    ['a phone number that is too long', { phone: '1'.repeat(41) }, 'phone'],
    ['an unknown field', { status: 'active' }, 'status'],
  ])('refuses %s with 422 and a message for the field', async (_name, change, field) => {
    const res = await api().post('/contacts', { companyId: company.id, email: `refused-${Date.now()}@contoso-api.example`, ...change });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.fields[field]).toEqual(expect.any(String));
    expect(res.body.error.message.length).toBeGreaterThan(0);
  });

  it('refuses a second contact with the same address in the company', async () => {
    const body = { companyId: company.id, email: 'dup@contoso-api.example' };
    expect((await api().post('/contacts', body)).status).toBe(201);
    const res = await api().post('/contacts', body);
    expect(res.status).toBe(422);
    expect(res.body.error.fields.email).toContain('already has a contact with this address');
  });

  it('refuses bodies that are not JSON objects', async () => {
    const broken = await api().post('/contacts').set('Content-Type', 'application/json').send('{"email": ');
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe('invalid_json');
    const form = await api()
      .post('/contacts')
      .type('form')
      .send({ companyId: String(company.id), email: 'form@contoso-api.example' });
    expect(form.status).toBe(415);
    expect(form.body.error.code).toBe('unsupported_media_type');
    const array = await api().post('/contacts', [{ companyId: company.id }]);
    expect(array.status).toBe(422);
    expect(array.body.error.fields).toEqual({ body: expect.any(String) });
    const big = await api().post('/contacts', { companyId: company.id, email: 'big@contoso-api.example', firstName: 'x'.repeat(110_000) });
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('payload_too_large');
  });

  it('gets one contact, and answers 404 for unknown ids', async () => {
    const contact = await createContact(t.services.db, { companyId: company.id, email: 'adele@contoso-api.example', firstName: 'Adele', lastName: 'Vance' });
    const res = await api().get(`/contacts/${contact.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: contact.id, email: 'adele@contoso-api.example', firstName: 'Adele', status: 'active', companyName: 'Contoso' });
    for (const id of ['999999', 'abc', '1.5', '99999999999']) {
      const missing = await api().get(`/contacts/${id}`);
      expect(missing.status).toBe(404);
      expect(missing.body.error.code).toBe('not_found');
    }
  });

  it('updates only the fields sent; phone null clears the phone', async () => {
    const created = (await api().post('/contacts', { companyId: company.id, email: 'lee@contoso-api.example', firstName: 'Lee', lastName: 'Gu', phone: '123' }))
      .body;
    const res = await api().patch(`/contacts/${created.id}`, { lastName: 'Gu-Smith' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ email: 'lee@contoso-api.example', firstName: 'Lee', lastName: 'Gu-Smith', phone: '123', companyId: company.id });
    expect((await api().patch(`/contacts/${created.id}`, { phone: null })).body.phone).toBeNull();
    expect((await api().patch(`/contacts/${created.id}`, {})).body.lastName).toBe('Gu-Smith');
    const other = await createCompany(t.services.db, { name: 'Fabrikam API' });
    const moved = await api().patch(`/contacts/${created.id}`, { companyId: other.id, email: 'LEE.GU@contoso-api.example' });
    expect(moved.body).toMatchObject({ companyId: other.id, companyName: 'Fabrikam API', email: 'lee.gu@contoso-api.example' });
    const audit = await t.services.db('audit_events').where({ action: 'contact.updated', subject_id: String(created.id) });
    expect(audit.every((e) => e.actor_type === 'system' && e.detail.apiKey === 'PSA sync')).toBe(true);

    expect((await api().patch('/contacts/999999', { lastName: 'X' })).status).toBe(404);
    const bad = await api().patch(`/contacts/${created.id}`, { email: 'nope', lastname: 'typo' });
    expect(bad.status).toBe(422);
    expect(Object.keys(bad.body.error.fields).sort()).toEqual(['email', 'lastname']);
  });

  it('disables a contact: their sessions end and they cannot sign in', async () => {
    const { agent: client, contact } = await clientAgent(t, company.id);
    expect((await client.get('/')).status).toBe(200);
    const res = await api().post(`/contacts/${contact.id}/disable`);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('disabled');
    expect((await client.get('/')).status).toBe(303);
    expect((await api().post('/contacts/999999/disable')).status).toBe(404);
    const audit = await t.services
      .db('audit_events')
      .where({ action: 'contact.disabled', subject_id: String(contact.id) })
      .first();
    expect(audit).toMatchObject({ actor_type: 'system', detail: expect.objectContaining({ apiKey: 'PSA sync', sessionsEnded: 1 }) });
  });

  it('makes a one-time magic link that signs the contact in', async () => {
    const contact = await createContact(t.services.db, {
      companyId: company.id,
      email: `magic-${Date.now()}@contoso-api.example`,
      firstName: 'Mag',
      lastName: 'Ic',
    });
    const res = await api().post(`/contacts/${contact.id}/magic-link`);
    expect(res.status).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({ link: expect.any(String), expiresAt: expect.any(String) });
    expect(new Date(res.body.expiresAt).getTime()).toBeGreaterThan(t.clock.now().getTime());
    const link = new URL(res.body.link);
    expect(link.origin + link.pathname).toBe('http://portal.test.example/signin/magic');

    const browser = t.agent();
    const confirm = await browser.get(link.pathname + link.search);
    expect(confirm.text).toContain(`as ${contact.email}?`);
    const done = await browser
      .post(link.pathname)
      .type('form')
      .send({ _csrf: csrfFrom(confirm.text), token: link.searchParams.get('token') });
    expect(done.status).toBe(303);
    expect((await browser.get('/')).text).toContain('Mag Ic');
    const again = await supertest(t.app).get(link.pathname + link.search);
    // To the sign-in page, which says the link was used and has the form to ask for a mail.
    expect([again.status, again.headers.location]).toEqual([303, '/signin?link=used']);

    const audit = await t.services
      .db('audit_events')
      .where({ action: 'magic_link.generated', subject_id: String(contact.id) })
      .first();
    expect(audit).toMatchObject({ actor_type: 'system', actor_id: null, detail: expect.objectContaining({ apiKey: 'PSA sync' }) });
  });

  it('refuses a magic link for a disabled or unknown contact', async () => {
    const disabled = await createContact(t.services.db, { companyId: company.id, email: `off-${Date.now()}@contoso-api.example`, status: 'disabled' });
    const conflict = await api().post(`/contacts/${disabled.id}/magic-link`);
    expect(conflict.status).toBe(409);
    expect(conflict.body.error).toEqual({ code: 'conflict', message: expect.stringContaining('disabled') });
    expect((await api().post('/contacts/999999/magic-link')).body.error.code).toBe('not_found');
  });

  it('lists contacts in pages, searched with q', async () => {
    const paged = await createCompany(t.services.db, { name: 'Pagination Partners' });
    for (let i = 0; i < 23; i++)
      await createContact(t.services.db, {
        companyId: paged.id,
        email: `p${String(i).padStart(2, '0')}@pagination.example`,
        lastName: `Paged${String(i).padStart(2, '0')}`,
      });
    const first = await api().get('/contacts?q=pagination&pageSize=10');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ page: 1, pageSize: 10, total: 23 });
    expect(first.body.data).toHaveLength(10);
    expect(first.body.data[0].lastName).toBe('Paged00');
    const third = await api().get('/contacts?q=pagination&pageSize=10&page=3');
    expect(third.body.data.map((c: { lastName: string }) => c.lastName)).toEqual(['Paged20', 'Paged21', 'Paged22']);
    expect((await api().get('/contacts?q=pagination&pageSize=10&page=4')).body).toMatchObject({ data: [], total: 23 });
    expect((await api().get('/contacts?q=pagination')).body.pageSize).toBe(25);
    expect((await api().get('/contacts?q=pagination&pageSize=100')).body.data).toHaveLength(23);
  });

  it.each([
    ['pageSize=101', 'pageSize'],
    ['pageSize=0', 'pageSize'],
    ['page=0', 'page'],
    ['page=abc', 'page'],
    ['page=1&page=2', 'page'],
  ])('refuses ?%s with 422', async (query, field) => {
    const res = await api().get(`/contacts?${query}`);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('validation_failed');
    expect(Object.keys(res.body.error.fields)).toEqual([field]);
  });
});

describe('companies', () => {
  it('lists companies with their domains, in pages, searched by name or domain', async () => {
    const company = await createCompany(t.services.db, {
      name: 'Northwind API',
      domains: ['northwind-api.example', 'mail.northwind-api.example'],
      portalName: 'Northwind Help',
    });
    await createContact(t.services.db, { companyId: company.id });
    const byDomain = await api().get('/companies?q=northwind-api.example');
    expect(byDomain.status).toBe(200);
    expect(byDomain.body).toMatchObject({ page: 1, pageSize: 25, total: 1 });
    expect(byDomain.body.data[0]).toEqual({
      id: company.id,
      name: 'Northwind API',
      portalName: 'Northwind Help',
      psaCompanyId: null,
      domains: ['mail.northwind-api.example', 'northwind-api.example'],
      contactCount: 1,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const all = await api().get('/companies?pageSize=2');
    expect(all.body.data).toHaveLength(2);
    expect(all.body.total).toBeGreaterThan(2);
    expect((await api().get('/companies?pageSize=500')).status).toBe(422);
  });
});

describe('the OpenAPI document', () => {
  type Doc = {
    openapi: string;
    servers: Array<{ url: string }>;
    paths: Record<string, Record<string, unknown>>;
    components: Record<string, Record<string, unknown>>;
  };
  const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
  let doc: Doc;
  beforeAll(async () => {
    const res = await supertest(t.app).get('/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers['set-cookie']).toBeUndefined();
    doc = res.body;
  });

  const resolve = (value: unknown): Record<string, unknown> => {
    const r = (value as { $ref?: string }).$ref;
    if (!r) return value as Record<string, unknown>;
    const [, , section, name] = r.split('/');
    const target = doc.components[section!]?.[name!];
    if (!target) throw new Error(`unresolved ${r}`);
    return target as Record<string, unknown>;
  };

  it('is served without a key, as OpenAPI 3.1 with a bearer scheme', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers[0]!.url).toBe('http://portal.test.example/api/v1');
    expect(doc.components.securitySchemes!.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('describes exactly the routes the API router registers', () => {
    const router = apiRoutes({
      apiKeys: t.services.apiKeys,
      contacts: t.services.contacts,
      companies: t.services.companies,
      magicLinks: t.services.magicLinks,
      limiter: t.services.rateLimiter,
      rateLimit: t.config.rateLimits.apiPerKey,
      baseUrl: t.config.baseUrl,
      logger: t.services.logger,
    });
    type Layer = { route?: { path: string; methods: Record<string, boolean> } };
    const registered = (router.stack as Layer[])
      .filter((layer) => layer.route)
      .flatMap((layer) => Object.keys(layer.route!.methods).map((m) => `${m.toUpperCase()} ${layer.route!.path.replace(/:(\w+)/g, '{$1}')}`))
      .sort();
    const documented = Object.entries(doc.paths)
      .flatMap(([path, item]) =>
        Object.keys(item)
          .filter((k) => METHODS.includes(k))
          .map((m) => `${m.toUpperCase()} ${path}`),
      )
      .sort();
    expect(registered.length).toBeGreaterThanOrEqual(8);
    expect(documented).toEqual(registered);
  });

  it('declares every path parameter, every $ref resolves, and every operation but the document needs the key', () => {
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item).filter(([k]) => METHODS.includes(k)) as Array<[string, Record<string, unknown>]>) {
        const params = [...((item.parameters as unknown[]) ?? []), ...((op.parameters as unknown[]) ?? [])].map(resolve);
        const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        expect(params.filter((p) => p.in === 'path').map((p) => p.name)).toEqual(inPath);
        for (const response of Object.values(op.responses as Record<string, unknown>)) resolve(response);
        if (op.requestBody) resolve((op.requestBody as { content: Record<string, { schema: unknown }> }).content['application/json']!.schema);
        expect(op.security === undefined || (path === '/openapi.json' && method === 'get')).toBe(true);
      }
    }
    expect(
      JSON.stringify(doc)
        .match(/"\$ref":"[^"]+"/g)!
        .every((r) => resolve(JSON.parse(`{${r}}`))),
    ).toBe(true);
  });

  it('names the fields the request schemas accept, and the fields the answers carry', async () => {
    const schemas = doc.components.schemas as Record<string, { properties: Record<string, unknown>; required?: string[] }>;
    expect(Object.keys(schemas.ContactCreate!.properties).sort()).toEqual(Object.keys(contactCreateSchema.shape).sort());
    expect(schemas.ContactCreate!.required!.sort()).toEqual(
      Object.entries(contactCreateSchema.shape)
        .filter(([, s]) => !s.isOptional())
        .map(([k]) => k)
        .sort(),
    );
    expect(Object.keys(schemas.ContactUpdate!.properties).sort()).toEqual(Object.keys(contactUpdateSchema.shape).sort());

    const list = (await api().get('/contacts?pageSize=1')).body;
    expect(Object.keys(list).sort()).toEqual(Object.keys(schemas.ContactPage!.properties).sort());
    expect(Object.keys(list.data[0]).sort()).toEqual(Object.keys(schemas.Contact!.properties).sort());
    expect(schemas.Contact!.required!.sort()).toEqual(Object.keys(list.data[0]).sort());
    const companies = (await api().get('/companies?pageSize=1')).body;
    expect(Object.keys(companies.data[0]).sort()).toEqual(Object.keys(schemas.Company!.properties).sort());
    const error = (await api().get('/contacts?page=0')).body;
    expect(Object.keys(error.error).every((k) => k in (schemas.Error!.properties.error as { properties: object }).properties)).toBe(true);
  });
});

describe('rate limit per API key', () => {
  let limited: TestApp;
  beforeAll(async () => {
    limited = await startTestApp({ env: { API_RATE_LIMIT: '3/15m' } });
  });
  afterAll(async () => limited.close());

  it('answers 429 with Retry-After once a key has used its requests; other keys go on', async () => {
    const member = await limited.services.staff.create({ email: 'limits@msp.example', name: 'Lim Its', role: 'admin' });
    const busy = (await limited.services.apiKeys.create('Busy', { staffId: member.id })).secret;
    const calm = (await limited.services.apiKeys.create('Calm', { staffId: member.id })).secret;
    const call = (k: string) => supertest(limited.app).get('/api/v1/companies').set('Authorization', `Bearer ${k}`);
    for (let i = 0; i < 3; i++) expect((await call(busy)).status).toBe(200);
    const refused = await call(busy);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('rate_limited');
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(900);
    expect((await call(calm)).status).toBe(200);
    // Requests without a valid key are refused before they count against anyone.
    expect((await supertest(limited.app).get('/api/v1/companies')).status).toBe(401);
  });
});
