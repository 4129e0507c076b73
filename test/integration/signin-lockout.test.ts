// Targeted lockout (issue 15, Medium 2): an attacker who hammers a victim's address, from other
// clients, with mail requests and wrong codes, must not keep the victim from signing in. TRUST_PROXY
// lets each client speak from its own IP (X-Forwarded-For); the limits are the defaults.
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createContact } from '../helpers/factories.js';
import { codeFrom, confirmLink, csrfFor, csrfFrom, linkFrom, requestToken, submitCode } from '../helpers/http.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { TRUST_PROXY: 'true' } });
});
afterAll(async () => t.close());

type Agent = ReturnType<TestApp['agent']>;
let ip = 0;
/** A browser of its own from an IP address of its own. */
const client = () => t.agent().set('X-Forwarded-For', `203.0.113.${++ip}`);

async function askConsole(agent: Agent, email: string) {
  const _csrf = await csrfFor(agent, '/admin/signin');
  return agent.post('/admin/signin/email').type('form').send({ _csrf, email });
}

async function consoleCode(agent: Agent, code: string) {
  const page = await agent.get('/admin/signin/code');
  return agent
    .post('/admin/signin/code')
    .type('form')
    .send({ _csrf: csrfFrom(page.text), code });
}

async function nextMail(email: string, before: number) {
  await t.settle();
  return t.smtp.waitForMail(email, { after: before });
}

/** Requests mails until refused, then posts wrong codes in its own flow until refused. */
async function hammer(attacker: Agent, email: string, ask: typeof requestToken, guess: typeof submitCode) {
  const statuses: number[] = [];
  for (let i = 0; i < 8; i++) statuses.push((await ask(attacker, i % 2 ? email.toUpperCase() : email.replace('@', `+${i}@`))).status);
  expect(statuses).toContain(429);
  for (let i = 0; i < 12; i++) statuses.push((await guess(attacker, 'AAAA-AAAA')).status);
  expect(statuses.slice(-1)).toEqual([429]);
}

it('lets a staff member sign in to the console while an attacker hammers the address from other IPs, portal and console', async () => {
  const email = `victim-${Date.now()}@msp.example`;
  await t.services.staff.create({ email, name: 'Vic Tim', role: 'technician' });
  const victim = client();
  let before = t.smtp.messages.length;
  expect((await askConsole(victim, email)).status).toBe(200);
  const pending = await nextMail(email, before);

  for (const attacker of [client(), client()]) {
    await hammer(attacker, email, requestToken, submitCode); // the portal's budget
    await hammer(attacker, email, askConsole, consoleCode); // the console's, from elsewhere
  }
  await t.settle();

  // The pending code still works (no request from another browser revoked it), at the first try.
  const signedIn = await consoleCode(victim, codeFrom(pending));
  expect(signedIn.status).toBe(303);
  expect(signedIn.headers.location).toBe('/admin');
  expect((await victim.get('/admin')).text).toContain('Vic Tim');

  // And a new request from the victim's own browser still gets a mail and signs in.
  const later = client();
  before = t.smtp.messages.length;
  expect((await askConsole(later, email)).status).toBe(200);
  expect((await consoleCode(later, codeFrom(await nextMail(email, before)))).status).toBe(303);
});

it('lets a client sign in by the pending link after other browsers asked for the same address (they do not revoke it)', async () => {
  const contact = await createContact(t.services.db, { email: `client-${Date.now()}@contoso.example` });
  const victim = client();
  const before = t.smtp.messages.length;
  await requestToken(victim, contact.email);
  const pending = await nextMail(contact.email, before);
  for (let i = 0; i < 3; i++) expect((await requestToken(client(), contact.email)).status).toBe(200);
  await t.settle();
  expect((await confirmLink(victim, linkFrom(pending))).headers.location).toBe('/');
  expect((await victim.get('/')).status).toBe(200);
});

it('keeps portal and console budgets apart: five portal requests do not lock the address out of the console', async () => {
  const email = `both-${Date.now()}@msp.example`;
  await t.services.staff.create({ email, name: 'Bo Th', role: 'technician' });
  const sameIp = `198.18.0.${Date.now() % 250}`;
  const portal = t.agent().set('X-Forwarded-For', sameIp);
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) statuses.push((await requestToken(portal, email)).status);
  expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  const consoleBrowser = t.agent().set('X-Forwarded-For', sameIp);
  const before = t.smtp.messages.length;
  expect((await askConsole(consoleBrowser, email)).status).toBe(200);
  expect((await consoleCode(consoleBrowser, codeFrom(await nextMail(email, before)))).status).toBe(303);
});

it('counts code tries atomically: of parallel tries past the free ones, one is compared and the rest wait', async () => {
  const contact = await createContact(t.services.db, { email: `parallel-${Date.now()}@contoso.example` });
  const agent = client();
  await requestToken(agent, contact.email);
  await t.settle();
  const _csrf = csrfFrom((await agent.get('/signin/code')).text);
  // Default SIGNIN_CODE_FAILURES_PER_ADDRESS is 10/1h: ten free tries, spread over two tokens (five burn one).
  for (let i = 0; i < 4; i++) expect((await submitCode(agent, 'AAAA-AAAA')).status).toBe(400);
  t.clock.advance(61_000);
  await agent.post('/signin/resend').type('form').send({ _csrf });
  await t.settle();
  const parallel = (n: number) =>
    Promise.all(Array.from({ length: n }, () => agent.post('/signin/code').type('form').send({ _csrf, code: 'AAAA-AAAA' }))).then((answers) =>
      answers.map((a) => a.status).sort(),
    );
  // Tries 5 to 10 are free; none of the four past them slips through with them.
  expect(await parallel(10)).toEqual([400, 400, 400, 400, 400, 400, 429, 429, 429, 429]);
  // After the wait, of five parallel tries exactly one is let through; the others wait again.
  t.clock.advance(31_000);
  expect(await parallel(5)).toEqual([400, 429, 429, 429, 429]);
});
