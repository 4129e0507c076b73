// Issue 15, Low 9: a NUL byte (or another control character) in a form field, a query string or an API
// body is refused at the edge with a 400 and a plain message, instead of reaching the database (a 500).
import supertest from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { postForm, staffAgent } from '../helpers/console.js';
import { createCompany } from '../helpers/factories.js';
import { csrfFor } from '../helpers/http.js';

let t: TestApp;
let apiKey: string;
let technician: Awaited<ReturnType<typeof staffAgent>>;

beforeAll(async () => {
  t = await startTestApp({ env: { SIGNIN_RATE_LIMIT_PER_IP: '10000/15m' } });
  await createCompany(t.services.db, { name: 'Contoso', domains: ['contoso.example'] });
  technician = await staffAgent(t, 'admin');
  apiKey = (await t.services.apiKeys.create('Control characters', { staffId: technician.member.id })).secret;
});
afterAll(async () => t.close());

const PLAIN = /contains a control character \(such as a NUL byte\)/;

it('refuses a NUL byte in a sign-in form field with a 400 and a plain message', async () => {
  for (const email of ['megan\u0000@contoso.example', 'megan@contoso.example\u0000', 'me\u001bgan@contoso.example', 'megan\u0085@contoso.example']) {
    const agent = t.agent();
    const res = await agent
      .post('/signin/email')
      .type('form')
      .send({ _csrf: await csrfFor(agent), email });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(PLAIN);
  }
});

it('refuses a control character in any query string value, on the portal and the console', async () => {
  for (const path of ['/signin?email=a%00b', '/signin?returnTo=/%00', '/signin/verify?token=x%00y', '/signin?%00=1']) {
    const res = await supertest(t.app).get(path);
    expect([path, res.status]).toEqual([path, 400]);
    expect(res.text).toMatch(PLAIN);
  }
  const search = await technician.agent.get('/admin/contacts?q=a%00b');
  expect(search.status).toBe(400);
  expect(search.text).toMatch(PLAIN);
  // The search itself still works.
  expect((await technician.agent.get('/admin/contacts?q=ab')).status).toBe(200);
});

it('refuses a control character in a console form (names) with a 400', async () => {
  const res = await postForm(technician.agent, '/admin/staff', '/admin/staff', { email: 'new@msp.example', name: 'New\u0000Person', role: 'technician' });
  expect(res.status).toBe(400);
  expect(res.text).toMatch(PLAIN);
});

it('refuses a control character in the User API query and JSON body with a 400 in its error format', async () => {
  const api = supertest(t.app);
  const search = await api.get('/api/v1/contacts?q=a%00b').set('Authorization', `Bearer ${apiKey}`);
  expect(search.status).toBe(400);
  expect(search.body.error.message).toMatch(PLAIN);
  const create = await api
    .post('/api/v1/contacts')
    .set('Authorization', `Bearer ${apiKey}`)
    .send({ email: 'nul@contoso.example', first_name: 'N\u0000', last_name: 'Ul' });
  expect(create.status).toBe(400);
  expect(create.body.error.message).toMatch(PLAIN);
  expect((await api.get('/api/v1/contacts?q=ab').set('Authorization', `Bearer ${apiKey}`)).status).toBe(200);
});
