// The email-token sign-in, end to end over HTTP with a cookie jar, real mail over SMTP, and the
// database and session store the suite runs against.
import supertest from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createCompany, createContact } from '../helpers/factories.js';
import { codeFrom, confirmLink, csrfFor, csrfFrom, linkFrom, requestToken, submitCode } from '../helpers/http.js';

let t: TestApp;
let companyId: number;

beforeAll(async () => {
  // Every request here comes from 127.0.0.1; the per-IP limit has its own test.
  t = await startTestApp({ env: { SIGNIN_RATE_LIMIT_PER_IP: '10000/15m' } });
  companyId = (await createCompany(t.services.db, { name: 'Contoso', domains: ['contoso.example'] })).id;
});
afterAll(async () => t.close());

let n = 0;
async function newContact(fields: { status?: 'active' | 'invited' | 'disabled' } = {}) {
  n += 1;
  return createContact(t.services.db, { companyId, email: `person${n}-${Date.now()}@contoso.example`, firstName: 'Megan', lastName: `Bowen${n}`, ...fields });
}

async function mailFor(email: string, after = 0) {
  await t.settle();
  return t.smtp.waitForMail(email, { after });
}

function cookieNamed(res: supertest.Response, name: string): string | undefined {
  return ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith(`${name}=`));
}

function sidOf(res: supertest.Response): string | undefined {
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  return cookies.find((c) => c.startsWith('portico.sid='))?.split(';')[0];
}

describe('the audit trail of a request', () => {
  it('records each request, saying whether a token was issued, and the token and mail with it', async () => {
    const contact = await newContact();
    const stranger = `nobody-${Date.now()}@nowhere.example`;
    await requestToken(t.agent(), contact.email);
    await requestToken(t.agent(), stranger);
    await t.settle();
    const events = await t.services
      .db('audit_events')
      .where({ action: 'signin.token_requested' })
      .whereRaw("detail->>'email' in (?, ?)", [contact.email, stranger]);
    const issued = Object.fromEntries(events.map((e: { detail: { email: string; issued: boolean } }) => [e.detail.email, e.detail.issued]));
    expect(issued).toEqual({ [contact.email]: true, [stranger]: false });
    const count = async (table: string, where: Record<string, string>) =>
      Number(((await t.services.db(table).where(where).count({ n: '*' })) as Array<{ n: string | number }>)[0]!.n);
    expect([await count('login_tokens', { email: contact.email }), await count('outbox', { to_address: contact.email })]).toEqual([1, 1]);
    expect([await count('login_tokens', { email: stranger }), await count('outbox', { to_address: stranger })]).toEqual([0, 0]);
  });
});

describe('signing in by link', () => {
  it('mails a link that opens a confirm page, and confirming signs in to home', async () => {
    const contact = await newContact();
    const agent = t.agent();
    const answer = await requestToken(agent, contact.email.toUpperCase());
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('Check your mail');
    expect(answer.text).toMatch(/name="code"/);

    const mail = await mailFor(contact.email);
    expect(mail.subject).toContain('Client Portal');
    expect(mail.text).toContain('expire in 10 minutes');
    expect(mail.html).toContain('Login now');
    const link = linkFrom(mail);
    expect(mail.html).toContain(link.toString().replace(/&/g, '&amp;'));
    expect(codeFrom(mail)).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}$/);

    const confirm = await agent.get(link.pathname + link.search);
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain(`Sign in to Client Portal as ${contact.email}?`);
    expect(confirm.headers['referrer-policy']).toBe('no-referrer');

    const signedIn = await agent
      .post('/signin/verify')
      .type('form')
      .send({ _csrf: csrfFrom(confirm.text), token: link.searchParams.get('token') });
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.location).toBe('/');
    const home = await agent.get('/');
    expect(home.status).toBe(200);
    expect(home.text).toContain(`Megan Bowen`);
    expect(home.text).toContain('Contoso');
    expect(home.text).toMatch(/<form method="post" action="\/signout"/);
  });

  it('uses the company portal name override in the mail and on the confirm page', async () => {
    const company = await createCompany(t.services.db, { name: 'Fabrikam', portalName: 'Fabrikam Help Desk' });
    const contact = await createContact(t.services.db, { companyId: company.id, email: `x${Date.now()}@fabrikam.example` });
    const agent = t.agent();
    await requestToken(agent, contact.email);
    const mail = await mailFor(contact.email);
    expect(mail.text).toContain('Fabrikam Help Desk');
    const confirm = await agent.get(linkFrom(mail).pathname + linkFrom(mail).search);
    expect(confirm.text).toContain('Sign in to Fabrikam Help Desk as');
  });

  it('GET and HEAD of the link spend nothing; the confirm POST does, once', async () => {
    const contact = await newContact();
    const agent = t.agent();
    await requestToken(agent, contact.email);
    const link = linkFrom(await mailFor(contact.email));
    const path = link.pathname + link.search;
    expect((await supertest(t.app).head(path)).status).toBe(200);
    expect((await supertest(t.app).get(path)).status).toBe(200);
    expect((await supertest(t.app).get(path)).status).toBe(200);
    const row = await t.services.db('login_tokens').where({ email: contact.email }).first();
    expect(row.consumed_at).toBeNull();

    expect((await confirmLink(agent, link)).status).toBe(303);
    const again = await confirmLink(t.agent(), link);
    expect(again.status).toBe(400);
    expect(again.text).toContain('already been used');
  });

  it('of 50 concurrent confirmations of one link exactly one signs in', async () => {
    const contact = await newContact();
    await requestToken(t.agent(), contact.email);
    const link = linkFrom(await mailFor(contact.email));
    const browsers = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const agent = t.agent();
        const page = await agent.get(link.pathname + link.search);
        return { agent, csrf: csrfFrom(page.text) };
      }),
    );
    const results = await Promise.all(
      browsers.map(({ agent, csrf }) =>
        agent
          .post('/signin/verify')
          .type('form')
          .send({ _csrf: csrf, token: link.searchParams.get('token') }),
      ),
    );
    expect(results.filter((r) => r.status === 303)).toHaveLength(1);
    expect(results.filter((r) => r.status === 400)).toHaveLength(49);
    const sessions = await t.services.db('auth_sessions').where({ contact_id: contact.id });
    expect(sessions).toHaveLength(1);
  });

  it('expires after 10 minutes: at 10 min + 1 s neither link nor code works', async () => {
    const contact = await newContact();
    const agent = t.agent();
    await requestToken(agent, contact.email);
    const mail = await mailFor(contact.email);
    t.clock.advance(10 * 60_000 + 1000);
    const page = await agent.get(linkFrom(mail).pathname + linkFrom(mail).search);
    expect(page.status).toBe(400);
    expect(page.text).toContain('expired');
    const byCode = await submitCode(agent, codeFrom(mail));
    expect(byCode.status).toBe(400);
    expect((await agent.get('/')).status).toBe(303);
  });

  it('still works just before the 10 minutes are up', async () => {
    const contact = await newContact();
    const agent = t.agent();
    await requestToken(agent, contact.email);
    const mail = await mailFor(contact.email);
    t.clock.advance(10 * 60_000 - 5000);
    expect((await confirmLink(agent, linkFrom(mail))).status).toBe(303);
  });
});

describe('signing in by code', () => {
  it('accepts the code in any case, with or without the dash, in the browser that asked', async () => {
    const contact = await newContact();
    const agent = t.agent();
    await requestToken(agent, contact.email);
    const code = codeFrom(await mailFor(contact.email));
    const result = await submitCode(agent, code.replace('-', '').toLowerCase());
    expect(result.status).toBe(303);
    const home = await agent.get('/');
    expect(home.text).toContain('Megan');
    // The sign-in ended this browser's request: the code cannot be used again.
    const again = await agent
      .post('/signin/code')
      .type('form')
      .send({ _csrf: csrfFrom(home.text), code });
    expect(again.status).toBe(400);
    const row = await t.services.db('login_tokens').where({ email: contact.email }).first();
    expect(row.consumed_at).not.toBeNull();
  });

  it('refuses a code typed in another browser session and does not spend it', async () => {
    const contact = await newContact();
    const asker = t.agent();
    await requestToken(asker, contact.email);
    const code = codeFrom(await mailFor(contact.email));

    const stranger = t.agent();
    const strangerCsrf = await csrfFor(stranger);
    const noFlow = await stranger.post('/signin/code').type('form').send({ _csrf: strangerCsrf, code });
    expect(noFlow.status).toBe(400);
    await requestToken(stranger, `someone-else-${Date.now()}@contoso.example`);
    const otherFlow = await submitCode(stranger, code);
    expect(otherFlow.status).toBe(400);
    expect((await stranger.get('/')).status).toBe(303);

    const row = await t.services.db('login_tokens').where({ email: contact.email }).whereNull('revoked_at').first();
    expect(row.consumed_at).toBeNull();
    expect((await submitCode(asker, code)).status).toBe(303);
  });

  it('burns the token after 5 wrong codes', async () => {
    const contact = await newContact();
    const agent = t.agent();
    await requestToken(agent, contact.email);
    const code = codeFrom(await mailFor(contact.email));
    const wrong = code.startsWith('A') ? 'BBBB-BBBB' : 'AAAA-AAAA';
    for (let i = 0; i < 5; i++) expect((await submitCode(agent, wrong)).status).toBe(400);
    const right = await submitCode(agent, code);
    expect(right.status).toBe(400);
    expect((await agent.get('/')).status).toBe(303);
    const row = await t.services.db('login_tokens').where({ email: contact.email }).first();
    expect(row.attempts).toBe(5);
    expect(row.revoked_at).not.toBeNull();
  });

  it('rejects a malformed code with a message beside the field', async () => {
    const contact = await newContact();
    const agent = t.agent();
    await requestToken(agent, contact.email);
    const result = await submitCode(agent, 'not a code');
    expect(result.status).toBe(400);
    expect(result.text).toContain('8-character code');
    expect(result.text).toContain('id="code-error"');
  });
});

describe('resend', () => {
  it('refuses during the cooldown with 429 and Retry-After, and issues nothing', async () => {
    const contact = await newContact();
    const agent = t.agent();
    const first = await requestToken(agent, contact.email);
    expect(first.text).toMatch(/data-countdown="(59|60)"/);
    await t.settle();
    const early = await agent
      .post('/signin/resend')
      .type('form')
      .send({ _csrf: csrfFrom(first.text) });
    expect(early.status).toBe(429);
    expect(Number(early.headers['retry-after'])).toBeGreaterThan(0);
    await t.settle();
    expect(await t.services.db('login_tokens').where({ email: contact.email })).toHaveLength(1);
  });

  it('after the cooldown sends a fresh token and kills the earlier one', async () => {
    const contact = await newContact();
    const agent = t.agent();
    const first = await requestToken(agent, contact.email);
    const before = t.smtp.messages.length;
    const oldMail = await mailFor(contact.email);
    t.clock.advance(61_000);
    const resent = await agent
      .post('/signin/resend')
      .type('form')
      .send({ _csrf: csrfFrom(first.text) });
    expect(resent.status).toBe(200);
    expect(resent.text).toContain('A new mail is on its way');
    const newMail = await mailFor(contact.email, before + 1);
    expect(codeFrom(newMail)).not.toBe(codeFrom(oldMail));

    const oldLink = await confirmLink(t.agent(), linkFrom(oldMail));
    expect(oldLink.status).toBe(400);
    expect(oldLink.text).toContain('replaced by a newer one');
    expect((await submitCode(agent, codeFrom(oldMail))).status).toBe(400);
    expect((await submitCode(agent, codeFrom(newMail))).status).toBe(303);
  });
});

describe('what the answer reveals', () => {
  it('answers a known and an unknown address with the same status and page', async () => {
    const contact = await newContact();
    const unknown = `nobody-${Date.now()}@no-company.example`;
    const known = await requestToken(t.agent(), contact.email);
    const other = await requestToken(t.agent(), unknown);
    expect(other.status).toBe(known.status);
    const normalize = (html: string, email: string) => html.replace(email, 'EMAIL').replace(/name="_csrf" value="[^"]+"/g, '_csrf');
    expect(normalize(other.text, unknown)).toBe(normalize(known.text, contact.email));
    await t.settle();
    expect(t.smtp.messages.some((m) => m.text?.includes(unknown))).toBe(false);
  });

  // The decoy's statement is the real one with its writes bound to nothing (service.ts): the revocation of
  // earlier tokens too, or asking again from the browser that holds a good link would kill it.
  it('asked again for an address that may no longer sign in, writes nothing and leaves the earlier token as it was', async () => {
    const contact = await newContact();
    const agent = t.agent();
    await requestToken(agent, contact.email);
    await t.settle();
    const mailsBefore = await t.services.db('outbox').where({ to_address: contact.email });
    expect(mailsBefore).toHaveLength(1);
    await t.services.db('contacts').where({ email: contact.email }).update({ status: 'disabled' });
    t.clock.advance(61_000); // past the resend cooldown: this request does the work
    expect((await requestToken(agent, contact.email)).status).toBe(200);
    await t.settle();
    const tokens = await t.services.db('login_tokens').where({ email: contact.email });
    expect(tokens).toHaveLength(1);
    expect(tokens[0].revoked_at).toBeNull();
    expect(await t.services.db('outbox').where({ to_address: contact.email })).toHaveLength(1);
    const requested = await t.services
      .db('audit_events')
      .where({ action: 'signin.token_requested' })
      .whereRaw("detail->>'email' = ?", [contact.email])
      .orderBy('id');
    expect(requested.map((e: { detail: { issued: boolean } }) => e.detail.issued)).toEqual([true, false]);
  });

  it('sends nothing to a disabled contact', async () => {
    const contact = await newContact({ status: 'disabled' });
    const answer = await requestToken(t.agent(), contact.email);
    expect(answer.status).toBe(200);
    await t.settle();
    expect(await t.services.db('login_tokens').where({ email: contact.email })).toHaveLength(0);
  });

  it('builds links from BASE_URL whatever the Host and X-Forwarded-Host headers say', async () => {
    const contact = await newContact();
    const agent = t.agent();
    const _csrf = await csrfFor(agent);
    await agent
      .post('/signin/email')
      .set('Host', 'evil.example')
      .set('X-Forwarded-Host', 'evil.example')
      .set('X-Forwarded-Proto', 'https')
      .type('form')
      .send({ _csrf, email: contact.email });
    const link = linkFrom(await mailFor(contact.email));
    expect(link.origin).toBe('http://portal.test.example');
  });

  it('never writes a link secret or code to the log when mail goes over SMTP', async () => {
    const contact = await newContact();
    const agent = t.agent();
    await requestToken(agent, contact.email);
    const mail = await mailFor(contact.email);
    const link = linkFrom(mail);
    await confirmLink(agent, link);
    await t.settle();
    const secret = link.searchParams.get('token')!.split('.')[1]!;
    const logs = t.logs();
    expect(logs).toContain('"path":"/signin/verify"');
    expect(logs).not.toContain(secret);
    expect(logs).not.toContain(codeFrom(mail));
    expect(logs).not.toContain(codeFrom(mail).replace('-', ''));
  });
});

describe('malformed links', () => {
  it.each(['------------------------------------.' + 'a'.repeat(43), '0'.repeat(36) + '.' + 'a'.repeat(43), 'x', ''])(
    'answer 400, never 500: %j',
    async (token) => {
      const res = await supertest(t.app).get(`/signin/verify?token=${encodeURIComponent(token)}`);
      expect(res.status).toBe(400);
    },
  );
});

describe('input validation', () => {
  it.each([
    ['malformed', 'not-an-address', 'like name@company.com'],
    ['over-long', `${'a'.repeat(250)}@contoso.example`, 'at most 254 characters'],
    ['carrying CR/LF', 'alex@contoso.example\r\nBcc: victim@example.com', 'line breaks'],
    ['empty', '   ', 'Enter your email address'],
  ])('refuses an address that is %s with 400 and a message', async (_label, email, message) => {
    const agent = t.agent();
    const result = await requestToken(agent, email);
    expect(result.status).toBe(400);
    expect(result.text).toContain(message);
    expect(result.text).toContain('id="email-error"');
  });
});

describe('sessions', () => {
  async function signedInAgent() {
    const contact = await newContact();
    const agent = t.agent();
    const page = await agent.get('/signin');
    const requested = await agent
      .post('/signin/email')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), email: contact.email });
    const before = sidOf(requested);
    const signedIn = await confirmLink(agent, linkFrom(await mailFor(contact.email)));
    return { agent, contact, before, after: sidOf(signedIn) };
  }

  it('gives the browser a new session id at sign-in', async () => {
    const { before, after } = await signedInAgent();
    expect(before).toBeDefined();
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
  });

  it('sets HttpOnly, SameSite=Lax session and CSRF cookies without Secure on plain http', async () => {
    const agent = t.agent();
    const page = await agent.get('/signin');
    const requested = await agent
      .post('/signin/email')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), email: 'nobody@nowhere.example' });
    const cookies = [cookieNamed(page, 'portico.csrf'), cookieNamed(requested, 'portico.sid')];
    for (const cookie of cookies) {
      expect(cookie).toMatch(/; HttpOnly/);
      expect(cookie).toMatch(/; SameSite=Lax/);
      expect(cookie).toMatch(/; Path=\//);
      expect(cookie).not.toMatch(/Expires|Max-Age/);
      expect(cookie).not.toMatch(/Secure/);
    }
  });

  it('signs out on the server: the old cookie replayed afterwards is signed out', async () => {
    const { agent, after } = await signedInAgent();
    expect((await supertest(t.app).get('/').set('Cookie', after!)).status).toBe(200);
    const home = await agent.get('/');
    const out = await agent
      .post('/signout')
      .type('form')
      .send({ _csrf: csrfFrom(home.text) });
    expect(out.status).toBe(303);
    expect(out.headers.location).toBe('/signin?signedOut=1');
    const replay = await supertest(t.app).get('/').set('Cookie', after!);
    expect(replay.status).toBe(303);
    expect(replay.headers.location).toBe('/signin');
  });

  it('ends every session of a contact when revoked on the server', async () => {
    const { agent, contact } = await signedInAgent();
    expect((await agent.get('/')).status).toBe(200);
    expect(await t.services.signIn.revokeAll('contact', contact.id)).toBe(1);
    expect((await agent.get('/')).status).toBe(303);
  });

  it('returns to a local path after sign-in and ignores any other returnTo', async () => {
    for (const [returnTo, expected] of [
      ['/?tab=tickets', '/?tab=tickets'],
      ['//evil.example/x', '/'],
      ['https://evil.example/', '/'],
      ['/\\evil.example', '/'],
      ['/.//evil.example', '/'],
      ['/%2e%2e//evil.example', '/'],
      ['/a/..//evil.example', '/'],
    ]) {
      const contact = await newContact();
      const agent = t.agent();
      const page = await agent.get(`/signin?returnTo=${encodeURIComponent(returnTo!)}`);
      // Issue 15: the returnTo rides in the form (no session for the page view); a value the page
      // would not carry is sent anyway, as an attacker could.
      const signInForm = /<form method="post" action="\/signin\/email"[\s\S]*?<\/form>/.exec(page.text)![0];
      const carried = /name="returnTo" value="([^"]*)"/.exec(signInForm)?.[1]?.replace(/&amp;/g, '&');
      expect(carried).toBe(expected === '/' ? undefined : returnTo);
      const before = t.smtp.messages.length;
      await agent
        .post('/signin/email')
        .type('form')
        .send({ _csrf: csrfFrom(page.text), email: contact.email, returnTo: carried ?? returnTo });
      const done = await confirmLink(agent, linkFrom(await mailFor(contact.email, before)));
      expect(done.headers.location).toBe(expected);
    }
  });
});

describe('CSRF', () => {
  const sessionKeys = async () => {
    const { redis, db, config } = t.services;
    if (redis) return (await redis.keys(`${config.redisKeyPrefix}sess:*`)).length;
    return Number((await db('http_sessions').count({ n: '*' }).first())!.n);
  };

  it('stores no session for someone who only opens the sign-in page: the token rides on a signed cookie', async () => {
    const before = await sessionKeys();
    const page = await supertest(t.app).get('/signin');
    expect(page.status).toBe(200);
    expect(cookieNamed(page, 'portico.sid')).toBeUndefined();
    expect(cookieNamed(page, 'portico.csrf')).toMatch(/^portico\.csrf=[A-Za-z0-9_-]{43};/);
    expect(csrfFrom(page.text)).not.toBe(cookieNamed(page, 'portico.csrf')!.split(';')[0]!.split('=')[1]);
    expect(await sessionKeys()).toBe(before);
  });

  it("refuses one browser's token with another browser's cookie, and a made-up cookie", async () => {
    const alice = t.agent();
    const aliceToken = await csrfFor(alice);
    const bob = t.agent();
    await csrfFor(bob);
    expect((await bob.post('/signin/email').type('form').send({ _csrf: aliceToken, email: 'nobody@nowhere.example' })).status).toBe(403);
    const forged = await supertest(t.app)
      .post('/signin/email')
      .set('Cookie', `portico.csrf=${'A'.repeat(43)}`)
      .type('form')
      .send({ _csrf: 'A'.repeat(43), email: 'nobody@nowhere.example' });
    expect(forged.status).toBe(403);
    expect((await alice.post('/signin/email').type('form').send({ _csrf: aliceToken, email: 'nobody@nowhere.example' })).status).toBe(200);
  });

  it('keeps a second tab working once the first has started a sign-in, and rotates the token at sign-in', async () => {
    const contact = await newContact();
    const agent = t.agent();
    const firstTab = csrfFrom((await agent.get('/signin')).text);
    const secondTab = csrfFrom((await agent.get('/signin')).text);
    expect(secondTab).toBe(firstTab);
    expect((await agent.post('/signin/email').type('form').send({ _csrf: firstTab, email: contact.email })).status).toBe(200);
    // The session now exists; the other tab's form, opened before it did, still goes through.
    expect((await agent.post('/signin/resend').type('form').send({ _csrf: secondTab })).status).not.toBe(403);
    const signedIn = await confirmLink(agent, linkFrom(await mailFor(contact.email)));
    expect(signedIn.status).toBe(303);
    const home = await agent.get('/');
    expect(home.status).toBe(200);
    expect(csrfFrom(home.text)).not.toBe(firstTab);
    // A token known before the sign-in (e.g. planted with a cookie) is worthless after it.
    expect((await agent.post('/signout').type('form').send({ _csrf: firstTab })).status).toBe(403);
    expect(
      (
        await agent
          .post('/signout')
          .type('form')
          .send({ _csrf: csrfFrom(home.text) })
      ).status,
    ).toBe(303);
  });

  it.each(['/signin/email', '/signin/code', '/signin/resend', '/signin/verify', '/signout'])(
    'refuses POST %s without or with a wrong _csrf (403)',
    async (path) => {
      const agent = t.agent();
      await csrfFor(agent);
      expect((await agent.post(path).type('form').send({ email: 'alex@contoso.example' })).status).toBe(403);
      expect((await agent.post(path).type('form').send({ _csrf: 'wrong', email: 'alex@contoso.example' })).status).toBe(403);
      expect((await supertest(t.app).post(path).type('form').send({ _csrf: 'x' })).status).toBe(403);
    },
  );
});

describe('turning Mail Token off', () => {
  it('stops new email-token sign-ins and leaves existing sessions alone', async () => {
    const signedIn = await newContact();
    const agent = t.agent();
    await requestToken(agent, signedIn.email);
    await confirmLink(agent, linkFrom(await mailFor(signedIn.email)));

    const pending = await newContact();
    const pendingAgent = t.agent();
    await requestToken(pendingAgent, pending.email);
    const pendingMail = await mailFor(pending.email);

    const settings = await t.services.settings.get('mail_token');
    await t.services.settings.set('mail_token', { ...settings, enabled: false }, null);
    try {
      const page = await t.agent().get('/signin');
      expect(page.text).not.toContain('name="email"');
      expect(page.text).not.toContain('action="/signin/email"');
      // Passkeys (on by default) are what the page still offers; with them off too, nothing is.
      expect(page.text).toContain('Sign in with a passkey');
      const passkeys = await t.services.settings.get('passkeys');
      await t.services.settings.set('passkeys', { ...passkeys, clients: false }, null);
      expect((await t.agent().get('/signin')).text).toContain('No sign-in method is available');
      await t.services.settings.set('passkeys', passkeys, null);
      // No email form on the page; a request sent anyway with its CSRF token is refused.
      const refused = await requestToken(t.agent(), signedIn.email);
      expect(refused.status).toBe(403);
      expect(refused.text).toContain('Sign-in by email is turned off');
      expect((await confirmLink(pendingAgent, linkFrom(pendingMail))).status).toBe(400);
      expect((await agent.get('/')).status).toBe(200);
    } finally {
      await t.services.settings.set('mail_token', settings, null);
    }
  });
});
