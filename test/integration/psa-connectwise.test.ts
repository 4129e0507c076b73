// The ConnectWise Manage adapter against a loopback fake of REST 3.0: real HTTP, real auth headers,
// CW's conditions syntax, paging, and the failure modes the shared HTTP client must absorb or report.
import { createConnectWiseAdapter, CW_API_VERSION } from '../../src/psa/connectwise/adapter.js';
import { cloudHostWarning } from '../../src/psa/connectwise/host.js';
import { LOOKUP_TTL_MS, NoEmailCommunicationTypeError } from '../../src/psa/connectwise/lookups.js';
import { PsaError, PsaSetupError } from '../../src/psa/types.js';
import { PLAIN_COMMUNICATION_TYPES, startFakeConnectWise, type FakeConnectWise, type FakeCwContact } from '../fakes/connectwise.js';
import { TestClock } from '../helpers/clock.js';

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
      { id: 1, type: { id: 1, name: 'Email - Business' }, value: email, communicationType: 'Email', defaultFlag: true },
      { id: 2, type: { id: 3, name: 'Phone - Work' }, value: '555-0100', communicationType: 'Phone', defaultFlag: true },
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

  // No source says how CW escapes `"` or `\` inside a condition string: the address goes in by its
  // longest safe part, whichever reading the server has, and the match is checked here.
  it.each(['backslash', 'none'] as const)('keeps quotes and backslashes out of the condition (server escapes: %s)', async (escapes) => {
    fake.behaviour.conditionEscapes = escapes;
    const odd = seedContact('"odd"@contoso.example');
    seedContact('"other"@contoso.example');
    const slash = seedContact('a\\b@contoso.example');
    const cw = adapter();
    expect((await cw.findContactsByEmail('"ODD"@contoso.example')).map((c) => c.id)).toEqual([String(odd.id)]);
    expect((await cw.findContactsByEmail('A\\b@contoso.example')).map((c) => c.id)).toEqual([String(slash.id)]);
    const sent = calls('GET', '/company/contacts').map((r) => r.query.childConditions);
    expect(sent).toEqual([
      'communicationItems/value like "%@contoso.example%" AND communicationItems/communicationType="Email"',
      'communicationItems/value like "%b@contoso.example%" AND communicationItems/communicationType="Email"',
    ]);
    expect(await cw.findContactsByEmail('"\\"')).toEqual([]); // nothing safe to search by: nobody
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

  it('finds an address whatever its email type is named (the recorded "Shared Mailbox"), by the item channel', async () => {
    fake.communicationTypes.push({ id: 14, description: 'Shared Mailbox', emailFlag: true, phoneFlag: false, faxFlag: false, defaultFlag: false });
    const shared = seedContact('emma@test.example', {
      communicationItems: [
        { id: 99679, type: { id: 14, name: 'Shared Mailbox' }, value: 'emma@test.example', communicationType: 'Email', defaultFlag: true },
        { id: 99680, type: { id: 2, name: 'Email - Private' }, value: 'emma.private@test.example', communicationType: 'email' },
      ],
    });
    const cw = adapter();
    expect((await cw.findContactsByEmail('emma@test.example')).map((c) => c.id)).toEqual([String(shared.id)]);
    expect(await cw.findContactsByEmail('emma.private@test.example')).toEqual([
      expect.objectContaining({ id: String(shared.id), email: 'emma.private@test.example' }),
    ]);
    expect(calls('GET', '/company/communicationTypes')).toHaveLength(0); // every item named its channel
    expect(calls('GET', '/company/contacts')[0].query.fields).toContain('inactiveFlag');
  });

  it('takes an item without a communicationType as email only when its type is flagged Email', async () => {
    // Recorded items always name their channel; an item without one is judged by its type's flags.
    const items = (type: { id: number; name: string }) => [
      { type: { id: 1, name: 'Email - Business' }, value: 'main@contoso.example', communicationType: 'Email' },
      { type, value: 'bare@contoso.example' },
    ];
    const onEmailType = seedContact('main@contoso.example', { communicationItems: items({ id: 2, name: 'Email - Private' }) });
    seedContact('main@contoso.example', { communicationItems: items({ id: 3, name: 'Phone - Work' }) });
    const found = await adapter().findContactsByEmail('bare@contoso.example');
    expect(found).toEqual([expect.objectContaining({ id: String(onEmailType.id), email: 'bare@contoso.example' })]);
    expect(calls('GET', '/company/communicationTypes')).toHaveLength(1);
  });
});

describe('companies', () => {
  it('gets a company by id, and undefined for an unknown or non-numeric id', async () => {
    const cw = adapter();
    expect(await cw.getCompany('250')).toEqual({ id: '250', name: 'Contoso Ltd', active: true });
    expect(await cw.getCompany('999')).toBeUndefined();
    expect(calls('GET', '/company/companies/999')).toHaveLength(1); // a 404 is an answer, not retried
    expect(await cw.getCompany('../system/info')).toBeUndefined();
    // The two companies asked for, and the statuses once (to tell which ones are inactive).
    expect(fake.requests.map((r) => r.path)).toEqual(['/company/companies/250', '/company/companies/statuses', '/company/companies/999']);
  });

  it('searches by name with a like condition, ordered by name, at most limit', async () => {
    const cw = adapter();
    expect(await cw.searchCompanies('CONTOSO')).toEqual([
      { id: '252', name: 'contoso east', active: true },
      { id: '250', name: 'Contoso Ltd', active: true },
    ]);
    expect(calls('GET', '/company/companies')[0].query).toMatchObject({ conditions: 'name like "%CONTOSO%" AND deletedFlag=false', orderBy: 'name asc' });

    expect(await cw.searchCompanies('o', 2)).toHaveLength(2);
    expect(calls('GET', '/company/companies')[1].query.pageSize).toBe('2');
    expect(await cw.searchCompanies('Bob"s')).toEqual([]);
    fake.companies.push({ id: 260, identifier: 'Bobs', name: 'Bob"s Bikes' }, { id: 261, identifier: 'Bobx', name: 'Bob Xs' });
    expect(await cw.searchCompanies('bob"S')).toEqual([{ id: '260', name: 'Bob"s Bikes', active: true }]);
    expect(calls('GET', '/company/companies').at(-1)!.query.conditions).toBe('name like "%bob%" AND deletedFlag=false');
  });

  it('the fake rejects malformed conditions with a CW error body', async () => {
    const raw = await rawGet('/company/companies', { conditions: 'name like %contoso%' });
    expect(raw.status).toBe(400);
    expect(raw.body).toMatchObject({ code: 'InvalidObject', message: expect.stringContaining('conditions is invalid') });
  });
});

describe('createContact', () => {
  it('creates contacts with the looked-up Email type id, looked up once per adapter', async () => {
    fake.communicationTypes.find((t) => t.description === 'Email - Business')!.id = 17;
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
    // The phone goes in with the instance's default phone type (Phone - Work, id 3 in the fixture).
    expect((posts[1].body as { communicationItems: unknown[] }).communicationItems[1]).toMatchObject({
      type: { id: 3 },
      value: '555-0199',
      communicationType: 'Phone',
    });
    expect(calls('GET', '/company/communicationTypes')).toHaveLength(1);
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
    expect(await adapter().checkConnection()).toEqual({ ok: true, detail: 'ConnectWise Manage v2024.1; new contacts get the email type "Email - Business"' });
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

describe('the Email communication type', () => {
  const create = (cw: ReturnType<typeof adapter>, email = 'new@contoso.example') =>
    cw.createContact({ companyId: '250', firstName: 'New', lastName: 'Person', email });
  const postedTypeId = () =>
    (calls('POST', '/company/contacts').at(-1)!.body as { communicationItems: Array<{ type: { id: number } }> }).communicationItems[0].type.id;

  it('is the default of the types flagged Email ("Email - Business" in the recorded sandbox fixture), found on any page', async () => {
    // The fixture's types pushed behind 150 others, so the list takes two pages of the adapter's 100.
    const fixture = fake.communicationTypes.splice(0);
    for (let i = 0; i < 150; i++)
      fake.communicationTypes.push({ id: 100 + i, description: `Pager ${i}`, emailFlag: false, phoneFlag: true, faxFlag: false, defaultFlag: false });
    fake.communicationTypes.push(...fixture.map((t) => ({ ...t, id: t.id + 1000 })));
    await create(adapter());
    expect(postedTypeId()).toBe(1001);
    expect(calls('GET', '/company/communicationTypes').map((r) => r.query.page)).toEqual(['1', '2']);
    expect(fake.contacts.at(-1)!.communicationItems[0]).toMatchObject({ type: { name: 'Email - Business' }, communicationType: 'Email' });
  });

  it('falls back to the type named "Email", then to the lowest id, when no email type is the default', async () => {
    fake.communicationTypes.splice(0, fake.communicationTypes.length, ...PLAIN_COMMUNICATION_TYPES.map((t) => ({ ...t })));
    fake.communicationTypes.unshift({ id: 0, description: 'Shared Mailbox', emailFlag: true, phoneFlag: false, faxFlag: false, defaultFlag: false });
    await create(adapter());
    expect(postedTypeId()).toBe(1); // "Email", not the lower id 0

    fake.communicationTypes.splice(
      0,
      fake.communicationTypes.length,
      ...[9, 8].map((id) => ({ id, description: `Mailbox ${id}`, emailFlag: true, phoneFlag: false, faxFlag: false, defaultFlag: false })),
    );
    await create(adapter(), 'second@contoso.example');
    expect(postedTypeId()).toBe(8);
  });

  it('is kept per adapter for an hour by its clock, then read again', async () => {
    const clock = new TestClock();
    const cw = createConnectWiseAdapter({ provider: 'connectwise', url: fake.url, ...creds }, { backoffMs: 10, clock });
    await create(cw, 'a@contoso.example');
    clock.advance(LOOKUP_TTL_MS - 60_000);
    await create(cw, 'b@contoso.example');
    expect(calls('GET', '/company/communicationTypes')).toHaveLength(1);
    fake.communicationTypes.find((t) => t.id === 1)!.defaultFlag = false;
    fake.communicationTypes.find((t) => t.id === 2)!.defaultFlag = true;
    clock.advance(120_000);
    await create(cw, 'c@contoso.example');
    expect(calls('GET', '/company/communicationTypes')).toHaveLength(2);
    expect(postedTypeId()).toBe(2);
  });

  it('is read again after a create refused with 400 (the kept type may have been removed)', async () => {
    const cw = adapter();
    await create(cw, 'a@contoso.example');
    fake.communicationTypes.find((t) => t.id === 1)!.id = 41;
    const refused = await create(cw, 'b@contoso.example').catch((e: unknown) => e);
    expect((refused as PsaError).status).toBe(400);
    await create(cw, 'b@contoso.example');
    expect(postedTypeId()).toBe(41);
    expect(calls('GET', '/company/communicationTypes')).toHaveLength(2);
  });

  it('missing: a typed setup error, shown by the connection test, and asked again once the type exists', async () => {
    const emailTypes = fake.communicationTypes.filter((t) => t.emailFlag);
    fake.communicationTypes.splice(0, fake.communicationTypes.length, ...fake.communicationTypes.filter((t) => !t.emailFlag));
    const cw = adapter();
    const error = await create(cw).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoEmailCommunicationTypeError);
    expect(error).toBeInstanceOf(PsaSetupError);
    expect((error as PsaError).message).toContain('no communication type with Email flag');
    expect(calls('POST', '/company/contacts')).toHaveLength(0);
    expect(await cw.checkConnection()).toEqual({ ok: false, error: expect.stringContaining('no communication type with Email flag') });

    fake.communicationTypes.push(...emailTypes);
    await create(cw);
    expect(postedTypeId()).toBe(1);
    expect(calls('GET', '/company/communicationTypes')).toHaveLength(3);
  });
});

describe('deleted and inactive companies', () => {
  beforeEach(() => {
    fake.companies.push(
      { id: 270, identifier: 'ContosoOld', name: 'Contoso Old', deletedFlag: true },
      { id: 271, identifier: 'ContosoGone', name: 'Contoso Gone', status: { id: 2, name: 'Inactive' } },
    );
  });

  // No source says whether CW lists deleted companies by default: the adapter must cope with both.
  it.each(['listed', 'hidden'] as const)('a deleted company is never active, and never found by search (deleted companies %s)', async (reading) => {
    fake.behaviour.deletedCompanies = reading;
    const cw = adapter();
    const deleted = await cw.getCompany('270');
    expect(deleted === undefined || deleted.active === false).toBe(true);
    expect((await cw.searchCompanies('contoso')).map((c) => c.id)).toEqual(['252', '271', '250']);
    expect(calls('GET', '/company/companies/270')[0].query.fields).toBe('id,name,deletedFlag,status');
  });

  it('a company whose status is flagged inactive is not active', async () => {
    const cw = adapter();
    expect(await cw.getCompany('271')).toEqual({ id: '271', name: 'Contoso Gone', active: false });
    expect(await cw.getCompany('250')).toEqual({ id: '250', name: 'Contoso Ltd', active: true });
    expect((await cw.searchCompanies('gone'))[0]).toEqual({ id: '271', name: 'Contoso Gone', active: false });
    expect(calls('GET', '/company/companies/statuses')).toHaveLength(1);
  });
});

describe('requests', () => {
  it('pin the API version in Accept and never send ignoreDuplicates', async () => {
    const cw = adapter();
    await cw.checkConnection();
    await cw.findContactsByEmail('x@contoso.example');
    await cw.createContact({ companyId: '250', firstName: 'New', lastName: 'Person', email: 'new@contoso.example' });
    expect(new Set(fake.requests.map((r) => r.accept))).toEqual(new Set([`application/vnd.connectwise.com+json; version=${CW_API_VERSION}`]));
    expect(calls('POST', '/company/contacts')[0].body).not.toHaveProperty('ignoreDuplicates');
  });

  it('the fake refuses a contact without firstName in the recorded shape, and a method a route does not take with 405', async () => {
    const error = await adapter()
      .createContact({ companyId: '250', firstName: ' ', lastName: 'Person', email: 'new@contoso.example' })
      .catch((e: unknown) => e);
    expect((error as PsaError).status).toBe(400);
    expect((error as PsaError).message).toContain('The firstName field is required.');
    const auth = Buffer.from(`${creds.companyId}+${creds.publicKey}:${creds.privateKey}`).toString('base64');
    const post = await fetch(`${fake.url}/company/contacts`, {
      method: 'POST',
      headers: { Authorization: `Basic ${auth}`, clientId: creds.clientId, 'Content-Type': 'application/json' },
      body: JSON.stringify({ lastName: 'X' }),
    });
    expect(post.status).toBe(400);
    expect(await post.json()).toEqual({
      code: 'InvalidObject',
      message: 'contact object is invalid',
      errors: [{ code: 'MissingRequiredField', message: 'The firstName field is required.', resource: 'contact', field: 'firstName' }],
    });
    const put = await fetch(`${fake.url}/system/info`, { method: 'PUT', headers: { Authorization: `Basic ${auth}`, clientId: creds.clientId } });
    expect(put.status).toBe(405);
  });
});

describe('the cloud host', () => {
  it('warns, without failing, when a myconnectwise.net host lacks the api- prefix', () => {
    expect(cloudHostWarning('https://na.myconnectwise.net/v4_6_release/apis/3.0')).toContain('api-na.myconnectwise.net');
    expect(cloudHostWarning('https://sandbox-na.myconnectwise.net/v4_6_release/apis/3.0')).toContain('lacks the api- prefix');
    expect(cloudHostWarning('https://api-eu.myconnectwise.net/v4_6_release/apis/3.0')).toBeUndefined();
    expect(cloudHostWarning('https://cw.example-msp.com/v4_6_release/apis/3.0')).toBeUndefined();
  });
});
