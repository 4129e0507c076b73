// Session fixation after the address is proven (issue 15, Medium 1): someone who planted a session
// cookie in the victim's browser (a sibling subdomain can) knows the session that asks for the mail.
// Once the link or code is spent, "choose an account" and "create your account" must live in a new
// session (new id, new CSRF token), so the planted cookie and its token are worthless.
import supertest from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createCompany, createContact } from '../helpers/factories.js';
import { codeFrom, confirmLink, csrfFrom, linkFrom, requestToken, submitCode } from '../helpers/http.js';

let t: TestApp;
let companyId: number;
let n = 0;
const unique = (name: string) => `${name}-${++n}-${Date.now()}`;

beforeAll(async () => {
  t = await startTestApp({ env: { SIGNIN_RATE_LIMIT_PER_IP: '10000/15m' } });
  companyId = (await createCompany(t.services.db, { name: 'Contoso', domains: ['contoso.example'] })).id;
});
afterAll(async () => t.close());

const sidCookie = (res: supertest.Response) =>
  ([] as string[])
    .concat(res.headers['set-cookie'] ?? [])
    .find((c) => c.startsWith('portico.sid='))
    ?.split(';')[0];

/** The victim asks for a mail in the session the attacker planted; returns that cookie and the mail. */
async function plantedSessionAsksForMail(email: string) {
  const victim = t.agent();
  const before = t.smtp.messages.length;
  const asked = await requestToken(victim, email);
  const planted = sidCookie(asked)!;
  expect(planted).toMatch(/^portico\.sid=s%3A/);
  await t.settle();
  return { victim, planted, plantedCsrf: csrfFrom(asked.text), mail: await t.smtp.waitForMail(email, { after: before }) };
}

/** The attacker: requests of their own, each carrying the planted cookie. */
const attacker = () => supertest(t.app);

async function twoAccounts() {
  const email = `${unique('shared')}@shared.example`;
  const other = await createCompany(t.services.db, { name: unique('Second Client') });
  await createContact(t.services.db, { companyId, email, firstName: 'Sam', lastName: 'Both' });
  const second = await createContact(t.services.db, { companyId: other.id, email, firstName: 'Sam', lastName: 'Both' });
  return { email, secondId: second.id };
}

it('moves "choose an account" to a new session when a link is spent: the planted cookie cannot pick the account', async () => {
  const { email, secondId } = await twoAccounts();
  const { victim, planted, plantedCsrf, mail } = await plantedSessionAsksForMail(email);
  const spent = await confirmLink(victim, linkFrom(mail));
  expect(spent.headers.location).toBe('/signin/choose');
  const renewed = sidCookie(spent);
  expect(renewed).toBeDefined();
  expect(renewed).not.toBe(planted);

  const seen = await attacker().get('/signin/choose').set('Cookie', planted);
  expect(seen.status).toBe(400);
  const taken = await attacker().post('/signin/choose').set('Cookie', planted).type('form').send({ _csrf: plantedCsrf, contactId: secondId });
  expect(taken.status).not.toBe(303);
  expect((await attacker().get('/').set('Cookie', planted)).status).toBe(303);

  // The victim goes on in the new session, with a new CSRF token.
  const choose = await victim.get('/signin/choose');
  expect(choose.status).toBe(200);
  expect(csrfFrom(choose.text)).not.toBe(plantedCsrf);
  const picked = await victim
    .post('/signin/choose')
    .type('form')
    .send({ _csrf: csrfFrom(choose.text), contactId: secondId });
  expect(picked.status).toBe(303);
  expect((await victim.get('/')).text).toContain('Second Client');
});

it('moves "choose an account" to a new session when a code is spent', async () => {
  const { email } = await twoAccounts();
  const { victim, planted, mail } = await plantedSessionAsksForMail(email);
  const spent = await submitCode(victim, codeFrom(mail));
  expect(spent.headers.location).toBe('/signin/choose');
  expect(sidCookie(spent)).not.toBe(planted);
  expect((await attacker().get('/signin/choose').set('Cookie', planted)).status).toBe(400);
  expect((await victim.get('/signin/choose')).status).toBe(200);
});

it('moves "create your account" to a new session: the planted cookie cannot create the contact with names of its choosing', async () => {
  const email = `${unique('newcomer')}@contoso.example`;
  const { victim, planted, plantedCsrf, mail } = await plantedSessionAsksForMail(email);
  const spent = await confirmLink(victim, linkFrom(mail));
  expect(spent.headers.location).toBe('/signin/create-account');
  expect(sidCookie(spent)).not.toBe(planted);

  expect((await attacker().get('/signin/create-account').set('Cookie', planted)).status).toBe(400);
  const forged = await attacker()
    .post('/signin/create-account')
    .set('Cookie', planted)
    .type('form')
    .send({ _csrf: plantedCsrf, firstName: 'Mallory', lastName: 'Attacker' });
  expect(forged.status).not.toBe(303);
  expect(await t.services.db('contacts').where({ email })).toHaveLength(0);

  const form = await victim.get('/signin/create-account');
  expect(form.status).toBe(200);
  const created = await victim
    .post('/signin/create-account')
    .type('form')
    .send({ _csrf: csrfFrom(form.text), firstName: 'Nia', lastName: 'Newcomer' });
  expect(created.status).toBe(303);
  expect(await t.services.db('contacts').where({ email }).first()).toMatchObject({ first_name: 'Nia', last_name: 'Newcomer' });
});
