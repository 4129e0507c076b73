// Sign-in through an Autotask-compatible server on loopback (test/fakes/autotask.ts), over HTTP: inactive
// companies and contacts keep people out, and "Create your account" asks for what Autotask would refuse
// (a name over 50, a phone over 25, a missing last name from a Microsoft sign-in) instead of failing.
// Kept apart from psa-signin.test.ts (ConnectWise) because each file runs one app with one PSA.
import { startFakeAutotask, type FakeAutotask } from '../fakes/autotask.js';
import { startFakeEntra, type FakeEntra } from '../fakes/entra.js';
import { autotaskEnv } from '../helpers/psa-env.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createCompany } from '../helpers/factories.js';
import { confirmLink, csrfFrom, linkFrom, requestToken } from '../helpers/http.js';

const creds = { username: 'api-user@msp.example', secret: 'correct-horse', integrationCode: 'INTEGRATION-CODE-1' };
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const client = { clientId: '0c0c0c0c-1111-4222-8333-444444444444', clientSecret: 'entra-test-secret' };
let at: FakeAutotask;
let entra: FakeEntra;
let t: TestApp;
let linkedCompanyId: number;
let n = 0;
const unique = (name: string) => `${name}-${++n}-${Date.now()}`;
const creates = () => at.requests.filter((r) => r.method === 'POST' && /\/Companies\/\d+\/Contacts$/.test(r.path));

beforeAll(async () => {
  at = await startFakeAutotask(creds);
  at.companies.push({ id: 250, companyName: 'Contoso Ltd', isActive: true }, { id: 300, companyName: 'Litware Inc', isActive: false });
  entra = await startFakeEntra({ ...client, redirectUris: ['http://portal.test.example/auth/microsoft/callback'], tenants: [TENANT] });
  t = await startTestApp({
    env: {
      ...autotaskEnv(at.url, creds),
      MICROSOFT_CLIENT_ID: client.clientId,
      MICROSOFT_CLIENT_SECRET: client.clientSecret,
      MICROSOFT_AUTHORITY: entra.authority,
      SIGNIN_RATE_LIMIT_PER_IP: '10000/15m',
    },
    psa: { timeoutMs: 1000, retries: 1, backoffMs: 50 },
  });
  const company = await createCompany(t.services.db, { name: 'Contoso', domains: ['contoso.example'], psaCompanyId: '250' });
  await t.services.db('company_tenants').insert({ company_id: company.id, tenant_id: TENANT });
  linkedCompanyId = company.id;
});
afterAll(async () => {
  await t.close();
  await at.close();
  await entra.close();
});

function psaContact(id: number, email: string, companyID = 250, isActive = 1) {
  at.contacts.push({ id, companyID, firstName: 'Pia', lastName: 'Psa', emailAddress: email, emailAddress2: null, emailAddress3: null, phone: null, isActive });
}

async function proveAddress(email: string) {
  const agent = t.agent();
  const before = t.smtp.messages.length;
  await requestToken(agent, email);
  await t.settle();
  const mail = await t.smtp.waitForMail(email, { after: before });
  const spent = await confirmLink(agent, linkFrom(mail));
  return { agent, spent };
}

async function tokensFor(email: string) {
  await requestToken(t.agent(), email);
  await t.settle();
  return t.services.db('login_tokens').where({ email });
}

it('signs in an active contact of an active Autotask company', async () => {
  const email = `${unique('pia')}@contoso.example`;
  psaContact(9001, email);
  const { spent } = await proveAddress(email);
  expect(spent.headers.location).toBe('/');
  expect(await t.services.db('contacts').where({ email }).first()).toMatchObject({ company_id: linkedCompanyId, psa_contact_id: '9001' });
});

it('does not import an inactive Autotask company nor let its contacts in', async () => {
  const email = `${unique('lit')}@litware.example`;
  psaContact(9002, email, 300);
  expect(await tokensFor(email)).toHaveLength(0);
  expect(await t.services.db('companies').where({ psa_company_id: '300' })).toHaveLength(0);
  expect(await t.services.db('contacts').where({ email })).toHaveLength(0);
});

it('does not let in the contact of a linked company that Autotask has since made inactive', async () => {
  await createCompany(t.services.db, { name: 'Litware (portal)', psaCompanyId: '300' });
  const email = `${unique('lit2')}@elsewhere.example`;
  psaContact(9003, email, 300);
  expect(await tokensFor(email)).toHaveLength(0);
  expect(await t.services.db('contacts').where({ email })).toHaveLength(0);
});

it('does not let in an inactive contact (isActive 0)', async () => {
  const email = `${unique('gone')}@elsewhere.example`;
  psaContact(9004, email, 250, 0);
  expect(await tokensFor(email)).toHaveLength(0);
});

it('asks again beside the field for a name or phone too long for Autotask, sending nothing it would refuse', async () => {
  const email = `${unique('long')}@contoso.example`;
  const { agent, spent } = await proveAddress(email);
  expect(spent.headers.location).toBe('/signin/create-account');
  const form = await agent.get('/signin/create-account');
  const before = creates().length;
  const refused = await agent
    .post('/signin/create-account')
    .type('form')
    .send({ _csrf: csrfFrom(form.text), firstName: 'F'.repeat(60), lastName: 'Long', phone: '+41 44 000 00 00 00 00 00 00' });
  expect(refused.status).toBe(400);
  expect(refused.text).toContain('Use at most 50 characters');
  expect(refused.text).toContain('Use at most 25 characters');
  expect(refused.text).toContain('aria-invalid="true" aria-describedby="firstName-error"');
  expect(refused.text).toContain('aria-invalid="true" aria-describedby="phone-error"');
  expect(refused.text).not.toContain('could not be created right now');
  expect(creates()).toHaveLength(before);
  expect(await t.services.db('contacts').where({ email })).toHaveLength(0);

  const created = await agent
    .post('/signin/create-account')
    .type('form')
    .send({ _csrf: csrfFrom(form.text), firstName: 'Fay', lastName: 'Long', phone: '+41 44 000 00 00' });
  expect(created.status).toBe(303);
  expect(creates()).toHaveLength(before + 1);
  const inPsa = at.contacts.filter((c) => c.emailAddress === email);
  expect(inPsa).toHaveLength(1);
  expect(await t.services.db('contacts').where({ email }).first()).toMatchObject({ psa_contact_id: String(inPsa[0]!.id), first_name: 'Fay' });
});

it('lands a Microsoft sign-in without a last name on "Create your account", names prefilled, and links the identity', async () => {
  const email = `${unique('mononym')}@contoso.example`;
  const user = { tenant: TENANT, oid: '00000000-0000-4000-8000-000000000001', email, preferredUsername: email, name: 'Teller', givenName: 'Teller' };
  const agent = t.agent();
  entra.next(user);
  const start = await agent.get('/auth/microsoft');
  const callback = await entra.authorize(start.headers.location);
  const landed = await agent.get(callback.pathname + callback.search);
  expect(landed.status).toBe(303);
  expect(landed.headers.location).toBe('/signin/create-account');
  const before = creates().length;

  const form = await agent.get('/signin/create-account');
  expect(form.status).toBe(200);
  expect(form.text).toContain('value="Teller"');
  expect(form.text).toContain('Enter your last name');
  expect(form.text).toContain('needs these details');

  const created = await agent
    .post('/signin/create-account')
    .type('form')
    .send({ _csrf: csrfFrom(form.text), firstName: 'Teller', lastName: 'Penn' });
  expect(created.status).toBe(303);
  expect((await agent.get('/')).text).toContain('Teller Penn');
  expect(creates()).toHaveLength(before + 1);
  expect(at.contacts.find((c) => c.emailAddress === email)).toMatchObject({ firstName: 'Teller', lastName: 'Penn', companyID: 250 });
  const local = await t.services.db('contacts').where({ email }).first();
  expect(local).toMatchObject({ company_id: linkedCompanyId, entra_tenant_id: TENANT, entra_object_id: user.oid });
  const session = await t.services.db('auth_sessions').where({ contact_id: local.id }).orderBy('created_at', 'desc').first();
  expect(session?.method).toBe('microsoft');

  // The next Microsoft sign-in finds the contact by its identity.
  const next = t.agent();
  entra.next(user);
  const again = await next.get('/auth/microsoft');
  const back = await entra.authorize(again.headers.location);
  expect((await next.get(back.pathname + back.search)).headers.location).toBe('/');
});

it('creates no account under a company Autotask has made inactive', async () => {
  const closed = await createCompany(t.services.db, { name: 'Closed Client', domains: ['closed.example'] });
  at.companies.push({ id: 301, companyName: 'Closed Client Ltd', isActive: false });
  await t.services.db('companies').where({ id: closed.id }).update({ psa_company_id: '301' });
  const email = `${unique('late')}@closed.example`;
  const { agent, spent } = await proveAddress(email);
  expect(spent.headers.location).toBe('/signin/create-account');
  const form = await agent.get('/signin/create-account');
  const before = creates().length;
  const refused = await agent
    .post('/signin/create-account')
    .type('form')
    .send({ _csrf: csrfFrom(form.text), firstName: 'Lee', lastName: 'Late' });
  expect(refused.status).toBe(403);
  expect(refused.text).toContain('can no longer create an account here');
  expect(creates()).toHaveLength(before);
  expect(await t.services.db('contacts').where({ email })).toHaveLength(0);
});
