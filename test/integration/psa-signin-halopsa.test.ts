// Sign-in resolution through HaloPSA, with a Halo-compatible server on loopback whose authorisation
// server is not at the default /auth (so every sign-in here also proves the /api/authinfo discovery):
// a user known only by a secondary address signs in as that user (no second user is created), a new
// account goes on the client's main site without a Halo welcome mail, and an inactive client's users
// get nothing.
import { startFakeHaloPsa, type FakeHaloPsa } from '../fakes/halopsa.js';
import { haloPsaEnv } from '../helpers/psa-env.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createCompany } from '../helpers/factories.js';
import { confirmLink, csrfFrom, linkFrom, requestToken } from '../helpers/http.js';

const credentials = { clientId: 'portico-app', clientSecret: 'correct-horse' };
let halo: FakeHaloPsa;
let t: TestApp;
let linkedCompanyId: number;
let n = 0;
const unique = (name: string) => `${name}-${++n}-${Date.now()}`;

beforeAll(async () => {
  halo = await startFakeHaloPsa({ ...credentials, authPath: '/identity' });
  halo.clients.push({ id: 1, name: 'Contoso Ltd', main_site_id: 12 }, { id: 2, name: 'Tailspin (closed)', inactive: true, main_site_id: 20 });
  halo.sites.push(
    { id: 11, name: 'Contoso Annex', client_id: 1 }, // listed first, but not the main site
    { id: 12, name: 'Contoso HQ', client_id: 1 },
    { id: 20, name: 'Tailspin HQ', client_id: 2 },
  );
  t = await startTestApp({
    env: {
      ...haloPsaEnv(halo.url, credentials),
      SIGNIN_RATE_LIMIT_PER_IP: '10000/15m',
    },
    psa: { timeoutMs: 1000, retries: 1, backoffMs: 50 },
  });
  const company = await createCompany(t.services.db, { name: 'Contoso', domains: ['contoso.example'], psaCompanyId: '1' });
  linkedCompanyId = company.id;
});
afterEach(() => halo.clearFailures());
afterAll(async () => {
  await t.close();
  await halo.close();
});

async function proveAddress(email: string) {
  const agent = t.agent();
  const before = t.smtp.messages.length;
  await requestToken(agent, email);
  await t.settle();
  const mail = await t.smtp.waitForMail(email, { after: before });
  const spent = await confirmLink(agent, linkFrom(mail));
  return { agent, spent };
}

const usersWith = (email: string) => halo.users.filter((u) => [u.emailaddress, u.email2, u.email3].some((e) => e?.toLowerCase() === email));

it('signs in a Halo user known by a secondary address as that user, creating no second one', async () => {
  const email = `${unique('dana')}@contoso.example`;
  halo.users.push({
    id: 500,
    name: 'Dana Scully',
    firstname: 'Dana',
    surname: 'Scully',
    emailaddress: 'dana@fbi.example',
    email2: email.toUpperCase(),
    site_id: 12,
    client_id: 1,
    inactive: false,
  });
  const { agent, spent } = await proveAddress(email);
  expect(spent.headers.location).toBe('/'); // a known contact: no "Create your account"
  expect((await agent.get('/')).text).toContain('Dana Scully');
  expect(await t.services.db('contacts').where({ email }).first()).toMatchObject({ company_id: linkedCompanyId, psa_contact_id: '500' });
  expect(halo.requests.filter((r) => r.method === 'POST' && r.path === '/api/users')).toHaveLength(0);
  expect(usersWith(email)).toHaveLength(1);
  expect(halo.requests.some((r) => r.method === 'POST' && r.path === '/identity/token')).toBe(true);
  expect(halo.requests.some((r) => r.path === '/auth/token')).toBe(false);
});

it("creates a new account's Halo user on the client's main site, without Halo's welcome mail", async () => {
  const email = `${unique('newbie')}@contoso.example`;
  const { agent, spent } = await proveAddress(email);
  expect(spent.headers.location).toBe('/signin/create-account');
  const form = await agent.get('/signin/create-account');
  const created = await agent
    .post('/signin/create-account')
    .type('form')
    .send({ _csrf: csrfFrom(form.text), firstName: 'Nina', lastName: 'New' });
  expect(created.status).toBe(303);
  const inHalo = usersWith(email);
  expect(inHalo).toHaveLength(1);
  expect(inHalo[0]).toMatchObject({ site_id: 12, client_id: 1, firstname: 'Nina', surname: 'New', sendwelcomeemail: false });
  expect(halo.welcomeEmails).not.toContain(email);
  expect(await t.services.db('contacts').where({ email }).first()).toMatchObject({ psa_contact_id: String(inHalo[0]!.id), company_id: linkedCompanyId });
});

it("sends nothing to an inactive client's user, and does not import the client", async () => {
  const email = `${unique('tail')}@tailspin.example`;
  halo.users.push({ id: 600, name: 'Tia Tail', firstname: 'Tia', surname: 'Tail', emailaddress: email, site_id: 20, client_id: 2, inactive: false });
  expect((await requestToken(t.agent(), email)).status).toBe(200);
  await t.settle();
  expect(await t.services.db('login_tokens').where({ email })).toHaveLength(0);
  expect(await t.services.db('companies').where({ psa_company_id: '2' }).first()).toBeUndefined();
});

it("sends nothing to an inactive Halo user whose address is on a linked client's domain", async () => {
  const email = `${unique('gone')}@contoso.example`;
  halo.users.push({
    id: 700,
    name: 'Gone Away',
    firstname: 'Gone',
    surname: 'Away',
    emailaddress: 'other@fbi.example',
    email3: email,
    site_id: 12,
    client_id: 1,
    inactive: true,
  });
  const { agent, spent } = await proveAddress(email); // the domain route still mails the proof
  expect(spent.headers.location).toBe('/signin/create-account');
  const form = await agent.get('/signin/create-account');
  const refused = await agent
    .post('/signin/create-account')
    .type('form')
    .send({ _csrf: csrfFrom(form.text), firstName: 'Gone', lastName: 'Again' });
  // Halo knows the address (on an inactive user): no second user, and no account.
  expect(refused.status).toBe(403);
  expect(usersWith(email)).toHaveLength(1);
  expect(await t.services.db('contacts').where({ email })).toHaveLength(0);
});
