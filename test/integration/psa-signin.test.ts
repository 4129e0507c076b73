// Sign-in resolution through the PSA, with a ConnectWise-compatible server on loopback: a known PSA
// contact gets a mail; an address on a company's domain gets a mail and, once the token is spent,
// "Create your account", whose POST creates exactly one PSA contact; a failing PSA leaves the
// sign-in page answering at once with the neutral message.
import { LOOKUP_TTL_MS } from '../../src/psa/connectwise/lookups.js';
import { startFakeConnectWise, type FakeConnectWise } from '../fakes/connectwise.js';
import { connectWiseEnv } from '../helpers/psa-env.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { postForm, staffAgent } from '../helpers/console.js';
import { createCompany, createContact } from '../helpers/factories.js';
import { confirmLink, csrfFrom, linkFrom, requestToken } from '../helpers/http.js';

const credentials = { companyId: 'msp', publicKey: 'pub', privateKey: 'priv', clientId: '9f1c2a7e-0000-4000-8000-000000000001' };
let cw: FakeConnectWise;
let t: TestApp;
let linkedCompanyId: number;
let n = 0;
const unique = (name: string) => `${name}-${++n}-${Date.now()}`;

beforeAll(async () => {
  cw = await startFakeConnectWise(credentials);
  cw.companies.push({ id: 250, identifier: 'Contoso', name: 'Contoso Ltd' }, { id: 300, identifier: 'Litware', name: 'Litware Inc' });
  t = await startTestApp({
    env: {
      ...connectWiseEnv(cw.url, credentials),
      SIGNIN_RATE_LIMIT_PER_IP: '10000/15m',
    },
    psa: { timeoutMs: 400, retries: 1, backoffMs: 50 },
  });
  const company = await createCompany(t.services.db, { name: 'Contoso', domains: ['contoso.example'], psaCompanyId: '250' });
  linkedCompanyId = company.id;
});
afterEach(() => cw.clearFailures());
afterAll(async () => {
  await t.close();
  await cw.close();
});

function psaContact(id: number, email: string, companyId = 250, inactive = false) {
  cw.contacts.push({
    id,
    firstName: 'Pia',
    lastName: 'Psa',
    company: { id: companyId, name: companyId === 250 ? 'Contoso Ltd' : 'Litware Inc' },
    inactiveFlag: inactive,
    communicationItems: [{ type: { id: 1, name: 'Email - Business' }, value: email, communicationType: 'Email', defaultFlag: true }],
  });
}

async function proveAddress(email: string) {
  const agent = t.agent();
  const before = t.smtp.messages.length;
  await requestToken(agent, email);
  await t.settle();
  const mail = await t.smtp.waitForMail(email, { after: before });
  const spent = await confirmLink(agent, linkFrom(mail));
  return { agent, spent, mail };
}

it('signs in a contact known only to the PSA, and links the local contact to it', async () => {
  const email = `${unique('pia')}@contoso.example`;
  psaContact(9001, email.toUpperCase());
  const { agent, spent } = await proveAddress(email);
  expect(spent.headers.location).toBe('/');
  expect((await agent.get('/')).text).toContain('Pia Psa');
  const local = await t.services.db('contacts').where({ email }).first();
  expect(local).toMatchObject({ company_id: linkedCompanyId, psa_contact_id: '9001', status: 'active' });
  expect(
    cw.requests.some(
      (r) =>
        r.path === '/company/contacts' && r.query.childConditions === `communicationItems/value="${email}" AND communicationItems/communicationType="Email"`,
    ),
  ).toBe(true);
});

it('asks a PSA contact without a name to complete the profile, and writes the names back to the PSA', async () => {
  const email = `${unique('nameless')}@contoso.example`;
  psaContact(9050, email);
  const row = cw.contacts.find((c) => c.id === 9050)!;
  row.firstName = '';
  row.lastName = '';
  const { agent, spent } = await proveAddress(email);
  expect(spent.headers.location).toBe('/');
  expect((await agent.get('/')).headers.location).toBe('/welcome/profile');
  const form = await agent.get('/welcome/profile');
  const saved = await agent
    .post('/welcome/profile')
    .type('form')
    .send({ _csrf: csrfFrom(form.text), firstName: 'Nora', lastName: 'Named' });
  expect(saved.headers.location).toBe('/');
  expect(cw.contacts.find((c) => c.id === 9050)).toMatchObject({ firstName: 'Nora', lastName: 'Named' });
  expect(cw.requests.some((r) => r.method === 'PATCH' && r.path === '/company/contacts/9050')).toBe(true);
});

it('imports the portal company when a PSA contact belongs to a PSA company not linked yet', async () => {
  const email = `${unique('lit')}@litware.example`;
  psaContact(9002, email, 300);
  const { spent } = await proveAddress(email);
  expect(spent.status).toBe(303);
  const company = await t.services.db('companies').where({ psa_company_id: '300' }).first();
  expect(company.name).toBe('Litware Inc');
  expect(await t.services.db('contacts').where({ email, company_id: company.id }).first()).toBeDefined();
});

it('sends nothing for inactive PSA contacts on no known domain', async () => {
  const email = `${unique('gone')}@elsewhere.example`;
  psaContact(9003, email, 250, true);
  const answer = await requestToken(t.agent(), email);
  expect(answer.status).toBe(200);
  await t.settle();
  expect(await t.services.db('login_tokens').where({ email })).toHaveLength(0);
});

it('lets someone on a company domain create their account only after spending the token, creating exactly one PSA contact', async () => {
  const email = `${unique('newbie')}@contoso.example`;
  const before = cw.contacts.length;
  const asker = `${unique('other')}@contoso.example`;
  const answer = await requestToken(t.agent(), asker);
  expect(answer.text).toContain('Check your mail');
  await t.settle();
  expect(await t.services.db('login_tokens').where({ email: asker })).toHaveLength(1); // a mail went out
  expect(cw.contacts.length).toBe(before); // but asking creates nothing
  expect(await t.services.db('contacts').where({ email: asker })).toHaveLength(0);

  const { agent, spent } = await proveAddress(email);
  expect(spent.headers.location).toBe('/signin/create-account');
  const form = await agent.get('/signin/create-account');
  expect(form.text).toContain('Create your account');
  expect(form.text).toContain('Contoso');
  const bad = await agent
    .post('/signin/create-account')
    .type('form')
    .send({ _csrf: csrfFrom(form.text), firstName: '', lastName: 'X' });
  expect(bad.status).toBe(400);
  expect(bad.text).toContain('Enter your first name');
  const created = await agent
    .post('/signin/create-account')
    .type('form')
    .send({ _csrf: csrfFrom(form.text), firstName: 'Nina', lastName: 'New', phone: '+41 44 000 00 00' });
  expect(created.status).toBe(303);
  expect((await agent.get('/')).text).toContain('Nina New');

  const inPsa = cw.contacts.filter((c) => c.communicationItems.some((i) => i.value.toLowerCase() === email));
  expect(inPsa).toHaveLength(1);
  expect(inPsa[0]).toMatchObject({ firstName: 'Nina', lastName: 'New', company: { id: 250 } });
  // The fake's instance has no type named "Email" (as the recorded sandbox): the default Email-flagged type is used.
  expect(inPsa[0]!.communicationItems[0]).toMatchObject({ type: { id: 1, name: 'Email - Business' }, communicationType: 'Email', value: email });
  expect(await t.services.db('contacts').where({ email }).first()).toMatchObject({ psa_contact_id: String(inPsa[0]!.id), company_id: linkedCompanyId });
});

it('creates one PSA contact when two browsers create the same new account at once', async () => {
  const email = `${unique('race')}@contoso.example`;
  const first = await proveAddress(email);
  t.clock.advance(61_000);
  const second = await proveAddress(email);
  const forms = await Promise.all([first.agent.get('/signin/create-account'), second.agent.get('/signin/create-account')]);
  // A slow PSA create makes the two creations overlap for certain.
  // 150 ms: well below the 400 ms timeout of this suite even on a loaded machine (a PSA answer slower
  // than the timeout would be a 503, which is not what this test is about).
  cw.failNext({ method: 'POST', delayMs: 150, times: 1 });
  const results = await Promise.all(
    [first.agent, second.agent].map((agent, i) =>
      agent
        .post('/signin/create-account')
        .type('form')
        .send({ _csrf: csrfFrom(forms[i]!.text), firstName: 'Rae', lastName: `Race${i}` }),
    ),
  );
  expect(results.map((r) => r.status)).toEqual([303, 303]);
  expect(cw.requests.filter((r) => r.method === 'POST' && JSON.stringify(r.body).includes(email))).toHaveLength(1);
  expect(cw.contacts.filter((c) => c.communicationItems.some((i) => i.value.toLowerCase() === email))).toHaveLength(1);
  expect(await t.services.db('contacts').where({ email })).toHaveLength(1);
});

it('cannot create an account without a spent token', async () => {
  const agent = t.agent();
  const page = await agent.get('/signin');
  const res = await agent
    .post('/signin/create-account')
    .type('form')
    .send({ _csrf: csrfFrom(page.text), firstName: 'Sneaky', lastName: 'Person' });
  expect(res.status).toBe(400);
  expect(res.text).toContain('expired');
});

it('with "invited contacts only" sends nothing to PSA contacts or domain addresses, but still to local contacts', async () => {
  const { agent: admin } = await staffAgent(t, 'admin');
  await postForm(admin, '/admin/settings/access', '/admin/settings/access', {
    staffEmailToken: 'on',
    magicLinksEnabled: 'on',
    magicLinkMinutes: '15',
    signInPolicy: 'invited_only',
  });
  try {
    const psaOnly = `${unique('inv')}@contoso.example`;
    psaContact(9010, psaOnly);
    const domainOnly = `${unique('dom')}@contoso.example`;
    const local = await createContact(t.services.db, { companyId: linkedCompanyId, email: `${unique('local')}@contoso.example` });
    for (const email of [psaOnly, domainOnly, local.email]) expect((await requestToken(t.agent(), email)).status).toBe(200);
    await t.settle();
    expect(await t.services.db('login_tokens').whereIn('email', [psaOnly, domainOnly])).toHaveLength(0);
    expect(await t.services.db('login_tokens').where({ email: local.email })).toHaveLength(1);
  } finally {
    await postForm(admin, '/admin/settings/access', '/admin/settings/access', {
      staffEmailToken: 'on',
      magicLinksEnabled: 'on',
      magicLinkMinutes: '15',
      signInPolicy: 'domain',
    });
  }
});

describe('when the PSA fails', () => {
  it('answers at once with the neutral page, records the error for the console, and known contacts still sign in', async () => {
    const local = await createContact(t.services.db, { companyId: linkedCompanyId, email: `${unique('steady')}@contoso.example` });
    cw.failNext({ status: 500, times: 2, body: { code: 'InternalError', message: 'database is on fire' } }); // one read and its retry
    const unknown = `${unique('psa-down')}@elsewhere.example`;
    const started = Date.now();
    const answer = await requestToken(t.agent(), unknown);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('Check your mail');
    await t.settle();
    expect(await t.services.db('login_tokens').where({ email: unknown })).toHaveLength(0);
    const event = await t.services.db('psa_events').orderBy('id', 'desc').first();
    expect(event.message).toContain('database is on fire');
    // The read was retried once before giving up.
    expect(cw.requests.filter((r) => r.path === '/company/contacts' && r.query.childConditions?.includes(unknown))).toHaveLength(2);

    // An address on a company's domain gets nothing either while the PSA cannot say whether the
    // person exists there: the domain route could otherwise create a second PSA contact.
    cw.failNext({ status: 500, times: 2 });
    const onDomain = `${unique('domain-down')}@contoso.example`;
    await requestToken(t.agent(), onDomain);
    await t.settle();
    expect(await t.services.db('login_tokens').where({ email: onDomain })).toHaveLength(0);

    const { agent, spent } = await proveAddress(local.email);
    expect(spent.headers.location).toBe('/');
    expect((await agent.get('/')).status).toBe(200);

    const { agent: admin } = await staffAgent(t, 'technician');
    expect((await admin.get('/admin/psa')).text).toContain('database is on fire');
  });

  it('answers at once while the PSA hangs, and gives up on it after its timeout', async () => {
    cw.failNext({ delayMs: 3000, times: 2 }); // one read and its retry
    const started = Date.now();
    const email = `${unique('hang')}@contoso.example`;
    const answer = await requestToken(t.agent(), email);
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('Check your mail');
    expect(Date.now() - started).toBeLessThan(2000);
    // The background lookup ends by timeout (2 × 400 ms here), not when the PSA finally answers.
    await t.settle();
    expect(Date.now() - started).toBeLessThan(2500);
    expect((await t.services.db('psa_events').orderBy('id', 'desc').first()).message).toContain('no answer within 400 ms');
    expect(await t.services.db('login_tokens').where({ email })).toHaveLength(0);
  });

  it('creates nothing half-way when the PSA refuses to create the contact, and works on a retry', async () => {
    const email = `${unique('halfway')}@contoso.example`;
    const { agent } = await proveAddress(email);
    const form = await agent.get('/signin/create-account');
    cw.failNext({ method: 'POST', status: 500, times: 1, body: { code: 'InternalError', message: 'try later' } });
    const failed = await agent
      .post('/signin/create-account')
      .type('form')
      .send({ _csrf: csrfFrom(form.text), firstName: 'Hal', lastName: 'Fway' });
    expect(failed.status).toBe(503);
    expect(failed.text).toContain('could not be created right now');
    expect(await t.services.db('contacts').where({ email })).toHaveLength(0);
    const retried = await agent
      .post('/signin/create-account')
      .type('form')
      .send({ _csrf: csrfFrom(form.text), firstName: 'Hal', lastName: 'Fway' });
    expect(retried.status).toBe(303);
    expect(await t.services.db('contacts').where({ email })).toHaveLength(1);
  });
});

describe('a ConnectWise instance not set up for new contacts', () => {
  it('says so on "Create your account" and on the console, and works once an Email type exists', async () => {
    const email = `${unique('notype')}@contoso.example`;
    t.clock.advance(LOOKUP_TTL_MS); // the types read by earlier tests are no longer kept
    const { agent } = await proveAddress(email);
    const form = await agent.get('/signin/create-account');
    const emailTypes = cw.communicationTypes.filter((c) => c.emailFlag);
    cw.communicationTypes.splice(0, cw.communicationTypes.length, ...cw.communicationTypes.filter((c) => !c.emailFlag));
    try {
      const failed = await agent
        .post('/signin/create-account')
        .type('form')
        .send({ _csrf: csrfFrom(form.text), firstName: 'Tia', lastName: 'Type' });
      expect(failed.status).toBe(503);
      expect(failed.text).toContain('cannot be created until your IT provider finishes setting up');
      expect(failed.text).not.toContain('Try again in a few minutes');
      expect(await t.services.db('contacts').where({ email })).toHaveLength(0);
      const event = await t.services.db('psa_events').orderBy('id', 'desc').first();
      expect(event).toMatchObject({ operation: 'createContact', message: expect.stringContaining('no communication type with Email flag') });

      const { agent: admin } = await staffAgent(t, 'technician');
      await postForm(admin, '/admin/psa', '/admin/psa/test', {});
      expect((await admin.get('/admin/psa')).text).toContain('Connection failed: no communication type with Email flag');
    } finally {
      cw.communicationTypes.push(...emailTypes);
    }
    const created = await agent
      .post('/signin/create-account')
      .type('form')
      .send({ _csrf: csrfFrom(form.text), firstName: 'Tia', lastName: 'Type' });
    expect(created.status).toBe(303);
  });
});

describe('deleted and inactive PSA companies', () => {
  it.each(['listed', 'hidden'] as const)(
    'a contact of a deleted company gets nothing and the company is not imported (deleted companies %s)',
    async (reading) => {
      cw.behaviour.deletedCompanies = reading;
      try {
        const id = reading === 'listed' ? 320 : 321;
        cw.companies.push({ id, identifier: `Old${id}`, name: `Old Company ${id}`, deletedFlag: true });
        const email = `${unique('deleted')}@old${id}.example`;
        psaContact(9100 + id, email, id);
        expect((await requestToken(t.agent(), email)).status).toBe(200);
        await t.settle();
        expect(await t.services.db('login_tokens').where({ email })).toHaveLength(0);
        expect(await t.services.db('companies').where({ psa_company_id: String(id) })).toHaveLength(0);
      } finally {
        cw.behaviour.deletedCompanies = 'listed';
      }
    },
  );

  it('a contact of a company on an inactive status gets nothing, even when the company is linked', async () => {
    cw.companies.push({ id: 330, identifier: 'Dormant', name: 'Dormant Ltd', status: { id: 2, name: 'Inactive' } });
    await createCompany(t.services.db, { name: 'Dormant (portal)', psaCompanyId: '330' });
    const email = `${unique('dormant')}@dormant.example`;
    psaContact(9330, email, 330);
    await requestToken(t.agent(), email);
    await t.settle();
    expect(await t.services.db('login_tokens').where({ email })).toHaveLength(0);
    expect(await t.services.db('contacts').where({ email })).toHaveLength(0);
  });
});

describe('one address, several companies', () => {
  it('lets the person pick an account after sign-in and switch later without signing in again', async () => {
    const email = `${unique('multi')}@shared.example`;
    const other = await createCompany(t.services.db, { name: 'Second Client' });
    await createContact(t.services.db, { companyId: linkedCompanyId, email, firstName: 'Sam', lastName: 'Both' });
    await createContact(t.services.db, { companyId: other.id, email, firstName: 'Sam', lastName: 'Both' });
    const { agent, spent } = await proveAddress(email);
    expect(spent.headers.location).toBe('/signin/choose');
    const choose = await agent.get('/signin/choose');
    expect(choose.text).toContain('Contoso');
    expect(choose.text).toContain('Second Client');
    const secondId = (await t.services.db('contacts').where({ email, company_id: other.id }).first()).id;
    const picked = await agent
      .post('/signin/choose')
      .type('form')
      .send({ _csrf: csrfFrom(choose.text), contactId: secondId });
    expect(picked.status).toBe(303);
    const home = await agent.get('/');
    expect(home.text).toContain('<dd>Second Client</dd>');
    expect(home.text).toContain('Switch to Contoso');
    const firstId = (await t.services.db('contacts').where({ email, company_id: linkedCompanyId }).first()).id;
    const switched = await agent
      .post('/switch-account')
      .type('form')
      .send({ _csrf: csrfFrom(home.text), contactId: firstId });
    expect(switched.status).toBe(303);
    expect((await agent.get('/')).text).toContain('<dd>Contoso</dd>');
    // Not an account of this address: refused.
    const stranger = await createContact(t.services.db, { companyId: other.id });
    const refused = await agent
      .post('/switch-account')
      .type('form')
      .send({ _csrf: csrfFrom((await agent.get('/')).text), contactId: stranger.id });
    expect(refused.status).toBe(400);
  });
});

describe('the console PSA page', () => {
  it('tests the connection, searches PSA companies and links or imports them', async () => {
    const { agent } = await staffAgent(t, 'technician');
    const tested = await postForm(agent, '/admin/psa', '/admin/psa/test', {});
    expect(tested.status).toBe(303);
    expect((await agent.get('/admin/psa')).text).toContain('Connection works: ConnectWise Manage');

    cw.companies.push({ id: 410, identifier: 'Adatum', name: 'Adatum Corporation' }, { id: 411, identifier: 'AdatumEU', name: 'Adatum Europe' });
    const search = await agent.get('/admin/psa?q=adatum');
    expect(search.text).toContain('Adatum Corporation');
    expect(search.text).toContain('Adatum Europe');

    const imported = await postForm(agent, '/admin/psa?q=adatum', '/admin/psa/link', { psaCompanyId: '410' });
    expect(imported.status).toBe(303);
    expect(await t.services.db('companies').where({ psa_company_id: '410' }).first()).toMatchObject({ name: 'Adatum Corporation' });

    const portal = await createCompany(t.services.db, { name: 'Adatum EU (portal)' });
    const linked = await postForm(agent, '/admin/psa?q=adatum', '/admin/psa/link', { psaCompanyId: '411', companyId: String(portal.id) });
    expect(linked.status).toBe(303);
    expect(await t.services.db('companies').where({ id: portal.id }).first()).toMatchObject({ psa_company_id: '411' });
    const again = await postForm(agent, '/admin/psa?q=adatum', '/admin/psa/link', { psaCompanyId: '411' });
    expect(again.status).toBe(409);

    const page = await agent.get('/admin/psa?q=adatum');
    cw.failNext({ status: 500, times: 2, body: { code: 'InternalError', message: 'search broke' } });
    const down = await agent
      .post('/admin/psa/link')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), psaCompanyId: '412' });
    expect(down.status).toBe(502);
    expect(down.text).toContain('search broke');

    const linkedAlready = await postForm(agent, '/admin/psa?q=adatum', '/admin/psa/link', { psaCompanyId: '250', companyId: String(portal.id) });
    expect(linkedAlready.status).toBe(409);

    cw.failNext({ status: 401, times: 1, body: { code: 'Unauthorized', message: 'keys revoked' } });
    await postForm(agent, '/admin/psa', '/admin/psa/test', {});
    expect((await agent.get('/admin/psa')).text).toContain('Connection failed');
  });
});
