// The ConnectWise Manage adapter against a loopback fake of REST 3.0: real HTTP, real auth headers,
// CW's conditions syntax, paging, and the failure modes the shared HTTP client must absorb or report.
import { createConnectWiseAdapter } from '../../src/psa/connectwise/adapter.js';
import { PsaError } from '../../src/psa/types.js';
import { startFakeConnectWise, type FakeConnectWise, type FakeCwContact } from '../fakes/connectwise.js';

const creds = { companyId: 'contoso', publicKey: 'pub-123', privateKey: 'priv-456', clientId: 'client-789' };

let fake: FakeConnectWise;
beforeEach(async () => {
  fake = await startFakeConnectWise(creds);
  fake.companies.push(
    { id: 250, identifier: 'Contoso', name: 'Contoso Ltd' },
    { id: 251, identifier: 'Northwind', name: 'Northwind Traders' },
    { id: 252, identifier: 'ContosoEast', name: 'contoso east' },
  );
});
afterEach(async () => fake.close());

const adapter = (overrides: Partial<typeof creds> = {}, options: Parameters<typeof createConnectWiseAdapter>[1] = { backoffMs: 10 }) =>
  createConnectWiseAdapter({ provider: 'connectwise', url: fake.url, ...creds, ...overrides }, options);

let nextContactId = 1;
function seedContact(email: string, extra: Partial<FakeCwContact> = {}): FakeCwContact {
  const contact: FakeCwContact = {
    id: nextContactId++,
    firstName: 'Jane',
    lastName: 'Doe',
    company: { id: 250, name: 'Contoso Ltd' },
    inactiveFlag: false,
    communicationItems: [
      { id: 1, type: { id: 1, name: 'Email' }, value: email, communicationType: 'Email', defaultFlag: true },
      { id: 2, type: { id: 2, name: 'Direct' }, value: '555-0100', communicationType: 'Phone', defaultFlag: true },
    ],
    ...extra,
  };
  fake.contacts.push(contact);
  return contact;
}

const calls = (method: string, path: string) => fake.requests.filter((r) => r.method === method && r.path === path);

/** Asks the fake directly, to show what it answers without the adapter's own filtering. */
async function rawGet(path: string, query: Record<string, string>) {
  const url = new URL(fake.url + path);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const auth = Buffer.from(`${creds.companyId}+${creds.publicKey}:${creds.privateKey}`).toString('base64');
  const response = await fetch(url, { headers: { Authorization: `Basic ${auth}`, clientId: creds.clientId } });
  return { status: response.status, body: (await response.json()) as unknown };
}

describe('findContactsByEmail', () => {
  it('finds contacts case-insensitively with a childConditions query, active and inactive', async () => {
    const active = seedContact('Jane.Doe@Contoso.example');
    const inactive = seedContact('jane.doe@contoso.example', { firstName: 'Old', inactiveFlag: true, company: { id: 251, name: 'Northwind Traders' } });
    seedContact('someone.else@contoso.example');

    const found = await adapter().findContactsByEmail('JANE.DOE@contoso.EXAMPLE');

    expect(found).toEqual([
      { id: String(active.id), companyId: '250', firstName: 'Jane', lastName: 'Doe', email: 'jane.doe@contoso.example', phone: '555-0100', active: true },
      { id: String(inactive.id), companyId: '251', firstName: 'Old', lastName: 'Doe', email: 'jane.doe@contoso.example', phone: '555-0100', active: false },
    ]);
    const [request] = calls('GET', '/company/contacts');
    expect(request.query.childConditions).toBe('communicationItems/value="jane.doe@contoso.example" AND communicationItems/communicationType="Email"');
    expect(request.query.page).toBe('1');
  });

  it('escapes double quotes in the address', async () => {
    const odd = seedContact('"odd"@contoso.example');
    const found = await adapter().findContactsByEmail('"ODD"@contoso.example');
    expect(found.map((c) => c.id)).toEqual([String(odd.id)]);
    expect(calls('GET', '/company/contacts')[0].query.childConditions).toContain('value="\\"odd\\"@contoso.example"');
  });

  it('follows the Link header through pages, up to 10 pages', async () => {
    for (let i = 0; i < 150; i++) seedContact('shared@contoso.example');
    const found = await adapter().findContactsByEmail('shared@contoso.example');
    expect(found).toHaveLength(150);
    expect(new Set(found.map((c) => c.id)).size).toBe(150);
    expect(calls('GET', '/company/contacts').map((r) => r.query.page)).toEqual(['1', '2']);

    for (let i = 0; i < 1000; i++) seedContact('shared@contoso.example');
    fake.requests.length = 0;
    expect(await adapter().findContactsByEmail('shared@contoso.example')).toHaveLength(1000);
    expect(calls('GET', '/company/contacts')).toHaveLength(10);
  });

  it('ignores contacts whose Email item is another address, even when the server matched them', async () => {
    // The address sits in a Fax item; the contact's Email item is different. The two child
    // conditions are each met by some item, so the server returns it; the adapter must drop it.
    seedContact('other@contoso.example', {
      communicationItems: [
        { type: { id: 1, name: 'Email' }, value: 'other@contoso.example', communicationType: 'Email' },
        { type: { id: 3, name: 'Fax' }, value: 'jane@contoso.example', communicationType: 'Fax' },
      ],
    });
    const real = seedContact('jane@contoso.example');

    const raw = await rawGet('/company/contacts', {
      childConditions: 'communicationItems/value="jane@contoso.example" AND communicationItems/communicationType="Email"',
    });
    expect(raw.body).toHaveLength(2);
    const found = await adapter().findContactsByEmail('jane@contoso.example');
    expect(found.map((c) => c.id)).toEqual([String(real.id)]);
  });
});

describe('companies', () => {
  it('gets a company by id, and undefined for an unknown or non-numeric id', async () => {
    const cw = adapter();
    expect(await cw.getCompany('250')).toEqual({ id: '250', name: 'Contoso Ltd', active: true });
    expect(await cw.getCompany('999')).toBeUndefined();
    expect(calls('GET', '/company/companies/999')).toHaveLength(1); // a 404 is an answer, not retried
    expect(await cw.getCompany('../system/info')).toBeUndefined();
    expect(fake.requests).toHaveLength(2);
  });

  it('searches by name with a like condition, ordered by name, at most limit', async () => {
    const cw = adapter();
    expect(await cw.searchCompanies('CONTOSO')).toEqual([
      { id: '252', name: 'contoso east', active: true },
      { id: '250', name: 'Contoso Ltd', active: true },
    ]);
    expect(calls('GET', '/company/companies')[0].query).toMatchObject({ conditions: 'name like "%CONTOSO%"', orderBy: 'name asc' });

    expect(await cw.searchCompanies('o', 2)).toHaveLength(2);
    expect(calls('GET', '/company/companies')[1].query.pageSize).toBe('2');
    expect(await cw.searchCompanies('Bob"s')).toEqual([]);
  });

  it('the fake rejects malformed conditions with a CW error body', async () => {
    const raw = await rawGet('/company/companies', { conditions: 'name like %contoso%' });
    expect(raw.status).toBe(400);
    expect(raw.body).toMatchObject({ code: 'InvalidObject', message: expect.stringContaining('conditions is invalid') });
  });
});

describe('createContact', () => {
  it('creates contacts with the looked-up Email type id, looked up once per adapter', async () => {
    fake.communicationTypes.find((t) => t.description === 'Email')!.id = 17;
    const cw = adapter();

    const first = await cw.createContact({ companyId: '250', firstName: 'New', lastName: 'Person', email: 'New.Person@Contoso.example' });
    const second = await cw.createContact({ companyId: '251', firstName: 'Other', lastName: 'Person', email: 'other@northwind.example', phone: '555-0199' });

    expect(first).toEqual({
      id: expect.any(String),
      companyId: '250',
      firstName: 'New',
      lastName: 'Person',
      email: 'new.person@contoso.example',
      phone: null,
      active: true,
    });
    expect(second).toMatchObject({ companyId: '251', email: 'other@northwind.example', phone: '555-0199' });
    const posts = calls('POST', '/company/contacts');
    expect(posts).toHaveLength(2);
    expect(posts[0].body).toEqual({
      firstName: 'New',
      lastName: 'Person',
      company: { id: 250 },
      communicationItems: [{ type: { id: 17 }, value: 'new.person@contoso.example', communicationType: 'Email', defaultFlag: true }],
    });
    // The phone goes in with the instance's default phone type (Direct, id 2 in the fake).
    expect((posts[1].body as { communicationItems: unknown[] }).communicationItems[1]).toMatchObject({
      type: { id: 2 },
      value: '555-0199',
      communicationType: 'Phone',
    });
    const emailLookups = calls('GET', '/company/communicationTypes').filter((r) => r.query.conditions === 'description="Email"');
    expect(emailLookups).toHaveLength(1);
    expect(fake.contacts.find((c) => String(c.id) === first.id)?.communicationItems[0]).toMatchObject({ type: { id: 17 }, communicationType: 'Email' });
  });

  it('does not retry a POST answered 500, and reports the vendor message', async () => {
    const cw = adapter();
    await cw.createContact({ companyId: '250', firstName: 'Warm', lastName: 'Up', email: 'warm@contoso.example' }); // caches the type lookup
    fake.failNext({ status: 500, times: 3, body: { code: 'UnexpectedServerError', message: 'Database is down' } });

    const error = await cw.createContact({ companyId: '250', firstName: 'New', lastName: 'Person', email: 'new@contoso.example' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PsaError);
    expect((error as PsaError).status).toBe(500);
    expect((error as PsaError).message).toContain('Database is down');
    expect(calls('POST', '/company/contacts')).toHaveLength(2);
    expect(fake.contacts).toHaveLength(1);
  });

  it('reports CW validation errors from the errors array', async () => {
    const error = await adapter()
      .createContact({ companyId: '4040', firstName: 'New', lastName: 'Person', email: 'new@contoso.example' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PsaError);
    expect((error as PsaError).status).toBe(400);
    expect((error as PsaError).message).toContain('company not found');
  });
});

describe('updateContactNames', () => {
  it('PATCHes /company/contacts/{id} with a JSON Patch array and the fake applies it', async () => {
    const jane = seedContact('jane@contoso.example');
    const other = seedContact('other@contoso.example');

    await adapter().updateContactNames(String(jane.id), { firstName: 'Janet', lastName: "O'Neil" });

    const patches = calls('PATCH', `/company/contacts/${jane.id}`);
    expect(patches).toHaveLength(1);
    expect(patches[0].body).toEqual([
      { op: 'replace', path: 'firstName', value: 'Janet' },
      { op: 'replace', path: 'lastName', value: "O'Neil" },
    ]);
    expect(fake.contacts.find((c) => c.id === jane.id)).toMatchObject({ firstName: 'Janet', lastName: "O'Neil", inactiveFlag: false, company: { id: 250 } });
    expect(fake.contacts.find((c) => c.id === other.id)).toMatchObject({ firstName: 'Jane', lastName: 'Doe' });
    expect(fake.requests).toHaveLength(1);
    // What the adapter reads back is the new name.
    expect((await adapter().findContactsByEmail('jane@contoso.example'))[0]).toMatchObject({ firstName: 'Janet', lastName: "O'Neil" });
  });

  it('an unknown id → PsaError 404 with the vendor message', async () => {
    seedContact('jane@contoso.example');
    const error = await adapter()
      .updateContactNames('424242', { firstName: 'A', lastName: 'B' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PsaError);
    expect((error as PsaError).status).toBe(404);
    expect((error as PsaError).message).toContain('Contact with id 424242 not found');
    expect(calls('PATCH', '/company/contacts/424242')).toHaveLength(1);
  });

  it('a non-numeric id → PsaError without a request', async () => {
    await expect(adapter().updateContactNames('../system/info', { firstName: 'A', lastName: 'B' })).rejects.toThrow(PsaError);
    expect(fake.requests).toHaveLength(0);
  });

  it('reports CW validation errors (an empty first name) and changes nothing', async () => {
    const jane = seedContact('jane@contoso.example');
    const error = await adapter()
      .updateContactNames(String(jane.id), { firstName: '', lastName: 'Smith' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PsaError);
    expect((error as PsaError).status).toBe(400);
    expect((error as PsaError).message).toContain('firstName may not be empty');
    expect(fake.contacts[0]).toMatchObject({ firstName: 'Jane', lastName: 'Doe' });
  });

  it('does not retry a PATCH answered 500, and reports the vendor message', async () => {
    const jane = seedContact('jane@contoso.example');
    fake.failNext({ method: 'PATCH', status: 500, times: 3, body: { code: 'UnexpectedServerError', message: 'Database is down' } });

    const error = await adapter()
      .updateContactNames(String(jane.id), { firstName: 'Janet', lastName: 'Doe' })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PsaError);
    expect((error as PsaError).status).toBe(500);
    expect((error as PsaError).message).toContain('Database is down');
    expect(fake.requests).toHaveLength(1);
    expect(fake.contacts[0].firstName).toBe('Jane');
  });

  it('does not retry a PATCH that timed out', async () => {
    const jane = seedContact('jane@contoso.example');
    fake.failNext({ method: 'PATCH', delayMs: 1000, times: 3 });
    const error = await adapter({}, { timeoutMs: 300, backoffMs: 10 })
      .updateContactNames(String(jane.id), { firstName: 'Janet', lastName: 'Doe' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PsaError);
    expect((error as PsaError).message).toContain('no answer within 300 ms');
    expect(calls('PATCH', `/company/contacts/${jane.id}`)).toHaveLength(1);
  });

  it('waits out a 429 with Retry-After and then updates', async () => {
    const jane = seedContact('jane@contoso.example');
    fake.failNext({ method: 'PATCH', status: 429, retryAfter: 1 });
    const started = Date.now();
    await adapter().updateContactNames(String(jane.id), { firstName: 'Janet', lastName: 'Doe' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(calls('PATCH', `/company/contacts/${jane.id}`)).toHaveLength(2);
    expect(fake.contacts[0].firstName).toBe('Janet');
  });

  it('the fake refuses operations other than replace on known top-level fields, applying none of the patch', async () => {
    const jane = seedContact('jane@contoso.example');
    const patch = async (operations: unknown) => {
      const auth = Buffer.from(`${creds.companyId}+${creds.publicKey}:${creds.privateKey}`).toString('base64');
      const response = await fetch(`${fake.url}/company/contacts/${jane.id}`, {
        method: 'PATCH',
        headers: { Authorization: `Basic ${auth}`, clientId: creds.clientId, 'Content-Type': 'application/json' },
        body: JSON.stringify(operations),
      });
      return { status: response.status, body: (await response.json()) as { code: string; errors?: Array<{ field: string }> } };
    };
    for (const bad of [
      [
        { op: 'replace', path: 'firstName', value: 'Ok' },
        { op: 'add', path: 'lastName', value: 'X' },
      ],
      [
        { op: 'replace', path: 'firstName', value: 'Ok' },
        { op: 'replace', path: 'nickName', value: 'X' },
      ],
      [{ op: 'replace', path: 'company/id', value: 251 }],
      [{ op: 'replace', path: 'id', value: 99 }],
      { op: 'replace', path: 'firstName', value: 'NotAnArray' },
    ]) {
      const answer = await patch(bad);
      expect(answer.status).toBe(400);
      expect(answer.body.code).toBe('InvalidObject');
    }
    expect(fake.contacts[0]).toMatchObject({ id: jane.id, firstName: 'Jane', lastName: 'Doe', company: { id: 250 } });
    expect((await patch([{ op: 'replace', path: '/lastName', value: 'Roe' }])).status).toBe(200);
    expect(fake.contacts[0].lastName).toBe('Roe');
  });
});

describe('failures', () => {
  it('wrong keys or clientId → 401 → PsaError with the vendor message, not retried', async () => {
    const wrongKey = await adapter({ privateKey: 'wrong' })
      .findContactsByEmail('jane@contoso.example')
      .catch((e: unknown) => e);
    expect(wrongKey).toBeInstanceOf(PsaError);
    expect((wrongKey as PsaError).status).toBe(401);
    expect((wrongKey as PsaError).message).toContain('Authentication failed: invalid company, public key or private key.');
    expect(fake.requests).toHaveLength(1);

    const wrongClient = await adapter({ clientId: 'someone-else' })
      .getCompany('250')
      .catch((e: unknown) => e);
    expect((wrongClient as PsaError).message).toContain('A valid clientId header is required.');
  });

  it('waits out a 429 with Retry-After and then succeeds', async () => {
    fake.failNext({ status: 429, retryAfter: 1 });
    const started = Date.now();
    expect(await adapter().getCompany('250')).toEqual({ id: '250', name: 'Contoso Ltd', active: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(calls('GET', '/company/companies/250')).toHaveLength(2);
  });

  it('retries a read answered 500 twice, then succeeds', async () => {
    fake.failNext({ status: 500, times: 2 });
    expect(await adapter().searchCompanies('Northwind')).toEqual([{ id: '251', name: 'Northwind Traders', active: true }]);
    expect(calls('GET', '/company/companies')).toHaveLength(3);
  });

  it('gives up on a response slower than the timeout', async () => {
    fake.failNext({ delayMs: 1000 });
    const started = Date.now();
    const error = await adapter({}, { timeoutMs: 300, retries: 0 })
      .getCompany('250')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PsaError);
    expect((error as PsaError).message).toContain('no answer within 300 ms');
    expect(Date.now() - started).toBeLessThan(900);
  });
});

describe('checkConnection', () => {
  it('reports the ConnectWise version', async () => {
    expect(await adapter().checkConnection()).toEqual({ ok: true, detail: 'ConnectWise Manage v2024.1' });
    expect(calls('GET', '/system/info')).toHaveLength(1);
  });

  it('reports a failure at once, without retrying', async () => {
    fake.failNext({ status: 503, body: { code: 'ServiceUnavailable', message: 'Maintenance in progress' } });
    const result = await adapter().checkConnection();
    expect(result).toEqual({ ok: false, error: expect.stringContaining('Maintenance in progress') });
    expect(calls('GET', '/system/info')).toHaveLength(1);

    const denied = await adapter({ publicKey: 'nope' }).checkConnection();
    expect(denied).toEqual({ ok: false, error: expect.stringContaining('Authentication failed') });
  });
});
