// First sign-in (terms, then profile), session policy enforced on the server, a contact's own
// sessions, and login URLs signed by the MSP's programs.
import { SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import supertest from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { clientAgent, postForm, staffAgent } from '../helpers/console.js';
import { createContact } from '../helpers/factories.js';
import { csrfFrom } from '../helpers/http.js';

let t: TestApp;
// Settings need a sign-in within 15 minutes and these tests move the clock: a fresh admin each time.
const admin = async () => (await staffAgent(t, 'admin')).agent;

beforeAll(async () => {
  t = await startTestApp({ env: { SIGNIN_RATE_LIMIT_PER_IP: '10000/15m' } });
});
afterAll(async () => t.close());

// The defaults (within ASVS level 2: issue 15).
const portalSettings = { termsText: '', termsVersion: '', mode: 'browser', rememberDays: '30', idleMinutes: '30', absoluteHours: '12' };
const savePortal = async (fields: Partial<typeof portalSettings>) =>
  postForm(await admin(), '/admin/settings/portal', '/admin/settings/portal', { ...portalSettings, ...fields });

describe('first sign-in', () => {
  afterEach(async () => {
    await savePortal({});
  });

  it('shows the terms before any other page, records the acceptance, and asks again for a new version', async () => {
    expect((await savePortal({ termsText: 'Be nice to the help desk.', termsVersion: '2026-11' })).status).toBe(303);
    const { agent, contact } = await clientAgent(t);
    const home = await agent.get('/');
    expect(home.headers.location).toBe('/welcome/terms');
    expect((await agent.get('/sessions')).headers.location).toBe('/welcome/terms');
    const terms = await agent.get('/welcome/terms');
    expect(terms.text).toContain('Be nice to the help desk.');
    const unticked = await agent
      .post('/welcome/terms')
      .type('form')
      .send({ _csrf: csrfFrom(terms.text), version: '2026-11' });
    expect(unticked.status).toBe(400);
    expect(unticked.text).toContain('Tick the box');
    const accepted = await agent
      .post('/welcome/terms')
      .type('form')
      .send({ _csrf: csrfFrom(terms.text), version: '2026-11', accept: 'on' });
    expect(accepted.headers.location).toBe('/');
    expect((await agent.get('/')).status).toBe(200);
    const row = await t.services.db('contacts').where({ id: contact.id }).first();
    expect(row.terms_version).toBe('2026-11');
    expect(row.terms_accepted_at).not.toBeNull();
    expect(await t.services.db('audit_events').where({ action: 'terms.accepted', actor_id: contact.id })).toHaveLength(1);

    await savePortal({ termsText: 'Be nice to the help desk, and patch.', termsVersion: '2026-12' });
    expect((await agent.get('/')).headers.location).toBe('/welcome/terms');
    // Accepting the old version does not count.
    const page = await agent.get('/welcome/terms');
    await agent
      .post('/welcome/terms')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), version: '2026-11', accept: 'on' });
    expect((await agent.get('/')).headers.location).toBe('/welcome/terms');
  });

  it('asks for the name when the profile lacks it', async () => {
    const contact = await createContact(t.services.db, { email: `noname-${Date.now()}@contoso.example`, firstName: '', lastName: '' });
    const { agent } = await clientAgent(t, contact.company_id);
    // clientAgent made its own contact; sign the nameless one in through a magic link instead.
    const { link } = await t.services.magicLinks.generateForContact(contact.id, null);
    const url = new URL(link);
    const confirm = await agent.get(url.pathname + url.search);
    await agent
      .post(url.pathname)
      .type('form')
      .send({ _csrf: csrfFrom(confirm.text), token: url.searchParams.get('token') });
    expect((await agent.get('/')).headers.location).toBe('/welcome/profile');
    const form = await agent.get('/welcome/profile');
    const missing = await agent
      .post('/welcome/profile')
      .type('form')
      .send({ _csrf: csrfFrom(form.text), firstName: 'Ana', lastName: '' });
    expect(missing.status).toBe(400);
    expect(missing.text).toContain('Enter your last name');
    const saved = await agent
      .post('/welcome/profile')
      .type('form')
      .send({ _csrf: csrfFrom(form.text), firstName: 'Ana', lastName: 'Lopez' });
    expect(saved.headers.location).toBe('/');
    expect((await agent.get('/')).text).toContain('Ana Lopez');
  });
});

describe('session policy', () => {
  afterEach(async () => {
    await savePortal({});
  });

  it('ends sessions after the idle timeout, on the server', async () => {
    await savePortal({ idleMinutes: '30' });
    const { agent } = await clientAgent(t);
    expect((await agent.get('/')).status).toBe(200);
    t.clock.advance(20 * 60_000);
    expect((await agent.get('/')).status).toBe(200); // activity resets the idle clock
    t.clock.advance(20 * 60_000);
    expect((await agent.get('/')).status).toBe(200);
    t.clock.advance(31 * 60_000);
    expect((await agent.get('/')).status).toBe(303);
  });

  it('ends sessions after the absolute timeout even when active', async () => {
    await savePortal({ absoluteHours: '1', idleMinutes: '30' });
    const { agent } = await clientAgent(t);
    for (let i = 0; i < 3; i++) {
      t.clock.advance(25 * 60_000);
      const res = await agent.get('/');
      expect(res.status).toBe(i < 2 ? 200 : 303);
    }
  });

  it('keeps the cookie across browser restarts only with "remember me"', async () => {
    await savePortal({ mode: 'remember', rememberDays: '14' });
    const contact = await createContact(t.services.db, { email: `remember-${Date.now()}@contoso.example` });
    const { link } = await t.services.magicLinks.generateForContact(contact.id, null);
    const url = new URL(link);
    const agent = t.agent();
    const confirm = await agent.get(url.pathname + url.search);
    const signedIn = await agent
      .post(url.pathname)
      .type('form')
      .send({ _csrf: csrfFrom(confirm.text), token: url.searchParams.get('token') });
    const cookie = ([] as string[]).concat(signedIn.headers['set-cookie']).find((c) => c.startsWith('portico.sid='))!;
    const expires = new Date(/Expires=([^;]+)/.exec(cookie)![1]!).getTime();
    expect(Math.round((expires - Date.now()) / 86_400_000)).toBe(14);
  });
});

describe('your sessions', () => {
  it("lists the contact's sessions with device, IP and last seen, and ends the others", async () => {
    const contact = await createContact(t.services.db, { email: `multi-device-${Date.now()}@contoso.example` });
    const signInAs = async (userAgent: string) => {
      const { link } = await t.services.magicLinks.generateForContact(contact.id, null);
      const url = new URL(link);
      const agent = t.agent().set('User-Agent', userAgent);
      const confirm = await agent.get(url.pathname + url.search);
      await agent
        .post(url.pathname)
        .type('form')
        .send({ _csrf: csrfFrom(confirm.text), token: url.searchParams.get('token') });
      return agent;
    };
    const laptop = await signInAs('Mozilla/5.0 (Windows NT 10.0; Win64; x64) Gecko/20100101 Firefox/133.0');
    const phone = await signInAs('Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Version/18.0 Mobile/15E148 Safari/604.1');
    const page = await laptop.get('/sessions');
    expect(page.text).toContain('Firefox on Windows (this browser)');
    expect(page.text).toContain('Safari on iOS');
    const ended = await laptop
      .post('/sessions/end-others')
      .type('form')
      .send({ _csrf: csrfFrom(page.text) });
    expect(ended.status).toBe(303);
    expect((await phone.get('/')).status).toBe(303);
    expect((await laptop.get('/')).status).toBe(200);
    // Another contact's session cannot be ended from here.
    const { agent: other } = await clientAgent(t);
    const foreign = await t.services.db('auth_sessions').where({ contact_id: contact.id }).whereNull('revoked_at').first();
    const otherPage = await other.get('/sessions');
    expect(
      (
        await other
          .post(`/sessions/${foreign.id}/end`)
          .type('form')
          .send({ _csrf: csrfFrom(otherPage.text) })
      ).status,
    ).toBe(404);
  });
});

describe('login URLs for programs', () => {
  let secret: string;
  beforeAll(async () => {
    const agent = await admin();
    const page = await agent.get('/admin/settings/login-url');
    const rotated = await agent
      .post('/admin/settings/login-url/secret')
      .type('form')
      .send({ _csrf: csrfFrom(page.text) });
    secret = /id="jwt-secret" type="text" readonly value="([^"]+)"/.exec(rotated.text)![1]!;
    await postForm(agent, '/admin/settings/login-url', '/admin/settings/login-url', { enabled: 'on' });
  });

  const sign = (claims: Record<string, unknown>, options: { lifetime?: number; key?: string; iat?: number } = {}) => {
    const iat = options.iat ?? Math.floor(t.clock.now().getTime() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt(iat)
      .setExpirationTime(iat + (options.lifetime ?? 120))
      .setJti(randomUUID())
      .sign(new TextEncoder().encode(options.key ?? secret));
  };

  it('signs the contact in (by email or by id) and honours a local returnTo', async () => {
    const contact = await createContact(t.services.db, { email: `jwt-${Date.now()}@contoso.example`, firstName: 'Jay', lastName: 'Wot' });
    const agent = t.agent();
    const res = await agent.get(`/auth/jwt?token=${await sign({ email: contact.email, returnTo: '/sessions' })}`);
    expect(res.headers.location).toBe('/sessions');
    expect((await agent.get('/')).text).toContain('Jay Wot');
    const byId = await supertest(t.app).get(`/auth/jwt?token=${await sign({ contact_id: contact.id, returnTo: 'https://evil.example/' })}`);
    expect(byId.headers.location).toBe('/');
  });

  it('answers a contact_id that is not a positive 32-bit integer with "no contact", never a 500 (issue 15, Low 9)', async () => {
    for (const contactId of [1.5, -1, 0, 2 ** 31, 1e20, '12abc', '1.0', ' 7', '\u00007', true, [1], { id: 1 }]) {
      const res = await supertest(t.app).get(`/auth/jwt?token=${await sign({ contact_id: contactId })}`);
      expect([contactId, res.status, res.headers.location]).toEqual([contactId, 303, '/signin?jwt=no_contact']);
    }
  });

  it('does not follow a returnTo into the console: a portal sign-in lands on the portal', async () => {
    const contact = await createContact(t.services.db, { email: `jwt-admin-${Date.now()}@contoso.example` });
    for (const returnTo of ['/admin', '/admin/settings', '/admin?x=1']) {
      const res = await supertest(t.app).get(`/auth/jwt?token=${await sign({ email: contact.email, returnTo })}`);
      expect(res.headers.location).toBe('/');
    }
  });

  it.each(['reused', 'expired', 'too long-lived', 'badly signed'])('refuses a %s token with a plain message on /signin', async (kind) => {
    const contact = await createContact(t.services.db, { email: `jwt-bad-${kind.replace(/\W/g, '')}-${Date.now()}@contoso.example` });
    let token: string;
    if (kind === 'reused') {
      token = await sign({ email: contact.email });
      expect((await supertest(t.app).get(`/auth/jwt?token=${token}`)).headers.location).toBe('/');
    } else if (kind === 'expired') {
      token = await sign({ email: contact.email }, { iat: Math.floor(t.clock.now().getTime() / 1000) - 400, lifetime: 300 });
    } else if (kind === 'too long-lived') {
      token = await sign({ email: contact.email }, { lifetime: 3600 });
    } else {
      token = await sign({ email: contact.email }, { key: 'not-the-secret' });
    }
    const res = await supertest(t.app).get(`/auth/jwt?token=${token}`);
    expect(res.headers.location).toMatch(/^\/signin\?jwt=(reused|expired|too_long|invalid)$/);
    const page = await supertest(t.app).get(res.headers.location);
    expect(page.text).toMatch(/login link (has already been used|has expired|is not valid)/);
  });

  it('refuses everything while disabled', async () => {
    await postForm(await admin(), '/admin/settings/login-url', '/admin/settings/login-url', {});
    try {
      const contact = await createContact(t.services.db, { email: `jwt-off-${Date.now()}@contoso.example` });
      expect((await supertest(t.app).get(`/auth/jwt?token=${await sign({ email: contact.email })}`)).headers.location).toBe('/signin?jwt=disabled');
    } finally {
      await postForm(await admin(), '/admin/settings/login-url', '/admin/settings/login-url', { enabled: 'on' });
    }
  });
});
