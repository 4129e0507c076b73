// The Autotask adapter against a loopback server that speaks Autotask's REST API 1.0: zone lookup,
// header auth, JSON filters, nextPageUrl paging, child-collection create, errors, 429 and timeouts.
import { createAutotaskAdapter, type AutotaskAdapterOptions } from '../../src/psa/autotask/adapter.js';
import { PsaError } from '../../src/psa/types.js';
import { startFakeAutotask, type FakeAutotask, type FakeAutotaskContact } from '../fakes/autotask.js';

const creds = { username: 'api-user@msp.example', secret: 'correct-horse', integrationCode: 'INTEGRATION-CODE-1' };

let fake: FakeAutotask;

const contact = (c: Partial<FakeAutotaskContact> & { id: number }): FakeAutotaskContact => ({
  companyID: 10,
  firstName: 'First',
  lastName: `Last${c.id}`,
  emailAddress: null,
  emailAddress2: null,
  emailAddress3: null,
  phone: null,
  isActive: 1,
  ...c,
});

/** An adapter on the fake's zone as configured (no lookup), with fast backoff so retry tests stay quick. */
const adapter = (overrides: Partial<typeof creds> = {}, options: AutotaskAdapterOptions = {}) =>
  createAutotaskAdapter({ provider: 'autotask', url: fake.url, ...creds, ...overrides }, { backoffMs: 10, zoneLookupUrl: fake.zoneLookupUrl, ...options });

const calls = (method: string, pathEnd: RegExp) => fake.requests.filter((r) => r.method === method && pathEnd.test(r.path));

beforeEach(async () => {
  fake = await startFakeAutotask(creds);
  fake.companies.push({ id: 10, companyName: 'Acme Corp' }, { id: 11, companyName: 'Acme Labs' }, { id: 12, companyName: 'Globex' });
});
afterEach(async () => fake.close());

describe('zone', () => {
  it('looks the zone up once, by user name, and sends API calls to the zone it was given', async () => {
    fake.contacts.push(contact({ id: 1, emailAddress: 'a@x.example' }));
    const at = createAutotaskAdapter({ provider: 'autotask', url: undefined, ...creds }, { zoneLookupUrl: fake.zoneLookupUrl });
    await Promise.all([at.findContactsByEmail('a@x.example'), at.getCompany('10')]);
    expect((await at.findContactsByEmail('a@x.example')).map((c) => c.id)).toEqual(['1']);

    const lookups = fake.requests.filter((r) => /zoneinformation$/i.test(r.path));
    expect(lookups).toHaveLength(1);
    expect(lookups[0].path).toBe('/global/atservicesrest/v1.0/zoneInformation');
    expect(lookups[0].query.user).toBe(creds.username);
    // Everything else went to the zone URL the lookup returned (not the lookup's own prefix), under v1.0.
    const apiCalls = fake.requests.filter((r) => r !== lookups[0]);
    expect(apiCalls).toHaveLength(3);
    for (const r of apiCalls) expect(r.path).toMatch(/^\/atservicesrest\/v1\.0\//);
  });

  it('skips the lookup when the zone URL is configured', async () => {
    const at = adapter();
    expect(await at.getCompany('10')).toEqual({ id: '10', name: 'Acme Corp', active: true });
    expect(fake.requests.some((r) => /zoneinformation/i.test(r.path))).toBe(false);
    expect(fake.requests.map((r) => r.path)).toEqual(['/atservicesrest/v1.0/Companies/10']);
  });

  it('reports a failed lookup as a PsaError and tries again on the next call', async () => {
    const at = createAutotaskAdapter({ provider: 'autotask', url: undefined, ...creds }, { zoneLookupUrl: fake.zoneLookupUrl, retries: 0 });
    fake.failNext({ status: 503 });
    await expect(at.getCompany('10')).rejects.toThrow(PsaError);
    expect(await at.getCompany('10')).toEqual({ id: '10', name: 'Acme Corp', active: true });
    expect(fake.requests.filter((r) => /zoneinformation$/i.test(r.path))).toHaveLength(2);
  });
});

describe('auth headers', () => {
  it('sends ApiIntegrationCode, UserName and Secret on every API call', async () => {
    await adapter().searchCompanies('acme');
    const [r] = fake.requests;
    expect(r.headers['apiintegrationcode']).toBe(creds.integrationCode);
    expect(r.headers['username']).toBe(creds.username);
    expect(r.headers['secret']).toBe(creds.secret);
  });

  it('turns a wrong secret (401) into a PsaError carrying Autotask’s message', async () => {
    const error = await adapter({ secret: 'wrong' })
      .findContactsByEmail('a@x.example')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PsaError);
    expect((error as PsaError).status).toBe(401);
    expect((error as PsaError).message).toContain('User is not authenticated');
    // Auth failures are not transient: one attempt only.
    expect(fake.requests).toHaveLength(1);
  });
});

describe('findContactsByEmail', () => {
  it('finds by emailAddress2 case-insensitively and sends the documented filter', async () => {
    fake.contacts.push(
      contact({
        id: 1,
        companyID: 11,
        firstName: 'Pat',
        lastName: 'Two',
        emailAddress: 'pat@home.example',
        emailAddress2: 'Pat.Two@Contoso.Example',
        phone: '555-0101',
        isActive: 0,
      }),
      contact({ id: 2, emailAddress: 'someone.else@contoso.example' }),
    );
    const found = await adapter().findContactsByEmail('PAT.two@contoso.example');
    expect(found).toEqual([
      { id: '1', companyId: '11', firstName: 'Pat', lastName: 'Two', email: 'pat.two@contoso.example', phone: '555-0101', active: false },
    ]);

    const [query] = calls('POST', /\/v1\.0\/Contacts\/query$/);
    expect(query.body).toEqual({
      filter: [
        {
          op: 'or',
          items: [
            { op: 'eq', field: 'emailAddress', value: 'PAT.two@contoso.example' },
            { op: 'eq', field: 'emailAddress2', value: 'PAT.two@contoso.example' },
            { op: 'eq', field: 'emailAddress3', value: 'PAT.two@contoso.example' },
          ],
        },
      ],
    });
  });

  it('maps isActive 1 to active and an empty phone to null', async () => {
    fake.contacts.push(contact({ id: 5, emailAddress3: 'third@x.example', phone: '', isActive: 1 }));
    const [c] = await adapter().findContactsByEmail('third@x.example');
    expect(c).toMatchObject({ id: '5', email: 'third@x.example', phone: null, active: true });
  });

  it('follows nextPageUrl with GET until the last page', async () => {
    fake.pageSize = 2;
    for (let id = 1; id <= 5; id++) fake.contacts.push(contact(id % 2 ? { id, emailAddress: 'shared@x.example' } : { id, emailAddress2: 'Shared@X.example' }));
    fake.contacts.push(contact({ id: 6, emailAddress: 'other@x.example' }));

    const found = await adapter().findContactsByEmail('shared@x.example');
    expect(found.map((c) => c.id)).toEqual(['1', '2', '3', '4', '5']);
    expect(calls('POST', /\/Contacts\/query$/)).toHaveLength(1);
    const next = calls('GET', /\/Contacts\/query\/next$/);
    expect(next).toHaveLength(2);
    expect(next[0].query.paging).toBeDefined();
  });

  it('stops following pages at the cap', async () => {
    fake.pageSize = 1;
    for (let id = 1; id <= 15; id++) fake.contacts.push(contact({ id, emailAddress: 'many@x.example' }));
    const found = await adapter().findContactsByEmail('many@x.example');
    expect(found).toHaveLength(10);
    expect(fake.requests).toHaveLength(10);
  });

  it('does not follow a next-page link to another host (the credentials would go with it)', async () => {
    fake.failNext({
      status: 200,
      body: {
        items: [contact({ id: 1, emailAddress: 'p@x.example' })],
        pageDetails: { count: 1, requestCount: 1, prevPageUrl: null, nextPageUrl: 'http://evil.example/atservicesrest/V1.0/Contacts/query/next' },
      },
    });
    await expect(adapter().findContactsByEmail('p@x.example')).rejects.toThrow(/leaves the API host/);
  });
});

describe('companies', () => {
  it('gets a company by id, and undefined for a missing or non-numeric id', async () => {
    const at = adapter();
    expect(await at.getCompany('12')).toEqual({ id: '12', name: 'Globex', active: true });
    expect(await at.getCompany('999')).toBeUndefined();
    expect(await at.getCompany('abc')).toBeUndefined();
    expect(fake.requests.map((r) => r.path)).toEqual(['/atservicesrest/v1.0/Companies/12', '/atservicesrest/v1.0/Companies/999']);
  });

  it('treats a 404 as absent', async () => {
    fake.failNext({ status: 404, body: { errors: ['Not found'] } });
    expect(await adapter().getCompany('10')).toBeUndefined();
  });

  it('searches by name with contains and MaxRecords = limit', async () => {
    const at = adapter();
    expect(await at.searchCompanies('ACME')).toEqual([
      { id: '10', name: 'Acme Corp', active: true },
      { id: '11', name: 'Acme Labs', active: true },
    ]);
    expect(await at.searchCompanies('acme', 1)).toEqual([{ id: '10', name: 'Acme Corp', active: true }]);
    const queries = calls('POST', /\/v1\.0\/Companies\/query$/);
    expect(queries[1].body).toEqual({ filter: [{ op: 'contains', field: 'companyName', value: 'acme' }], MaxRecords: 1 });
    // One page answered the limit: no next page was fetched.
    expect(calls('GET', /query\/next$/)).toHaveLength(0);
  });
});

describe('createContact', () => {
  it('POSTs to Companies/{id}/Contacts and returns the new contact', async () => {
    const created = await adapter().createContact({
      companyId: '11',
      firstName: 'New',
      lastName: 'Person',
      email: 'New.Person@Labs.Example',
      phone: '555-0199',
    });
    const stored = fake.contacts.find((c) => String(c.id) === created.id);
    expect(stored).toMatchObject({
      companyID: 11,
      firstName: 'New',
      lastName: 'Person',
      emailAddress: 'New.Person@Labs.Example',
      phone: '555-0199',
      isActive: 1,
    });
    expect(created).toEqual({
      id: String(stored!.id),
      companyId: '11',
      firstName: 'New',
      lastName: 'Person',
      email: 'new.person@labs.example',
      phone: '555-0199',
      active: true,
    });
    const [post] = calls('POST', /Contacts$/);
    expect(post.path).toBe('/atservicesrest/v1.0/Companies/11/Contacts');
    expect(post.body).toEqual({ companyID: 11, firstName: 'New', lastName: 'Person', emailAddress: 'New.Person@Labs.Example', phone: '555-0199', isActive: 1 });
  });

  it('does not retry a create that got a 500', async () => {
    fake.failNext({ status: 500, times: 3, body: { errors: ['Something went wrong on our side'] } });
    const error = await adapter()
      .createContact({ companyId: '10', firstName: 'A', lastName: 'B', email: 'a@b.example' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PsaError);
    expect((error as PsaError).status).toBe(500);
    expect((error as PsaError).message).toContain('Something went wrong on our side');
    expect(calls('POST', /\/Companies\/10\/Contacts$/)).toHaveLength(1);
    expect(fake.contacts).toHaveLength(0);
  });
});

describe('updateContactNames', () => {
  it('reads the contact for its company, then PATCHes Companies/{companyID}/Contacts with only the names', async () => {
    fake.contacts.push(
      contact({ id: 7, companyID: 11, firstName: 'Old', lastName: 'Name', emailAddress: 'pat@labs.example', phone: '555-0101' }),
      contact({ id: 8, companyID: 11 }),
    );

    await adapter().updateContactNames('7', { firstName: 'Pat', lastName: 'Smith-Jones' });

    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /atservicesrest/v1.0/Contacts/7',
      'PATCH /atservicesrest/v1.0/Companies/11/Contacts',
    ]);
    expect(fake.requests[1].body).toEqual({ id: 7, firstName: 'Pat', lastName: 'Smith-Jones' });
    expect(fake.requests[1].headers['secret']).toBe(creds.secret);
    // Only the names changed; the other fields and the other contact are as they were.
    expect(fake.contacts.find((c) => c.id === 7)).toEqual(
      contact({ id: 7, companyID: 11, firstName: 'Pat', lastName: 'Smith-Jones', emailAddress: 'pat@labs.example', phone: '555-0101' }),
    );
    expect(fake.contacts.find((c) => c.id === 8)).toEqual(contact({ id: 8, companyID: 11 }));
  });

  it('an unknown id (Autotask answers item: null) → PsaError, and nothing is written', async () => {
    const error = await adapter()
      .updateContactNames('999', { firstName: 'A', lastName: 'B' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PsaError);
    expect((error as PsaError).status).toBe(404);
    expect((error as PsaError).message).toContain('contact 999 not found');
    expect(fake.requests.map((r) => r.method)).toEqual(['GET']);
  });

  it('a non-numeric id → PsaError without a request', async () => {
    await expect(adapter().updateContactNames('7; DROP', { firstName: 'A', lastName: 'B' })).rejects.toThrow(PsaError);
    expect(fake.requests).toHaveLength(0);
  });

  it('reports Autotask’s errors array for a refused update (an empty last name)', async () => {
    fake.contacts.push(contact({ id: 7 }));
    const error = await adapter()
      .updateContactNames('7', { firstName: 'Pat', lastName: '' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PsaError);
    expect((error as PsaError).status).toBe(500);
    expect((error as PsaError).message).toContain('Missing Required Field: lastName');
    expect(fake.contacts[0]).toMatchObject({ firstName: 'First', lastName: 'Last7' });
  });

  it('does not retry a PATCH that got a 500', async () => {
    fake.contacts.push(contact({ id: 7 }));
    fake.failNext({ method: 'PATCH', status: 500, times: 3, body: { errors: ['Something went wrong on our side'] } });
    const error = await adapter()
      .updateContactNames('7', { firstName: 'Pat', lastName: 'Smith' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PsaError);
    expect((error as PsaError).status).toBe(500);
    expect((error as PsaError).message).toContain('Something went wrong on our side');
    // One read for the parent company, one write, no second attempt.
    expect(fake.requests.map((r) => r.method)).toEqual(['GET', 'PATCH']);
    expect(fake.contacts[0]).toMatchObject({ firstName: 'First', lastName: 'Last7' });
  });

  it('does not retry a PATCH that timed out', async () => {
    fake.contacts.push(contact({ id: 7 }));
    fake.failNext({ method: 'PATCH', delayMs: 1000, times: 3 });
    const error = await adapter({}, { timeoutMs: 300 })
      .updateContactNames('7', { firstName: 'Pat', lastName: 'Smith' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PsaError);
    expect((error as PsaError).message).toMatch(/within 300 ms/);
    expect(calls('PATCH', /\/Contacts$/)).toHaveLength(1);
  });

  it('retries the contact read on a 500, and waits out a 429 on the PATCH', async () => {
    fake.contacts.push(contact({ id: 7, companyID: 12 }));
    fake.failNext({ method: 'GET', status: 500 });
    fake.failNext({ method: 'PATCH', status: 429, retryAfter: 1 });
    const started = Date.now();
    await adapter().updateContactNames('7', { firstName: 'Pat', lastName: 'Smith' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(calls('GET', /\/Contacts\/7$/)).toHaveLength(2);
    expect(calls('PATCH', /\/Companies\/12\/Contacts$/)).toHaveLength(2);
    expect(fake.contacts[0]).toMatchObject({ firstName: 'Pat', lastName: 'Smith' });
  });

  it('the fake refuses a PATCH for a contact that is not under the parent, or with an unknown field', async () => {
    fake.contacts.push(contact({ id: 7, companyID: 10 }));
    const patch = (path: string, body: unknown) =>
      fetch(`${fake.url}/v1.0/${path}`, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/json', ApiIntegrationCode: creds.integrationCode, UserName: creds.username, Secret: creds.secret },
        body: JSON.stringify(body),
      });
    const wrongParent = await patch('Companies/11/Contacts', { id: 7, firstName: 'X' });
    expect(wrongParent.status).toBe(500);
    expect(((await wrongParent.json()) as { errors: string[] }).errors[0]).toMatch(/Unable to find Contact with id 7/);
    const unknownId = await patch('Companies/10/Contacts', { id: 70, firstName: 'X' });
    expect(unknownId.status).toBe(500);
    const unknownField = await patch('Companies/10/Contacts', { id: 7, firstName: 'X', nickname: 'Y' });
    expect(unknownField.status).toBe(500);
    expect(((await unknownField.json()) as { errors: string[] }).errors[0]).toMatch(/nickname/);
    expect(fake.contacts[0].firstName).toBe('First');
    const ok = await patch('Companies/10/Contacts', { id: 7, firstName: 'X' });
    expect(await ok.json()).toEqual({ itemId: 7 });
    expect(fake.contacts[0]).toMatchObject({ firstName: 'X', lastName: 'Last7' });
  });
});

describe('transient failures', () => {
  it('waits out a 429 with Retry-After and then succeeds', async () => {
    fake.failNext({ status: 429, retryAfter: 1 });
    const started = Date.now();
    expect(await adapter().searchCompanies('globex')).toEqual([{ id: '12', name: 'Globex', active: true }]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    const [first, second] = calls('POST', /Companies\/query$/);
    expect(second.at - first.at).toBeGreaterThanOrEqual(950);
  });

  it('retries a query (a POST) that got 500 twice, then succeeds', async () => {
    fake.contacts.push(contact({ id: 1, emailAddress: 'retry@x.example' }));
    fake.failNext({ status: 500, times: 2 });
    expect((await adapter().findContactsByEmail('retry@x.example')).map((c) => c.id)).toEqual(['1']);
    expect(calls('POST', /Contacts\/query$/)).toHaveLength(3);
  });

  it('gives up on a slow answer after the timeout', async () => {
    fake.failNext({ delayMs: 1000 });
    const started = Date.now();
    const error = await adapter({}, { timeoutMs: 300, retries: 0 })
      .findContactsByEmail('slow@x.example')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PsaError);
    expect((error as PsaError).message).toMatch(/within 300 ms/);
    expect(Date.now() - started).toBeLessThan(900);
  });
});

describe('checkConnection', () => {
  it('is ok with good credentials and names the zone', async () => {
    const at = createAutotaskAdapter({ provider: 'autotask', url: undefined, ...creds }, { zoneLookupUrl: fake.zoneLookupUrl });
    const check = await at.checkConnection();
    expect(check).toEqual({ ok: true, detail: `Autotask REST (zone Fake Zone (loopback), ${fake.url}/)` });
    expect(calls('GET', /\/v1\.0\/Companies\/entityInformation$/)).toHaveLength(1);
  });

  it('fails with Autotask’s message on bad credentials', async () => {
    const check = await adapter({ integrationCode: 'WRONG' }).checkConnection();
    expect(check.ok).toBe(false);
    expect(!check.ok && check.error).toContain('User is not authenticated');
  });

  it('fails on a 500 without retrying', async () => {
    fake.failNext({ status: 500, times: 3 });
    const check = await adapter().checkConnection();
    expect(check.ok).toBe(false);
    expect(!check.ok && check.error).toContain('500');
    expect(fake.requests).toHaveLength(1);
  });
});

describe('the fake itself', () => {
  it('rejects unknown operators and fields with 400 and an errors array', async () => {
    const post = (filter: unknown) =>
      fetch(`${fake.url}/v1.0/Contacts/query`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ApiIntegrationCode: creds.integrationCode, UserName: creds.username, Secret: creds.secret },
        body: JSON.stringify({ filter }),
      });
    const badOp = await post([{ op: 'like', field: 'emailAddress', value: 'x' }]);
    expect(badOp.status).toBe(400);
    expect(((await badOp.json()) as { errors: string[] }).errors[0]).toMatch(/operator/);
    const badField = await post([{ op: 'eq', field: 'email', value: 'x' }]);
    expect(badField.status).toBe(400);
    expect(((await badField.json()) as { errors: string[] }).errors[0]).toMatch(/email/);
  });
});
