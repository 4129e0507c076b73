// The per-IP sign-in limit is a step declared on each sign-in route: over the limit the route answers
// 429 with Retry-After and does nothing else (no token spent, no mail); steps declared before it (the
// email flow's own checks) still answer first.
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createContact } from '../helpers/factories.js';
import { csrfFor } from '../helpers/http.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { SIGNIN_RATE_LIMIT_PER_IP: '2/15m', SIGNIN_RATE_LIMIT_PER_ADDRESS: '100/15m' } });
});
afterAll(async () => t.close());

it('refuses every sign-in POST from an address over its limit, before the route does anything', async () => {
  const contact = await createContact(t.services.db, { email: `limit-${Date.now()}@example.com` });
  const { link } = await t.services.magicLinks.generateForContact(contact.id, null);
  const token = new URL(link).searchParams.get('token')!;
  const portal = t.agent();
  const _csrf = await csrfFor(portal);
  for (let i = 0; i < 2; i += 1)
    expect(
      (
        await portal
          .post('/signin/email')
          .type('form')
          .send({ _csrf, email: `nobody${i}@example.com` })
      ).status,
    ).toBe(200);

  const refused = await portal.post('/signin/magic').type('form').send({ _csrf, token });
  expect(refused.status).toBe(429);
  expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  // The link was not spent: the route's own work never ran.
  expect(await t.services.magicLinks.check('contact', token)).toMatchObject({ ok: true });

  for (const path of ['/signin/email', '/signin/verify', '/signin/code', '/signin/resend']) {
    const res = await portal.post(path).type('form').send({ _csrf, email: contact.email, token, code: 'ABCD-EFGH' });
    expect([path, res.status]).toEqual([path, 429]);
    expect(res.headers['retry-after']).toBeDefined();
  }

  const console = t.agent();
  const consoleCsrf = await csrfFor(console, '/admin/signin');
  for (const path of ['/admin/signin/email', '/admin/signin/link', '/admin/signin/verify']) {
    expect([path, (await console.post(path).type('form').send({ _csrf: consoleCsrf, email: 'staff@example.com', token })).status]).toEqual([path, 429]);
  }
});

it('checks the email flow before the limit: without one, /code and /resend answer as before', async () => {
  const fresh = t.agent();
  const _csrf = await csrfFor(fresh);
  const code = await fresh.post('/signin/code').type('form').send({ _csrf, code: 'ABCD-EFGH' });
  expect(code.status).toBe(400);
  const resend = await fresh.post('/signin/resend').type('form').send({ _csrf });
  expect(resend.status).toBe(303);
  expect(resend.headers.location).toBe('/signin');
});
