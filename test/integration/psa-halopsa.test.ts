// The HaloPSA adapter against a loopback HaloPSA: real HTTP, no mocks. Each test gets its own fake
// so request logs and token counts belong to that test alone.
import { createHaloPsaAdapter, type HaloPsaOptions } from '../../src/psa/halopsa/adapter.js';
import { PsaError } from '../../src/psa/types.js';
import { startFakeHaloPsa, type FakeHaloOptions, type FakeHaloPsa } from '../fakes/halopsa.js';
import { TestClock } from '../helpers/clock.js';

const CLIENT_ID = 'portico-app';
const CLIENT_SECRET = 'correct-horse';

let halo: FakeHaloPsa;

function seed(fake: FakeHaloPsa) {
  // Halo's sites carry no main-site flag; the client names its main site (main_site_id).
  fake.clients.push({ id: 1, name: 'Contoso Ltd', main_site_id: 10 }, { id: 2, name: 'Contoso Labs' }, { id: 3, name: 'Fabrikam', main_site_id: 30 });
  fake.sites.push(
    { id: 11, name: 'Contoso Annex', client_id: 1 }, // listed first, but not the main site
    { id: 10, name: 'Contoso HQ', client_id: 1 },
    { id: 20, name: 'Contoso Labs Main', client_id: 2 },
    { id: 30, name: 'Fabrikam Head Office', client_id: 3 },
  );
  fake.users.push(
    {
      id: 100,
      name: 'Alice Smith',
      firstname: 'Alice',
      surname: 'Smith',
      emailaddress: 'Alice.Smith@Contoso.example',
      site_id: 10,
      client_id: 1,
      client_name: 'Contoso Ltd',
      inactive: false,
      phonenumber: '+44 20 1234 5678',
    },
    // Loose search hits: the address is a substring of theirs, or appears in the name.
    {
      id: 101,
      name: 'Malice Smith',
      firstname: 'Malice',
      surname: 'Smith',
      emailaddress: 'malice.smith@contoso.example.org',
      site_id: 10,
      client_id: 1,
      inactive: false,
    },
    {
      id: 102,
      name: 'alice.smith@contoso.example (old)',
      firstname: 'Old',
      surname: 'Alice',
      emailaddress: 'old-alice@contoso.example',
      site_id: 10,
      client_id: 1,
      inactive: false,
    },
    // Same address at another client, inactive, and with only a site (no client_id on the record).
    { id: 103, name: 'Alice Smith', firstname: 'Alice', surname: 'Smith', emailaddress: 'alice.smith@contoso.example', site_id: 30, inactive: true },
  );
}

const adapterFor = (fake: FakeHaloPsa, overrides: Partial<{ clientSecret: string; tenant: string }> = {}, options: HaloPsaOptions = {}) =>
  createHaloPsaAdapter(
    { provider: 'halopsa', url: fake.url, clientId: CLIENT_ID, clientSecret: overrides.clientSecret ?? CLIENT_SECRET, tenant: overrides.tenant },
    { backoffMs: 20, ...options },
  );

const hits = (fake: FakeHaloPsa, method: string, path: string) => fake.requests.filter((r) => r.method === method && r.path === path);

beforeEach(async () => {
  halo = await startFakeHaloPsa({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
  seed(halo);
});
afterEach(async () => halo.close());

describe('findContactsByEmail', () => {
  it('keeps exact address matches only (case-insensitively), active and inactive', async () => {
    const contacts = await adapterFor(halo).findContactsByEmail('ALICE.smith@contoso.EXAMPLE');
    expect(contacts.map((c) => c.id).sort()).toEqual(['100', '103']);
    expect(contacts.find((c) => c.id === '100')).toEqual({
      id: '100',
      companyId: '1',
      firstName: 'Alice',
      lastName: 'Smith',
      email: 'Alice.Smith@Contoso.example',
      phone: '+44 20 1234 5678',
      active: true,
    });
    expect(contacts.find((c) => c.id === '103')?.active).toBe(false);
    // The search really did return the loose hits that were dropped.
    const search = hits(halo, 'GET', '/api/users')[0];
    expect(search.query).toMatchObject({ search: 'alice.smith@contoso.example', includeinactive: 'true', pageinate: 'true' });
  });

  it("takes the company from the user's site when the user record has no client_id", async () => {
    const contacts = await adapterFor(halo).findContactsByEmail('alice.smith@contoso.example');
    expect(contacts.find((c) => c.id === '103')?.companyId).toBe('3');
    expect(hits(halo, 'GET', '/api/site/30')).toHaveLength(1);
    expect(hits(halo, 'GET', '/api/site/10')).toHaveLength(0);
  });

  it('returns nothing when no address matches exactly', async () => {
    expect(await adapterFor(halo).findContactsByEmail('smith@contoso.example')).toEqual([]);
    expect(hits(halo, 'GET', '/api/users')).toHaveLength(1);
  });
});

describe('tokens', () => {
  it('fetches one token for several calls and a new one after the old is revoked', async () => {
    const psa = adapterFor(halo);
    await psa.getCompany('1');
    await psa.searchCompanies('contoso');
    await psa.findContactsByEmail('alice.smith@contoso.example');
    expect(halo.tokensIssued).toBe(1);
    const token = hits(halo, 'POST', '/auth/token')[0];
    expect(token.body).toEqual({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: CLIENT_SECRET, scope: 'all' });
    expect(token.query).toEqual({});
    expect(hits(halo, 'GET', '/api/client/1')[0].authorization).toMatch(/^Bearer \S+$/);

    halo.expireTokens();
    expect(await psa.getCompany('2')).toEqual({ id: '2', name: 'Contoso Labs', active: true });
    expect(halo.tokensIssued).toBe(2);
    const calls = hits(halo, 'GET', '/api/client/2');
    expect(calls).toHaveLength(2); // the 401, then the retry with the new token
    expect(calls[1].authorization).not.toBe(calls[0].authorization);
  });

  it('renews the token a minute before it expires, on the injected clock', async () => {
    const clock = new TestClock();
    const psa = adapterFor(halo, {}, { clock });
    await psa.getCompany('1');
    clock.advance(3600_000 - 60_000 - 1_000); // the fake's tokens live an hour
    await psa.getCompany('1');
    expect(halo.tokensIssued).toBe(1);
    clock.advance(2_000);
    await psa.getCompany('1');
    expect(halo.tokensIssued).toBe(2);
    expect(hits(halo, 'GET', '/api/client/1')).toHaveLength(3); // no 401 was needed to notice
  });

  it('names the tenant on the token request for a hosted instance', async () => {
    const hosted = await startFakeHaloPsa({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, tenant: 'acme' });
    try {
      hosted.clients.push({ id: 7, name: 'Acme Corp' });
      expect(await adapterFor(hosted, { tenant: 'acme' }).getCompany('7')).toEqual({ id: '7', name: 'Acme Corp', active: true });
      expect(hits(hosted, 'POST', '/auth/token')[0].query).toEqual({ tenant: 'acme' });
      // Without HALOPSA_TENANT the tenant comes from /api/authinfo's tenant_id (HaloAPI's Connect-HaloAPI).
      expect(await adapterFor(hosted).getCompany('7')).toEqual({ id: '7', name: 'Acme Corp', active: true });
      expect(hits(hosted, 'POST', '/auth/token')[1].query).toEqual({ tenant: 'acme' });
    } finally {
      await hosted.close();
    }
    // An instance whose authinfo does not name it refuses a token request without the tenant, with its own message.
    const silent = await startFakeHaloPsa({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, tenant: 'acme', authInfoTenant: false });
    try {
      silent.clients.push({ id: 7, name: 'Acme Corp' });
      await expect(adapterFor(silent).getCompany('7')).rejects.toThrow(/Unknown or missing tenant/);
    } finally {
      await silent.close();
    }
  });

  it('fails with the vendor message on a wrong client secret, without retrying', async () => {
    const error = await adapterFor(halo, { clientSecret: 'wrong' })
      .findContactsByEmail('alice.smith@contoso.example')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PsaError);
    expect((error as PsaError).status).toBe(401);
    expect((error as PsaError).message).toContain('invalid_client');
    expect(hits(halo, 'POST', '/auth/token')).toHaveLength(1);
    expect(halo.requests.filter((r) => r.path.startsWith('/api/') && r.path !== '/api/authinfo')).toHaveLength(0);
  });
});

describe('companies', () => {
  it('gets a client by id, and undefined for a missing or non-numeric id', async () => {
    const psa = adapterFor(halo);
    expect(await psa.getCompany('3')).toEqual({ id: '3', name: 'Fabrikam', active: true });
    expect(await psa.getCompany('999')).toBeUndefined();
    expect(hits(halo, 'GET', '/api/client/999')).toHaveLength(1); // a 404 is an answer, not retried
    expect(await psa.getCompany('abc')).toBeUndefined();
  });

  it('searches clients by name, up to the limit', async () => {
    const psa = adapterFor(halo);
    expect(await psa.searchCompanies('contoso')).toEqual([
      { id: '1', name: 'Contoso Ltd', active: true },
      { id: '2', name: 'Contoso Labs', active: true },
    ]);
    expect(await psa.searchCompanies('CONTOSO', 1)).toEqual([{ id: '1', name: 'Contoso Ltd', active: true }]);
    expect(hits(halo, 'GET', '/api/client').map((r) => r.query)).toEqual([
      { search: 'contoso', count: '25' },
      { search: 'CONTOSO', count: '1' },
    ]);
  });
});

describe('createContact', () => {
  it("posts an array with the client's main site and no welcome mail, and returns the new user", async () => {
    const psa = adapterFor(halo);
    const contact = await psa.createContact({ companyId: '1', firstName: 'Bob', lastName: 'Jones', email: 'bob.jones@contoso.example', phone: '555-0101' });
    const [post] = hits(halo, 'POST', '/api/users');
    expect(post.body).toEqual([
      {
        firstname: 'Bob',
        surname: 'Jones',
        name: 'Bob Jones',
        emailaddress: 'bob.jones@contoso.example',
        phonenumber: '555-0101',
        site_id: 10,
        sendwelcomeemail: false,
      },
    ]);
    // The client's main_site_id, read from the client, not the first site listed (11).
    expect(hits(halo, 'GET', '/api/client/1')).toHaveLength(1);
    expect(hits(halo, 'GET', '/api/site/10')).toHaveLength(1);
    expect(hits(halo, 'GET', '/api/site')).toHaveLength(0);
    expect(halo.welcomeEmails).toEqual([]);
    expect(contact).toEqual({
      id: '104',
      companyId: '1',
      firstName: 'Bob',
      lastName: 'Jones',
      email: 'bob.jones@contoso.example',
      phone: '555-0101',
      active: true,
    });
    expect((await psa.findContactsByEmail('BOB.JONES@contoso.example')).map((c) => c.id)).toEqual(['104']);
  });

  it('does not retry a create that failed with a 500', async () => {
    halo.failNext({ status: 500, path: '/api/users', body: { ClassName: 'System.Data.SqlClient.SqlException', Message: 'Deadlock victim' } });
    const error = await adapterFor(halo)
      .createContact({ companyId: '2', firstName: 'Eve', lastName: 'Adams', email: 'eve@contoso.example' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PsaError);
    expect((error as PsaError).status).toBe(500);
    expect((error as PsaError).message).toContain('Deadlock victim');
    expect(hits(halo, 'POST', '/api/users')).toHaveLength(1);
    expect(halo.users.some((u) => u.emailaddress === 'eve@contoso.example')).toBe(false);
  });

  it('refuses a client that has no site', async () => {
    halo.clients.push({ id: 4, name: 'Siteless' });
    await expect(adapterFor(halo).createContact({ companyId: '4', firstName: 'N', lastName: 'O', email: 'n@o.example' })).rejects.toThrow(/no site/);
    expect(hits(halo, 'POST', '/api/users')).toHaveLength(0);
  });
});

describe('updateContactNames', () => {
  it('reads the user, then POSTs an array with id, firstname, surname and name; only that user changes', async () => {
    const psa = adapterFor(halo);
    await psa.updateContactNames('100', { firstName: 'Alicia', lastName: 'Smith-Jones' });

    expect(hits(halo, 'GET', '/api/users/100')).toHaveLength(1);
    const posts = hits(halo, 'POST', '/api/users');
    expect(posts).toHaveLength(1);
    expect(posts[0].body).toEqual([{ id: 100, firstname: 'Alicia', surname: 'Smith-Jones', name: 'Alicia Smith-Jones' }]);
    expect(posts[0].authorization).toMatch(/^Bearer \S+$/);
    expect(halo.users.find((u) => u.id === 100)).toEqual({
      id: 100,
      name: 'Alicia Smith-Jones',
      firstname: 'Alicia',
      surname: 'Smith-Jones',
      emailaddress: 'Alice.Smith@Contoso.example',
      site_id: 10,
      client_id: 1,
      client_name: 'Contoso Ltd',
      inactive: false,
      phonenumber: '+44 20 1234 5678',
    });
    // An update, not a create.
    expect(halo.users).toHaveLength(4);
    expect(halo.users.find((u) => u.id === 101)).toMatchObject({ firstname: 'Malice', surname: 'Smith', name: 'Malice Smith' });
  });

  it('an unknown id → PsaError, and nothing is posted', async () => {
    const error = await adapterFor(halo)
      .updateContactNames('999', { firstName: 'A', lastName: 'B' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PsaError);
    expect((error as PsaError).status).toBe(404);
    expect((error as PsaError).message).toContain('user 999 not found');
    expect(hits(halo, 'GET', '/api/users/999')).toHaveLength(1); // a 404 is an answer, not retried
    expect(hits(halo, 'POST', '/api/users')).toHaveLength(0);
    expect(halo.users).toHaveLength(4);
  });

  it('a non-numeric id → PsaError without a request', async () => {
    await expect(adapterFor(halo).updateContactNames('100/../1', { firstName: 'A', lastName: 'B' })).rejects.toThrow(PsaError);
    expect(halo.requests).toHaveLength(0);
  });

  it('does not retry an update that failed with a 500, and reports the vendor message', async () => {
    halo.failNext({ status: 500, times: 3, path: '/api/users', body: { ClassName: 'System.Data.SqlClient.SqlException', Message: 'Deadlock victim' } });
    const error = await adapterFor(halo)
      .updateContactNames('100', { firstName: 'Alicia', lastName: 'Smith' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PsaError);
    expect((error as PsaError).status).toBe(500);
    expect((error as PsaError).message).toContain('Deadlock victim');
    expect(hits(halo, 'POST', '/api/users')).toHaveLength(1);
    expect(halo.users.find((u) => u.id === 100)?.firstname).toBe('Alice');
  });

  it('does not retry an update that timed out', async () => {
    halo.failNext({ delayMs: 1000, times: 3, path: '/api/users' });
    const error = await adapterFor(halo, {}, { timeoutMs: 300 })
      .updateContactNames('100', { firstName: 'Alicia', lastName: 'Smith' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PsaError);
    expect((error as PsaError).message).toMatch(/within 300 ms/);
    expect(hits(halo, 'POST', '/api/users')).toHaveLength(1);
  });

  it('waits out a 429 with Retry-After on the update, then succeeds', async () => {
    halo.failNext({ status: 429, retryAfter: 1, path: '/api/users' });
    const started = Date.now();
    await adapterFor(halo).updateContactNames('100', { firstName: 'Alicia', lastName: 'Smith' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(hits(halo, 'POST', '/api/users')).toHaveLength(2);
    expect(halo.users.find((u) => u.id === 100)?.firstname).toBe('Alicia');
  });

  it('reports an answer naming another user (Halo created one instead of updating)', async () => {
    halo.failNext({ status: 201, path: '/api/users', body: { id: 555, firstname: 'Alicia', surname: 'Smith' } });
    await expect(adapterFor(halo).updateContactNames('100', { firstName: 'Alicia', lastName: 'Smith' })).rejects.toThrow(
      /saved user 555 instead of updating user 100/,
    );
  });

  it('the fake refuses a POST naming an unknown user id and writes nothing', async () => {
    const auth = await fetch(`${halo.url}/auth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: CLIENT_SECRET, scope: 'all' }),
    });
    const { access_token } = (await auth.json()) as { access_token: string };
    const response = await fetch(`${halo.url}/api/users`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${access_token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify([
        { id: 100, firstname: 'Changed' },
        { id: 999, firstname: 'Ghost', surname: 'User' },
      ]),
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ Message: 'User 999 not found' });
    expect(halo.users).toHaveLength(4);
    expect(halo.users.find((u) => u.id === 100)?.firstname).toBe('Alice');
  });
});

describe('failures', () => {
  it('waits out a 429 with Retry-After and then succeeds', async () => {
    const psa = adapterFor(halo);
    await psa.getCompany('1'); // token in hand, so only the API call is timed
    halo.failNext({ status: 429, retryAfter: 1, path: '/api/client/2' });
    const started = Date.now();
    expect(await psa.getCompany('2')).toEqual({ id: '2', name: 'Contoso Labs', active: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(hits(halo, 'GET', '/api/client/2')).toHaveLength(2);
  });

  it('retries a read that failed twice with a 500', async () => {
    halo.failNext({ status: 500, times: 2, path: '/api/client' });
    expect(await adapterFor(halo).searchCompanies('fabrikam')).toEqual([{ id: '3', name: 'Fabrikam', active: true }]);
    expect(hits(halo, 'GET', '/api/client')).toHaveLength(3);
  });

  it('gives up on a read that outlasts the timeout', async () => {
    halo.failNext({ delayMs: 1000, times: 5, path: '/api/client/1' });
    const error = await adapterFor(halo, {}, { timeoutMs: 300, retries: 1 })
      .getCompany('1')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PsaError);
    expect((error as PsaError).message).toMatch(/within 300 ms/);
    expect(hits(halo, 'GET', '/api/client/1')).toHaveLength(2);
  });

  it('reads plain-text error bodies too', async () => {
    halo.failNext({ status: 400, path: '/api/client/1', body: 'Bad request: malformed id' });
    await expect(adapterFor(halo).getCompany('1')).rejects.toThrow(/Bad request: malformed id/);
  });
});

describe('checkConnection', () => {
  it('reports the host when the credentials work', async () => {
    const result = await adapterFor(halo).checkConnection();
    expect(result).toEqual({ ok: true, detail: `HaloPSA at ${new URL(halo.url).host}` });
    expect(hits(halo, 'GET', '/api/client')[0].query).toEqual({ count: '1' });
  });

  it('reports bad credentials with the vendor message', async () => {
    const result = await adapterFor(halo, { clientSecret: 'wrong' }).checkConnection();
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toContain('invalid_client');
  });

  it('reports a server error at once, without retrying', async () => {
    halo.failNext({ status: 503, times: 3, path: '/api/client' });
    const result = await adapterFor(halo).checkConnection();
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toContain('503');
    expect(hits(halo, 'GET', '/api/client')).toHaveLength(1);
  });
});

/** A fake of its own for a reading the shared one does not take; closed after the test. */
async function withFake(options: Partial<FakeHaloOptions>, run: (fake: FakeHaloPsa) => Promise<void>) {
  const fake = await startFakeHaloPsa({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, ...options });
  try {
    seed(fake);
    await run(fake);
  } finally {
    await fake.close();
  }
}

describe('secondary addresses (email2, email3) and partial list rows', () => {
  const secondary = () =>
    halo.users.push({
      id: 110,
      name: 'Dana Scully',
      firstname: 'Dana',
      surname: 'Scully',
      emailaddress: 'dana@fbi.example',
      email2: 'D.Scully@Contoso.example',
      site_id: 10,
      client_id: 1,
      inactive: false,
    });

  it('reads a row in full when it does not show the address, and finds the user by email2', async () => {
    secondary();
    const contacts = await adapterFor(halo).findContactsByEmail('d.scully@contoso.example');
    expect(contacts).toEqual([
      { id: '110', companyId: '1', firstName: 'Dana', lastName: 'Scully', email: 'D.Scully@Contoso.example', phone: null, active: true },
    ]);
    expect(hits(halo, 'GET', '/api/users/110')).toHaveLength(1);
  });

  it('finds an email3 address too', async () => {
    halo.users.push({
      id: 111,
      name: 'Fox Mulder',
      firstname: 'Fox',
      surname: 'Mulder',
      emailaddress: 'fox@fbi.example',
      email3: 'fox@contoso.example',
      site_id: 30,
      inactive: false,
    });
    const contacts = await adapterFor(halo).findContactsByEmail('FOX@contoso.example');
    expect(contacts.map((c) => [c.id, c.companyId, c.email])).toEqual([['111', '3', 'fox@contoso.example']]);
  });

  it('does not read rows that already show the address, nor rows that carry all three address fields', async () => {
    await adapterFor(halo).findContactsByEmail('alice.smith@contoso.example');
    // 100 and 103 match on their row; 101 and 102 are loose hits read once to rule out email2/email3.
    expect(
      halo.requests
        .filter((r) => /^\/api\/users\/\d+$/.test(r.path))
        .map((r) => r.path)
        .sort(),
    ).toEqual(['/api/users/101', '/api/users/102']);

    await withFake({ listRowsCarrySecondaryEmails: true }, async (fake) => {
      fake.users.push({
        id: 110,
        name: 'Dana Scully',
        firstname: 'Dana',
        surname: 'Scully',
        emailaddress: 'dana@fbi.example',
        email2: 'd.scully@contoso.example',
        email3: '',
        site_id: 10,
        client_id: 1,
        inactive: false,
      });
      for (const u of fake.users) Object.assign(u, { email2: u.email2 ?? null, email3: u.email3 ?? null });
      const contacts = await adapterFor(fake).findContactsByEmail('d.scully@contoso.example');
      expect(contacts.map((c) => c.id)).toEqual(['110']);
      expect(fake.requests.filter((r) => /^\/api\/users\/\d+$/.test(r.path))).toHaveLength(0);
    });
  });

  it('reads at most ten rows, and says it cannot tell when more rows hide the address', async () => {
    for (let i = 0; i < 11; i++) {
      halo.users.push({
        id: 200 + i,
        name: `Clone ${i}`,
        firstname: 'Clone',
        surname: String(i),
        emailaddress: `clone${i}@elsewhere.example`,
        email2: 'shared@contoso.example',
        site_id: 10,
        client_id: 1,
        inactive: false,
      });
    }
    const error = await adapterFor(halo)
      .findContactsByEmail('shared@contoso.example')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PsaError);
    expect((error as PsaError).message).toMatch(/too many to read each/);
    expect(halo.requests.filter((r) => /^\/api\/users\/\d+$/.test(r.path))).toHaveLength(0);

    halo.users.pop(); // ten: each is read
    expect(await adapterFor(halo).findContactsByEmail('shared@contoso.example')).toHaveLength(10);
  });

  it('the fake serves list rows without email2/email3 and the full user by id', async () => {
    secondary();
    await adapterFor(halo).findContactsByEmail('d.scully@contoso.example');
    const psa = adapterFor(halo);
    await psa.getCompany('1'); // a token
    const token = hits(halo, 'GET', '/api/client/1')[0].authorization!;
    const list = (await (await fetch(`${halo.url}/api/users?search=scully`, { headers: { Authorization: token } })).json()) as { users: object[] };
    expect(list.users[0]).not.toHaveProperty('email2');
    const full = (await (await fetch(`${halo.url}/api/users/110`, { headers: { Authorization: token } })).json()) as object;
    expect(full).toHaveProperty('email2', 'D.Scully@Contoso.example');
    expect((await fetch(`${halo.url}/api/users/110`, { method: 'POST', headers: { Authorization: token } })).status).toBe(405);
  });
});

describe('address case', () => {
  it('finds a lower-case address whatever case is asked, when Halo searches case-sensitively', async () => {
    await withFake({ caseSensitiveSearch: true }, async (fake) => {
      fake.users.push({
        id: 120,
        name: 'Lee Lower',
        firstname: 'Lee',
        surname: 'Lower',
        emailaddress: 'lee@contoso.example',
        site_id: 10,
        client_id: 1,
        inactive: false,
      });
      const contacts = await adapterFor(fake).findContactsByEmail('  LEE@Contoso.Example ');
      expect(contacts.map((c) => [c.id, c.email])).toEqual([['120', 'lee@contoso.example']]);
      expect(hits(fake, 'GET', '/api/users')[0].query.search).toBe('lee@contoso.example');
    });
  });

  it('keeps mixed-case stored addresses when Halo searches case-insensitively (the default reading)', async () => {
    const contacts = await adapterFor(halo).findContactsByEmail('alice.smith@contoso.example');
    expect(contacts.find((c) => c.id === '100')?.email).toBe('Alice.Smith@Contoso.example');
  });
});

describe('inactive clients and sites', () => {
  it('reports an inactive client as such, and does not offer it in a search (both list readings)', async () => {
    halo.clients.push({ id: 5, name: 'Contoso Closed', inactive: true });
    expect(await adapterFor(halo).getCompany('5')).toEqual({ id: '5', name: 'Contoso Closed', active: false });
    expect((await adapterFor(halo).searchCompanies('contoso')).map((c) => c.id)).toEqual(['1', '2']);
    await withFake({ inactiveListedByDefault: true }, async (fake) => {
      fake.clients.push({ id: 5, name: 'Contoso Closed', inactive: true });
      expect((await adapterFor(fake).searchCompanies('contoso')).map((c) => c.id)).toEqual(['1', '2']);
      expect(hits(fake, 'GET', '/api/client')[0].query.search).toBe('contoso'); // the fake did list it
    });
  });

  it('adds no user to an inactive client', async () => {
    halo.clients.push({ id: 5, name: 'Contoso Closed', inactive: true, main_site_id: 50 });
    halo.sites.push({ id: 50, name: 'Closed HQ', client_id: 5 });
    await expect(adapterFor(halo).createContact({ companyId: '5', firstName: 'N', lastName: 'O', email: 'n@o.example' })).rejects.toThrow(/inactive/);
    expect(hits(halo, 'POST', '/api/users')).toHaveLength(0);
  });

  it('uses the first active site when the main site is inactive or unset (inactive sites listed or not)', async () => {
    for (const inactiveListedByDefault of [false, true]) {
      await withFake({ inactiveListedByDefault }, async (fake) => {
        fake.clients.push({ id: 6, name: 'Northwind', main_site_id: 60 }, { id: 7, name: 'Litware' });
        fake.sites.push(
          { id: 60, name: 'Northwind Old HQ', client_id: 6, inactive: true },
          { id: 61, name: 'Northwind Closed Depot', client_id: 6, inactive: true },
          { id: 62, name: 'Northwind Main', client_id: 6 },
          { id: 70, name: 'Litware Shut', client_id: 7, inactive: true },
          { id: 71, name: 'Litware Office', client_id: 7 },
        );
        const psa = adapterFor(fake);
        await psa.createContact({ companyId: '6', firstName: 'Nan', lastName: 'W', email: 'nan@northwind.example' });
        await psa.createContact({ companyId: '7', firstName: 'Lit', lastName: 'W', email: 'lit@litware.example' });
        expect(hits(fake, 'POST', '/api/users').map((r) => (r.body as Array<{ site_id: number }>)[0].site_id)).toEqual([62, 71]);
      });
    }
  });

  it('accepts an array answer to the create as well as the one record', async () => {
    await withFake({ postAnswersArray: true }, async (fake) => {
      const contact = await adapterFor(fake).createContact({ companyId: '3', firstName: 'Ari', lastName: 'A', email: 'ari@fabrikam.example' });
      expect(contact).toMatchObject({ id: '104', companyId: '3', email: 'ari@fabrikam.example' });
      expect(fake.users.find((u) => u.id === 104)?.site_id).toBe(30);
    });
  });

  it('the fake sends its own welcome mail when sendwelcomeemail is left out', async () => {
    await adapterFor(halo).getCompany('1');
    const token = hits(halo, 'GET', '/api/client/1')[0].authorization!;
    const answer = await fetch(`${halo.url}/api/users`, {
      method: 'POST',
      headers: { Authorization: token, 'Content-Type': 'application/json' },
      body: JSON.stringify([{ name: 'Wendy Welcome', emailaddress: 'wendy@contoso.example', site_id: 10 }]),
    });
    expect(answer.status).toBe(201);
    expect(await answer.json()).toMatchObject({ id: 104, emailaddress: 'wendy@contoso.example' }); // one object, not an array
    expect(halo.welcomeEmails).toEqual(['wendy@contoso.example']);
  });
});

describe('token endpoint discovery', () => {
  it('asks /api/authinfo once and posts to <auth_url>/token, wherever the authorisation server is', async () => {
    await withFake({ authPath: '/identity/oauth' }, async (fake) => {
      const clock = new TestClock();
      const psa = adapterFor(fake, {}, { clock });
      expect(await psa.getCompany('1')).toMatchObject({ id: '1' });
      clock.advance(3600_000); // a second token
      await psa.getCompany('1');
      expect(hits(fake, 'POST', '/identity/oauth/token')).toHaveLength(2);
      expect(hits(fake, 'POST', '/auth/token')).toHaveLength(0);
      expect(hits(fake, 'GET', '/api/authinfo')).toHaveLength(1); // the discovery is cached
      expect(hits(fake, 'GET', '/api/authinfo')[0].authorization).toBeUndefined();
    });
  });

  it('prefers HALOPSA_TENANT over the tenant_id authinfo names', async () => {
    await withFake({ tenant: 'acme' }, async (fake) => {
      await expect(adapterFor(fake, { tenant: 'other' }).getCompany('1')).rejects.toThrow(/Unknown or missing tenant/);
      expect(hits(fake, 'POST', '/auth/token')[0].query).toEqual({ tenant: 'other' });
    });
  });

  it('falls back to <url>/auth/token (with the tenant) when the instance has no authinfo, and remembers that', async () => {
    await withFake({ noAuthInfo: true, tenant: 'acme' }, async (fake) => {
      const clock = new TestClock();
      const psa = adapterFor(fake, { tenant: 'acme' }, { clock });
      expect(await psa.getCompany('3')).toMatchObject({ id: '3' });
      clock.advance(3600_000);
      await psa.getCompany('3');
      expect(hits(fake, 'POST', '/auth/token').map((r) => r.query)).toEqual([{ tenant: 'acme' }, { tenant: 'acme' }]);
      expect(hits(fake, 'GET', '/api/authinfo')).toHaveLength(1);
    });
  });

  it('uses the default once when authinfo fails, and asks it again for the next token', async () => {
    await withFake({}, async (fake) => {
      const clock = new TestClock();
      const psa = adapterFor(fake, {}, { clock, retries: 0 });
      fake.failNext({ status: 503, path: '/api/authinfo' });
      expect(await psa.getCompany('3')).toMatchObject({ id: '3' });
      clock.advance(3600_000);
      await psa.getCompany('3');
      expect(hits(fake, 'GET', '/api/authinfo')).toHaveLength(2);
      expect(hits(fake, 'POST', '/auth/token')).toHaveLength(2);
    });
  });

  it('the fake refuses a GET on the token endpoint and a POST on authinfo', async () => {
    expect((await fetch(`${halo.url}/auth/token`)).status).toBe(405);
    expect((await fetch(`${halo.url}/api/authinfo`, { method: 'POST' })).status).toBe(405);
  });
});
