// "Sign in with Microsoft" through HTTP against a real OpenID Provider playing Entra ID on loopback:
// success, first-sign-in linking, every refusal, and the fallback to the email token.
import supertest from 'supertest';
import { startFakeEntra, type EntraUser, type FakeEntra } from '../fakes/entra.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createCompany, createContact } from '../helpers/factories.js';
import { csrfFrom } from '../helpers/http.js';

const CONTOSO = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const FABRIKAM = '11111111-2222-4333-8444-555555555555';
const STRANGERS = '99999999-8888-4777-8666-555555555555';
const MSP = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const FORGER = '12121212-3434-4565-8787-909090909090'; // signs with a key Microsoft never published
const client = { clientId: '0c0c0c0c-1111-4222-8333-444444444444', clientSecret: 'entra-test-secret' };

let entra: FakeEntra;
let t: TestApp;
let contosoId: number;
let n = 0;
const oid = () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;

type Agent = ReturnType<TestApp['agent']>;

/** Presses the button, signs in at the provider as `user`, and comes back to the callback. */
async function signInWithMicrosoft(
  agent: Agent,
  user: EntraUser | 'cancel',
  options: { start?: string; tweak?: (authorize: URL) => void; callback?: (url: URL) => URL } = {},
) {
  entra.next(user);
  const start = await agent.get(options.start ?? '/auth/microsoft');
  expect(start.status).toBe(303);
  const authorize = new URL(start.headers.location);
  options.tweak?.(authorize);
  let callback = await entra.authorize(authorize.toString());
  if (options.callback) callback = options.callback(callback);
  return agent.get(callback.pathname + callback.search);
}

async function lastFailureReason(): Promise<string | undefined> {
  const row = await t.services.db('audit_events').where({ action: 'signin.failure' }).orderBy('id', 'desc').first();
  return row?.detail?.reason;
}

beforeAll(async () => {
  entra = await startFakeEntra({
    ...client,
    redirectUris: ['http://portal.test.example/auth/microsoft/callback', 'http://portal.test.example/admin/auth/microsoft/callback'],
    tenants: [CONTOSO, FABRIKAM, STRANGERS, MSP, FORGER],
    unpublishedKeyTenants: [FORGER],
  });
  t = await startTestApp({
    env: {
      MICROSOFT_CLIENT_ID: client.clientId,
      MICROSOFT_CLIENT_SECRET: client.clientSecret,
      MICROSOFT_AUTHORITY: entra.authority,
      MSP_TENANT_ID: MSP,
      SIGNIN_RATE_LIMIT_PER_IP: '10000/15m',
    },
  });
  const contoso = await createCompany(t.services.db, { name: 'Contoso', domains: ['contoso.example'] });
  contosoId = contoso.id;
  await t.services.db('company_tenants').insert({ company_id: contoso.id, tenant_id: CONTOSO });
  const fabrikam = await createCompany(t.services.db, { name: 'Fabrikam', domains: ['fabrikam.example'] });
  await t.services.db('company_tenants').insert({ company_id: fabrikam.id, tenant_id: FABRIKAM });
  const forged = await createCompany(t.services.db, { name: 'Forged', domains: ['forged.example'] });
  await t.services.db('company_tenants').insert({ company_id: forged.id, tenant_id: FORGER });
});
afterAll(async () => {
  await t.close();
  await entra.close();
});

it('puts "Sign in with Microsoft" first on /signin', async () => {
  const page = await t.agent().get('/signin');
  const button = page.text.indexOf('Sign in with Microsoft');
  expect(button).toBeGreaterThan(0);
  expect(button).toBeLessThan(page.text.indexOf('name="email"'));
  expect(page.text).toContain('href="/auth/microsoft"');
});

it('sends the browser to Microsoft with code + PKCE S256, state, nonce, response_mode=query and prompt=select_account', async () => {
  const start = await t.agent().get('/auth/microsoft?login_hint=megan%40contoso.example');
  const url = new URL(start.headers.location);
  expect(url.origin + url.pathname).toBe(`${entra.origin}/organizations/oauth2/v2.0/authorize`);
  const q = url.searchParams;
  expect(q.get('response_type')).toBe('code');
  expect(q.get('code_challenge_method')).toBe('S256');
  expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(q.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(q.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(q.get('response_mode')).toBe('query');
  expect(q.get('prompt')).toBe('select_account');
  expect(q.get('redirect_uri')).toBe('http://portal.test.example/auth/microsoft/callback');
  expect(q.get('login_hint')).toBe('megan@contoso.example');
});

it('links a known contact at the first sign-in (verified address inside the tenant company) and recognises them by tid + oid after', async () => {
  const contact = await createContact(t.services.db, { companyId: contosoId, email: 'megan@contoso.example', firstName: 'Megan', lastName: 'Bowen' });
  const user = { tenant: CONTOSO, oid: oid(), email: 'Megan@contoso.example', preferredUsername: 'megan@contoso.example' };
  const agent = t.agent();
  const done = await signInWithMicrosoft(agent, user);
  expect(done.status).toBe(303);
  expect(done.headers.location).toBe('/');
  expect((await agent.get('/')).text).toContain('Megan Bowen');
  expect(await t.services.db('contacts').where({ id: contact.id }).first()).toMatchObject({ entra_tenant_id: CONTOSO, entra_object_id: user.oid });
  const success = await t.services.db('audit_events').where({ action: 'signin.success', actor_id: contact.id }).orderBy('id', 'desc').first();
  expect(success.detail.method).toBe('microsoft');

  // Next time the address in the token does not matter: tid + oid find the contact.
  const again = await signInWithMicrosoft(t.agent(), { ...user, email: 'megan.bowen@contoso.example', preferredUsername: 'megan.bowen@contoso.example' });
  expect(again.headers.location).toBe('/');
});

it('creates the contact when the company owns the domain but has no such contact, with the name from the token', async () => {
  const user = {
    tenant: CONTOSO,
    oid: oid(),
    email: 'newcomer@contoso.example',
    preferredUsername: 'newcomer@contoso.example',
    givenName: 'Nia',
    familyName: 'Newcomer',
  };
  const agent = t.agent();
  const done = await signInWithMicrosoft(agent, user);
  expect(done.headers.location).toBe('/');
  expect(await t.services.db('contacts').where({ email: 'newcomer@contoso.example' }).first()).toMatchObject({
    company_id: contosoId,
    first_name: 'Nia',
    last_name: 'Newcomer',
    entra_object_id: user.oid,
  });
});

it("holds the names from the token to the portal's name rules (issue 15, Low 10): one line, no < >, at most 100 characters", async () => {
  const user = {
    tenant: CONTOSO,
    oid: oid(),
    email: 'longname@contoso.example',
    preferredUsername: 'longname@contoso.example',
    givenName: `Ann\r\n<script>x</script>\u0000\u0085${'a'.repeat(5000)}`,
    familyName: '  Lee\tSmith <b>  ',
  };
  const done = await signInWithMicrosoft(t.agent(), user);
  expect(done.headers.location).toBe('/');
  const row = await t.services.db('contacts').where({ email: 'longname@contoso.example' }).first();
  expect(row.first_name).toMatch(/^Ann script x \/script a+$/);
  expect(row.first_name).toHaveLength(100);
  expect(row.last_name).toBe('Lee Smith b');
  // Only a display name: split into first and last, cleaned the same way.
  const named = {
    tenant: CONTOSO,
    oid: oid(),
    email: 'display@contoso.example',
    preferredUsername: 'display@contoso.example',
    name: 'Kim\n  <Park>\u0007 Jones',
  };
  expect((await signInWithMicrosoft(t.agent(), named)).headers.location).toBe('/');
  expect(await t.services.db('contacts').where({ email: 'display@contoso.example' }).first()).toMatchObject({ first_name: 'Kim', last_name: 'Park Jones' });
});

describe('falls back to the email token with a plain message', () => {
  it('refuses a tenant no company is linked to', async () => {
    const res = await signInWithMicrosoft(t.agent(), { tenant: STRANGERS, oid: oid(), email: 'eve@strangers.example' });
    expect(res.headers.location).toBe('/signin?microsoft=unknown_tenant&email=eve%40strangers.example');
    const page = await t.agent().get(res.headers.location);
    expect(page.text).toContain('Your organisation is not set up for Microsoft sign-in here');
    expect(page.text).toContain('value="eve@strangers.example"');
    expect(page.text).toContain('name="email"');
    expect(await lastFailureReason()).toBe('unknown_tenant');
  });

  it('refuses an unverified address that matches a contact', async () => {
    await createContact(t.services.db, { companyId: contosoId, email: 'adele@contoso.example' });
    const res = await signInWithMicrosoft(t.agent(), {
      tenant: CONTOSO,
      oid: oid(),
      email: 'adele@contoso.example',
      preferredUsername: 'someone.else@contoso.example',
      xmsEdov: false,
    });
    expect(res.headers.location).toMatch(/^\/signin\?microsoft=unverified_email/);
    expect(await t.services.db('contacts').where({ email: 'adele@contoso.example' }).first()).toMatchObject({ entra_object_id: null });
  });

  it('accepts an address Microsoft marks verified (xms_edov) even when it differs from the UPN', async () => {
    await createContact(t.services.db, { companyId: contosoId, email: 'lee@contoso.example', firstName: 'Lee', lastName: 'Gu' });
    const res = await signInWithMicrosoft(t.agent(), {
      tenant: CONTOSO,
      oid: oid(),
      email: 'lee@contoso.example',
      preferredUsername: 'lee.gu@contoso.onmicrosoft.example',
      xmsEdov: true,
    });
    expect(res.headers.location).toBe('/');
  });

  it('never links across companies: a Fabrikam identity does not become a Contoso contact', async () => {
    await createContact(t.services.db, { companyId: contosoId, email: 'diego@contoso.example' });
    const res = await signInWithMicrosoft(t.agent(), {
      tenant: FABRIKAM,
      oid: oid(),
      email: 'diego@contoso.example',
      preferredUsername: 'diego@contoso.example',
    });
    expect(res.headers.location).toMatch(/^\/signin\?microsoft=no_account/);
    expect(await t.services.db('contacts').where({ email: 'diego@contoso.example' }).first()).toMatchObject({ entra_object_id: null });
  });

  it('refuses a token whose issuer belongs to another tenant than its tid', async () => {
    await createContact(t.services.db, { companyId: contosoId, email: 'alex@contoso.example' });
    const res = await signInWithMicrosoft(t.agent(), {
      tenant: FABRIKAM,
      tidClaim: CONTOSO,
      oid: oid(),
      email: 'alex@contoso.example',
      preferredUsername: 'alex@contoso.example',
    });
    expect(res.headers.location).toMatch(/^\/signin\?microsoft=invalid_token/);
    expect(await lastFailureReason()).toBe('invalid_token');
  });

  it('refuses a token for several audiences unless azp names this portal (issue 15, Low 12)', async () => {
    await createContact(t.services.db, { companyId: contosoId, email: 'azp@contoso.example' });
    const user = { tenant: CONTOSO, email: 'azp@contoso.example', preferredUsername: 'azp@contoso.example' };
    const otherApp = '0d0d0d0d-5555-4666-8777-888888888888';
    for (const variant of [{ extraAudiences: [otherApp] }, { extraAudiences: [otherApp], azp: otherApp }]) {
      const res = await signInWithMicrosoft(t.agent(), { ...user, oid: oid(), ...variant });
      expect(res.headers.location).toMatch(/^\/signin\?microsoft=invalid_token/);
      expect(await lastFailureReason()).toBe('invalid_token');
    }
    // Several audiences, requested by this portal: accepted; one audience needs no azp.
    const oneOid = oid();
    const ok = await signInWithMicrosoft(t.agent(), { ...user, oid: oneOid, extraAudiences: [otherApp], azp: client.clientId });
    expect(ok.headers.location).toBe('/');
    expect((await signInWithMicrosoft(t.agent(), { ...user, oid: oneOid, azp: otherApp })).headers.location).toBe('/');
  });

  it('refuses a token signed with a key the provider does not publish', async () => {
    await createContact(t.services.db, { companyId: (await t.services.db('companies').where({ name: 'Forged' }).first()).id, email: 'mallory@forged.example' });
    const res = await signInWithMicrosoft(t.agent(), {
      tenant: FORGER,
      oid: oid(),
      email: 'mallory@forged.example',
      preferredUsername: 'mallory@forged.example',
    });
    expect(res.headers.location).toMatch(/^\/signin\?microsoft=invalid_token/);
  });

  it('refuses a wrong state', async () => {
    const res = await signInWithMicrosoft(
      t.agent(),
      { tenant: CONTOSO, oid: oid(), email: 'x@contoso.example' },
      { callback: (url) => (url.searchParams.set('state', 'forged'), url) },
    );
    expect(res.headers.location).toMatch(/^\/signin\?microsoft=bad_state/);
  });

  it('refuses a replayed state', async () => {
    await createContact(t.services.db, { companyId: contosoId, email: 'replay@contoso.example' });
    const agent = t.agent();
    let callback: URL | undefined;
    const first = await signInWithMicrosoft(
      agent,
      { tenant: CONTOSO, oid: oid(), email: 'replay@contoso.example', preferredUsername: 'replay@contoso.example' },
      { callback: (url) => (callback = url) },
    );
    expect(first.headers.location).toBe('/');
    const replay = await agent.get(callback!.pathname + callback!.search);
    expect(replay.headers.location).toMatch(/^\/signin\?microsoft=bad_state/);
  });

  it("refuses a nonce that is not this sign-in's", async () => {
    await createContact(t.services.db, { companyId: contosoId, email: 'nonce@contoso.example' });
    const res = await signInWithMicrosoft(
      t.agent(),
      { tenant: CONTOSO, oid: oid(), email: 'nonce@contoso.example', preferredUsername: 'nonce@contoso.example' },
      { tweak: (url) => url.searchParams.set('nonce', 'not-the-one-in-the-session') },
    );
    expect(res.headers.location).toMatch(/^\/signin\?microsoft=invalid_token/);
  });

  it('lands on the fallback when the person cancels (error=access_denied)', async () => {
    const res = await signInWithMicrosoft(t.agent(), 'cancel');
    expect(res.headers.location).toBe('/signin?microsoft=cancelled');
    expect((await t.agent().get(res.headers.location)).text).toContain('Microsoft sign-in was cancelled');
    expect(await lastFailureReason()).toBe('cancelled');
  });
});

it('falls back at once when Microsoft is unreachable, and the sign-in page does not wait for it', async () => {
  const down = await startTestApp({
    env: { MICROSOFT_CLIENT_ID: client.clientId, MICROSOFT_CLIENT_SECRET: client.clientSecret, MICROSOFT_AUTHORITY: 'http://127.0.0.1:9/organizations/v2.0' },
    microsoftTimeoutMs: 1000,
  });
  try {
    let started = Date.now();
    const page = await supertest(down.app).get('/signin');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Sign in with Microsoft');
    expect(Date.now() - started).toBeLessThan(1000);
    started = Date.now();
    const res = await down.agent().get('/auth/microsoft');
    expect(res.headers.location).toBe('/signin?microsoft=unavailable');
    // Discovery failed recently: the next click does not wait for another timeout.
    started = Date.now();
    expect((await down.agent().get('/auth/microsoft')).headers.location).toBe('/signin?microsoft=unavailable');
    expect(Date.now() - started).toBeLessThan(500);
    const fallback = await down.agent().get('/signin?microsoft=unavailable');
    expect(fallback.text).toContain('Microsoft sign-in is not available right now');
    expect(fallback.text).toContain('name="email"');
  } finally {
    await down.close();
  }
});

it('hides the button when Microsoft is not configured', async () => {
  const plain = await startTestApp();
  try {
    expect((await supertest(plain.app).get('/signin')).text).not.toContain('Sign in with Microsoft');
    expect((await supertest(plain.app).get('/auth/microsoft')).status).toBe(404);
  } finally {
    await plain.close();
  }
});

describe('staff', () => {
  it('signs staff in to the console from the MSP tenant only, linking them by verified address the first time', async () => {
    const member = await t.services.staff.create({ email: 'tech@msp.example', name: 'Tina Tech', role: 'technician' });
    const agent = t.agent();
    const page = await agent.get('/admin/signin');
    expect(page.text).toContain('href="/admin/auth/microsoft"');
    const user = { tenant: MSP, oid: oid(), email: 'tech@msp.example', preferredUsername: 'tech@msp.example' };
    const done = await signInWithMicrosoft(agent, user, { start: '/admin/auth/microsoft' });
    expect(done.headers.location).toBe('/admin');
    expect((await agent.get('/admin')).text).toContain('Tina Tech');
    expect(await t.services.db('staff').where({ id: member.id }).first()).toMatchObject({ entra_tenant_id: MSP, entra_object_id: user.oid });
    // The console session is the console's: the portal is not signed in by it.
    expect((await agent.get('/')).status).toBe(303);

    const outsider = await signInWithMicrosoft(
      t.agent(),
      { tenant: CONTOSO, oid: oid(), email: 'tech@msp.example', preferredUsername: 'tech@msp.example' },
      { start: '/admin/auth/microsoft' },
    );
    expect(outsider.headers.location).toMatch(/^\/admin\/signin\?microsoft=unknown_tenant/);
  });
});

it('keeps the CSRF-protected email form working on the fallback page', async () => {
  const agent = t.agent();
  const page = await agent.get('/signin?microsoft=provider_error&email=pat%40contoso.example');
  expect(page.text).toContain('Microsoft sign-in did not work');
  const answer = await agent
    .post('/signin/email')
    .type('form')
    .send({ _csrf: csrfFrom(page.text), email: 'pat@contoso.example' });
  expect(answer.status).toBe(200);
});

// Runs last in this file: it opens the fail-fast window, then moves the clock past it.
describe('when the token request to Microsoft fails', () => {
  afterEach(() => entra.failToken(undefined));

  it.each(['drop', 503] as const)('fails fast for 30 s after the token endpoint fails (%s): the button leads straight to the email form', async (mode) => {
    await createContact(t.services.db, { companyId: contosoId, email: `down-${mode}@contoso.example` });
    const user = { tenant: CONTOSO, oid: oid(), email: `down-${mode}@contoso.example`, preferredUsername: `down-${mode}@contoso.example` };
    entra.failToken(mode);
    const failed = await signInWithMicrosoft(t.agent(), user);
    expect(failed.headers.location).toBe('/signin?microsoft=unavailable');

    // Discovery is cached, yet nobody is sent to Microsoft now: the answer comes at once, without the network.
    for (const [start, signin] of [
      ['/auth/microsoft', '/signin'],
      ['/admin/auth/microsoft', '/admin/signin'],
    ]) {
      const started = Date.now();
      const click = await t.agent().get(start!);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(click.status).toBe(303);
      expect(click.headers.location).toBe(`${signin}?microsoft=unavailable`);
      const landing = await t.agent().get(click.headers.location);
      expect(landing.text.match(/Microsoft sign-in is not available right now/g)).toHaveLength(1);
      expect(landing.text).toContain('name="email"');
      // The sign-in page itself says so, and offers no button that would not work.
      const page = await t.agent().get(signin!);
      expect(page.text).toContain('Microsoft sign-in is not available right now');
      expect(page.text).not.toContain(`href="${start}"`);
      expect(page.text).toContain('name="email"');
    }

    // After the window Microsoft is tried again.
    entra.failToken(undefined);
    t.clock.advance(31_000);
    expect((await t.agent().get('/signin')).text).toContain('href="/auth/microsoft"');
    expect((await signInWithMicrosoft(t.agent(), user)).headers.location).toBe('/');
  });

  it('does not switch Microsoft off for everyone when one callback carries a made-up code', async () => {
    const agent = t.agent();
    const start = await agent.get('/auth/microsoft');
    const state = new URL(start.headers.location).searchParams.get('state')!;
    const forged = await agent.get(`/auth/microsoft/callback?${new URLSearchParams({ state, code: 'made-up' })}`);
    expect(forged.headers.location).toBe('/signin?microsoft=provider_error');
    expect(new URL((await t.agent().get('/auth/microsoft')).headers.location).origin).toBe(entra.origin);
  });
});
