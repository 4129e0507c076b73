// Issue 15, low findings 4-8 and 13, tried through HTTP as an attacker would: cookies a sibling subdomain
// plants, login CSRF, cross-site posts, anonymous sessions from ?returnTo=, pages cached after sign-out,
// session and link lifetimes, uploads parsed before the session is known, and the headers.
import supertest from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { clientAgent, postForm, staffAgent } from '../helpers/console.js';
import { createContact } from '../helpers/factories.js';
import { csrfFrom, linkFrom, requestToken } from '../helpers/http.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { SIGNIN_RATE_LIMIT_PER_IP: '10000/15m' } });
});
afterAll(async () => t.close());

const setCookies = (res: supertest.Response) => ([] as string[]).concat(res.headers['set-cookie'] ?? []);
const cookieValue = (res: supertest.Response, name: string) =>
  setCookies(res)
    .find((c) => c.startsWith(`${name}=`))
    ?.split(';')[0];

const sessionCount = async (app: TestApp = t) => {
  const { redis, db, config } = app.services;
  if (redis) return (await redis.keys(`${config.redisKeyPrefix}sess:*`)).length;
  return Number((await db('http_sessions').count({ n: '*' }).first())!.n);
};

let n = 0;
const newContact = () => createContact(t.services.db, { email: `low-${++n}-${Date.now()}@contoso.example` });

/** The attacker: their own anonymous nonce cookie and token, and a sign-in link for their own address. */
async function attackerKit(app: TestApp) {
  const contact = await createContact(app.services.db, { email: `attacker-${++n}-${Date.now()}@contoso.example` });
  // By hand rather than with an agent: a cookie jar keeps Secure cookies off supertest's plain http.
  const page = await supertest(app.app).get('/signin');
  const nonceCookie = cookieValue(page, app.config.baseUrl.protocol === 'https:' ? '__Host-portico.csrf' : 'portico.csrf')!;
  const token = csrfFrom(page.text);
  const before = app.smtp.messages.length;
  await supertest(app.app).post('/signin/email').set('Cookie', nonceCookie).type('form').send({ _csrf: token, email: contact.email });
  await app.settle();
  const link = linkFrom(await app.smtp.waitForMail(contact.email, { after: before }));
  return { link, nonceCookie, token };
}

describe('login CSRF: a planted token cannot sign the victim in as the attacker', () => {
  const verify = (app: TestApp, kit: { link: URL; token: string }, cookie: string) =>
    supertest(app.app)
      .post('/signin/verify')
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: kit.token, token: kit.link.searchParams.get('token') });

  it('refuses the form a sibling subdomain posts, with its planted nonce, whatever the browser says of it', async () => {
    const kit = await attackerKit(t);
    for (const headers of [{ 'Sec-Fetch-Site': 'same-site' }, { 'Sec-Fetch-Site': 'cross-site' }, { Origin: 'http://evil.test.example' }, { Origin: 'null' }]) {
      const res = await verify(t, kit, kit.nonceCookie).set(headers);
      expect(res.status).toBe(403);
      expect(cookieValue(res, 'portico.sid')).toBeUndefined();
    }
    // The same form from the portal's own pages still works (the attacker signing themselves in).
    const own = await verify(t, kit, kit.nonceCookie).set({ 'Sec-Fetch-Site': 'same-origin', Origin: t.config.baseUrl.origin });
    expect(own.status).toBe(303);
  });

  it("refuses a planted nonce beside the victim's own (two cookies of one name), even without any browser header", async () => {
    const kit = await attackerKit(t);
    const victim = await supertest(t.app).get('/signin');
    const res = await verify(t, kit, `${kit.nonceCookie}; ${cookieValue(victim, 'portico.csrf')}`);
    expect(res.status).toBe(403);
    expect(cookieValue(res, 'portico.sid')).toBeUndefined();
  });

  it('on https reads only the __Host- nonce, which a sibling subdomain cannot set', async () => {
    const https = await startTestApp({ env: { BASE_URL: 'https://portal.test.example', SIGNIN_RATE_LIMIT_PER_IP: '10000/15m' } });
    try {
      const kit = await attackerKit(https);
      // What a sibling can plant is a cookie without the prefix (Domain=.test.example).
      const planted = kit.nonceCookie.replace(/^__Host-/, '');
      const res = await verify(https, kit, planted);
      expect(res.status).toBe(403);
      expect(setCookies(res).some((c) => c.includes('portico.sid='))).toBe(false);
      expect((await verify(https, kit, kit.nonceCookie)).status).toBe(303); // the real one (the attacker's own browser)
      const page = await supertest(https.app).get('/signin');
      expect(setCookies(page).every((c) => c.startsWith('__Host-'))).toBe(true);
    } finally {
      await https.close();
    }
  });
});

describe('Origin and Sec-Fetch-Site on every POST', () => {
  it('refuses a signed-in cross-site post with a valid token, and takes requests without the headers on the token alone', async () => {
    const { agent } = await clientAgent(t);
    const home = await agent.get('/');
    const _csrf = csrfFrom(home.text);
    expect((await agent.post('/sessions/end-others').set('Sec-Fetch-Site', 'cross-site').type('form').send({ _csrf })).status).toBe(403);
    expect((await agent.post('/sessions/end-others').set('Origin', 'https://evil.example').type('form').send({ _csrf })).status).toBe(403);
    expect(
      (
        await agent
          .post('/sessions/end-others')
          .type('form')
          .send({ _csrf: 'x'.repeat(43) })
      ).status,
    ).toBe(403);
    expect((await agent.post('/sessions/end-others').type('form').send({ _csrf })).status).toBe(303);
    expect((await agent.post('/sessions/end-others').set('Origin', t.config.baseUrl.origin).type('form').send({ _csrf })).status).toBe(303);
  });
});

describe('duplicate session cookies', () => {
  it('treats two session cookies of one name as no session', async () => {
    const contact = await newContact();
    const agent = t.agent();
    await requestToken(agent, contact.email);
    await t.settle();
    const link = linkFrom(await t.smtp.waitForMail(contact.email));
    const confirm = await agent.get(link.pathname + link.search);
    const signedIn = await agent
      .post('/signin/verify')
      .type('form')
      .send({ _csrf: csrfFrom(confirm.text), token: link.searchParams.get('token') });
    const own = cookieValue(signedIn, 'portico.sid')!;
    expect((await supertest(t.app).get('/').set('Cookie', own)).status).toBe(200);
    // Its own cookie plus one planted for the whole domain (the browser sends both): neither is believed.
    const doubled = await supertest(t.app).get('/').set('Cookie', `portico.sid=s%3Aplanted.sig; ${own}`);
    expect(doubled.status).toBe(303);
    expect(doubled.headers.location).toBe('/signin');
  });
});

describe('no server-side session for anonymous page views with ?returnTo=', () => {
  it('keeps the returnTo in the form (portal, console deep link, Microsoft link) until a sign-in is asked for', async () => {
    const before = await sessionCount();
    for (let i = 0; i < 5; i++) {
      const page = await supertest(t.app).get(`/signin?returnTo=${encodeURIComponent(`/sessions?x=${i}`)}`);
      expect(page.text).toContain(`name="returnTo" value="/sessions?x=${i}"`);
      expect(cookieValue(page, 'portico.sid')).toBeUndefined();
      const deep = await supertest(t.app).get(`/admin/contacts?page=${i}`);
      expect(deep.status).toBe(303);
      const consoleSignIn = await supertest(t.app).get(deep.headers.location!);
      expect(consoleSignIn.text).toContain(`name="returnTo" value="/admin/contacts?page=${i}"`);
      expect(cookieValue(consoleSignIn, 'portico.admin.sid')).toBeUndefined();
    }
    expect(await sessionCount()).toBe(before);
  });

  // Asks for a mail from the sign-in page (its returnTo field as given), opens the link and confirms:
  // where the sign-in lands.
  async function landingAfterSignIn(pagePath: string, returnTo: string) {
    const contact = await newContact();
    const agent = t.agent();
    const page = await agent.get(pagePath);
    await agent
      .post('/signin/email')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), email: contact.email, returnTo });
    await t.settle();
    const link = linkFrom(await t.smtp.waitForMail(contact.email));
    const confirm = await agent.get(link.pathname + link.search);
    const done = await agent
      .post('/signin/verify')
      .type('form')
      .send({ _csrf: csrfFrom(confirm.text), token: link.searchParams.get('token') });
    return done.headers.location;
  }

  it('still brings the person back to the page after the sign-in', async () => {
    expect(await landingAfterSignIn('/signin?returnTo=%2Fsessions', '/sessions')).toBe('/sessions');
  });

  it('does not follow a portal returnTo into the console however it is capitalised', async () => {
    expect(await landingAfterSignIn('/signin', '/ADMIN/settings')).toBe('/');
  });
});

describe('pages behind a session', () => {
  it('are never cached: Cache-Control no-store on portal and console pages of signed-in people', async () => {
    const { agent } = await clientAgent(t);
    for (const path of ['/', '/sessions', '/profile']) expect((await agent.get(path)).headers['cache-control']).toBe('no-store');
    const { agent: tech } = await staffAgent(t, 'technician');
    for (const path of ['/admin', '/admin/contacts', '/admin/companies']) expect((await tech.get(path)).headers['cache-control']).toBe('no-store');
  });

  it('send a Permissions-Policy that denies the features Portico does not use', async () => {
    const res = await supertest(t.app).get('/signin');
    expect(res.headers['permissions-policy']).toContain('camera=()');
    expect(res.headers['permissions-policy']).toContain('geolocation=()');
    expect(res.headers['permissions-policy']).toContain('microphone=()');
  });
});

describe('uploads to the console', () => {
  it('are not parsed for a browser without a staff session: refused by the CSRF check, not read', async () => {
    const big = await supertest(t.app)
      .post('/admin/contacts/import')
      .attach('file', Buffer.alloc(1_100_000, 'a'), { filename: 'big.csv', contentType: 'text/csv' });
    expect(big.status).toBe(403); // parsed, it would have been 413 (too large)
    // A contact's portal session is no staff session either.
    const { agent } = await clientAgent(t);
    const home = await agent.get('/');
    const asClient = await agent
      .post('/admin/contacts/import')
      .field('_csrf', csrfFrom(home.text))
      .attach('file', Buffer.alloc(1_100_000, 'a'), { filename: 'big.csv', contentType: 'text/csv' });
    expect(asClient.status).toBe(403);
  });
});

describe('lifetimes within ASVS level 2', () => {
  it('ends a staff session after 30 minutes unused', async () => {
    const { agent } = await staffAgent(t, 'technician');
    t.clock.advance(29 * 60_000);
    expect((await agent.get('/admin')).status).toBe(200);
    t.clock.advance(31 * 60_000);
    const res = await agent.get('/admin');
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/^\/admin\/signin/);
  });

  it('ends a staff session 12 hours after the sign-in, however active', async () => {
    const { agent } = await staffAgent(t, 'technician');
    for (let minutes = 20; minutes < 12 * 60; minutes += 20) {
      t.clock.advance(20 * 60_000);
      expect((await agent.get('/admin')).status).toBe(200);
    }
    t.clock.advance(20 * 60_000);
    expect((await agent.get('/admin')).status).toBe(303);
  });

  it('makes magic links for 10 minutes by default', async () => {
    const contact = await newContact();
    const { expiresAt } = await t.services.magicLinks.generateForContact(contact.id, null);
    expect(Math.abs(new Date(expiresAt).getTime() - t.clock.now().getTime() - 10 * 60_000)).toBeLessThan(1_000);
  });

  it('keeps client sessions within level 2 unless an admin explicitly chooses longer, and then warns', async () => {
    expect(await t.services.settings.get('session_policy')).toMatchObject({ idleMinutes: 30, absoluteHours: 12, beyondLevel2: false });
    const { agent: admin } = await staffAgent(t, 'admin');
    const fields = { termsText: '', termsVersion: '', mode: 'browser', rememberDays: '30', idleMinutes: '720', absoluteHours: '168' };
    const refused = await postForm(admin, '/admin/settings/portal', '/admin/settings/portal', fields);
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('At most 30 minutes (ASVS level 2)');
    expect(refused.text).toContain('At most 12 hours (ASVS level 2)');
    const chosen = await postForm(admin, '/admin/settings/portal', '/admin/settings/portal', { ...fields, beyondLevel2: 'on' });
    expect(chosen.status).toBe(303);
    const page = await admin.get('/admin/settings/portal');
    expect(page.text).toContain('Warning: clients stay signed in longer than ASVS level 2 allows');
    expect(await t.services.settings.get('session_policy')).toMatchObject({ idleMinutes: 720, absoluteHours: 168, beyondLevel2: true });
    await postForm(admin, '/admin/settings/portal', '/admin/settings/portal', { ...fields, idleMinutes: '30', absoluteHours: '12' });
    expect((await admin.get('/admin/settings/portal')).text).not.toContain('Warning: clients stay signed in longer');
  });
});
