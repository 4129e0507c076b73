// Messages that fit the situation (issue 16, items 12 and 13), over HTTP with cookie jars, real mail over
// SMTP and the suite's database and session store: why a session ended, a signed-in visitor on /signin
// and on a 404, a used link leading to the form, the token lifetime as issued, a stale form saying what
// to do, and the resend cooldown whichever form asks.
import { confirmOnPage, staffAgent } from '../helpers/console.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createCompany, createContact } from '../helpers/factories.js';
import { formsFrom, formsTo, submit } from '../helpers/forms.js';
import { codeFrom, linkFrom } from '../helpers/http.js';

let t: TestApp;
let companyId: number;
type Agent = ReturnType<TestApp['agent']>;

beforeAll(async () => {
  // Every request here comes from 127.0.0.1; the per-IP and per-address limits have their own tests.
  t = await startTestApp({ env: { SIGNIN_RATE_LIMIT_PER_IP: '10000/15m', SIGNIN_RATE_LIMIT_PER_ADDRESS: '1000/15m' } });
  companyId = (await createCompany(t.services.db, { name: 'Fabrikam', domains: ['fabrikam.example'] })).id;
});
afterAll(async () => t.close());

let n = 0;
const newContact = () => createContact(t.services.db, { companyId, email: `msg${++n}-${Date.now()}@fabrikam.example`, firstName: 'Ana', lastName: `Lee${n}` });
const stranger = () => `nobody${++n}-${Date.now()}@nowhere.example`;

/** Signs a new browser in by a magic link made for the contact (each call: another device). */
async function deviceOf(contactId: number): Promise<Agent> {
  const { link } = await t.services.magicLinks.generateForContact(contactId, null);
  const url = new URL(link);
  const agent = t.agent();
  const confirm = await agent.get(url.pathname + url.search);
  const done = await submit(agent, formsTo(confirm.text, url.pathname)[0]!);
  expect(done.status).toBe(303);
  return agent;
}

/** Opens a page and follows its redirect once, as a browser would. */
async function land(agent: Agent, path: string) {
  const first = await agent.get(path);
  return first.status === 303 ? agent.get(first.headers.location as string) : first;
}

/** The sign-in form as the page renders it, posted with the address typed in. */
async function postSignInForm(agent: Agent, email: string) {
  const page = await agent.get('/signin');
  return submit(agent, formsTo(page.text, '/signin/email')[0]!, { email });
}

const outboxCount = async (email: string) =>
  Number(((await t.services.db('outbox').where({ to_address: email }).count({ n: '*' })) as Array<{ n: string | number }>)[0]!.n);
const tokenCount = async (email: string) =>
  Number(((await t.services.db('login_tokens').where({ email }).count({ n: '*' })) as Array<{ n: string | number }>)[0]!.n);

describe('/signin says why the session this browser held has ended', () => {
  it('ended from another device, from the sessions page', async () => {
    const contact = await newContact();
    const phone = await deviceOf(contact.id);
    const laptop = await deviceOf(contact.id);
    const sessions = await laptop.get('/sessions');
    const [endPhone] = formsFrom(sessions.text).filter((f) => /^\/sessions\/[0-9a-f-]{36}\/end$/.test(f.action));
    expect((await submit(laptop, endPhone!)).status).toBe(303);

    const page = await land(phone, '/');
    expect(page.text).toContain('You were signed out because this session was ended from another device.');
    // Told once; and the laptop that ended it is still signed in.
    expect((await phone.get('/signin')).text).not.toContain('You were signed out');
    expect((await laptop.get('/')).status).toBe(200);
  });

  it('ended with "End all other sessions" from another device', async () => {
    const contact = await newContact();
    const phone = await deviceOf(contact.id);
    const laptop = await deviceOf(contact.id);
    const sessions = await laptop.get('/sessions');
    expect((await submit(laptop, formsTo(sessions.text, '/sessions/end-others')[0]!)).status).toBe(303);
    expect((await land(phone, '/sessions')).text).toContain('this session was ended from another device');
  });

  it('signed out everywhere by the provider, in English and in German', async () => {
    const contact = await newContact();
    const phone = await deviceOf(contact.id);
    const tablet = await deviceOf(contact.id);
    const { agent: staff } = await staffAgent(t, 'technician');
    const record = await staff.get(`/admin/contacts/${contact.id}`);
    expect((await submit(staff, formsTo(record.text, `/admin/contacts/${contact.id}/sign-out-everywhere`)[0]!)).status).toBe(303);

    expect((await land(phone, '/')).text).toContain('You were signed out because your account was signed out everywhere.');
    const german = await tablet.get('/').set('Accept-Language', 'de');
    expect((await tablet.get(german.headers.location as string).set('Accept-Language', 'de')).text).toContain(
      'Sie wurden abgemeldet, weil Ihr Konto überall abgemeldet wurde.',
    );
  });

  it('disabled by the provider', async () => {
    const contact = await newContact();
    const phone = await deviceOf(contact.id);
    const { agent: staff } = await staffAgent(t, 'technician');
    const record = await staff.get(`/admin/contacts/${contact.id}`);
    // Disabling asks first (the console's confirm page); the confirmed form disables.
    const asked = await submit(staff, formsTo(record.text, `/admin/contacts/${contact.id}/disable`)[0]!);
    expect((await confirmOnPage(staff, asked)).status).toBe(303);
    expect((await land(phone, '/')).text).toContain('your access to the portal was turned off');
  });

  it('expired without activity, quoting the idle limit; and at the absolute limit', async () => {
    const idle = await deviceOf((await newContact()).id);
    const long = await deviceOf((await newContact()).id);
    t.clock.advance(31 * 60_000);
    expect((await land(idle, '/')).text).toContain('You were signed out because your session expired after 30 minutes without activity.');
    t.clock.advance(12 * 3_600_000);
    // /signin itself notices the ended session.
    expect((await long.get('/signin')).text).toContain('your session reached its limit of 12 hours');
  });

  it('tells nobody else: a browser without that session, and one that signed out itself, see no reason', async () => {
    const contact = await newContact();
    const phone = await deviceOf(contact.id);
    const sessions = await phone.get('/sessions');
    const signOut = await submit(phone, formsTo(sessions.text, '/signout')[0]!);
    const page = await phone.get(signOut.headers.location as string);
    expect(page.text).toContain('You have signed out.');
    expect(page.text).not.toContain('You were signed out');
    expect((await t.agent().get('/signin')).text).not.toContain('You were signed out');
  });
});

describe('a signed-in client', () => {
  it('on /signin sees as whom, the way to the portal and Sign out, not the sign-in form', async () => {
    const contact = await newContact();
    const agent = await deviceOf(contact.id);
    const page = await agent.get('/signin');
    expect(page.status).toBe(200);
    expect(page.text).toContain(`You are signed in as <strong>${contact.email}</strong>.`);
    expect(page.text).toContain('Go to your portal');
    expect(formsTo(page.text, '/signin/email')).toHaveLength(0);
    const signOuts = formsTo(page.text, '/signout');
    expect(signOuts.length).toBeGreaterThanOrEqual(2); // the header's and the page's
    const out = await submit(agent, signOuts[1]!);
    expect(out.headers.location).toBe('/signin?signedOut=1');
    expect(formsTo((await agent.get('/signin')).text, '/signin/email')).toHaveLength(1);
  });

  it('on a 404 page sees the header with Sign out and a link back to the portal', async () => {
    const agent = await deviceOf((await newContact()).id);
    const page = await agent.get('/no-such-page');
    expect(page.status).toBe(404);
    expect(formsTo(page.text, '/signout')).toHaveLength(1);
    expect(page.text).toContain('Back to your portal');
    const anonymous = await t.agent().get('/no-such-page');
    expect(anonymous.status).toBe(404);
    expect(formsTo(anonymous.text, '/signout')).toHaveLength(0);
    expect(anonymous.text).toContain('Back to sign-in');
  });
});

describe('a signed-in technician on the console sign-in page', () => {
  it('sees as whom and Sign out; asked to sign in again (?again=1), the form', async () => {
    const { agent, member } = await staffAgent(t, 'admin');
    const page = await agent.get('/admin/signin');
    expect(page.text).toContain(`You are signed in as <strong>${member.email}</strong>.`);
    expect(page.text).toContain('Go to the console');
    expect(formsTo(page.text, '/admin/signout')).toHaveLength(1);
    expect(formsTo(page.text, '/admin/signin/email')).toHaveLength(0);
    const again = await agent.get('/admin/signin?again=1&returnTo=%2Fadmin%2Fsettings%2Fmail-token');
    expect(formsTo(again.text, '/admin/signin/email')).toHaveLength(1);
    expect(again.text).not.toContain('You are signed in as');
  });
});

describe('a link that no longer works leads to the form to ask for a new one', () => {
  it('a used magic link: the message and the email form right below it', async () => {
    const contact = await newContact();
    const { link } = await t.services.magicLinks.generateForContact(contact.id, null);
    const url = new URL(link);
    const first = t.agent();
    await submit(first, formsTo((await first.get(url.pathname + url.search)).text, url.pathname)[0]!);

    const other = t.agent();
    const opened = await other.get(url.pathname + url.search);
    expect(opened.status).toBe(303);
    expect(opened.headers.location).toBe('/signin?link=used');
    const page = await other.get(opened.headers.location as string);
    expect(page.text).toContain('That link or code has already been used. Request a new one below.');
    const [form] = formsTo(page.text, '/signin/email');
    // Nothing about whose link it was.
    expect(form!.fields.email).toBe('');
    expect(page.text).not.toContain(contact.email);
    expect((await submit(other, form!, { email: contact.email })).text).toContain('Check your mail');
  });

  it('a replaced mail link: the form is prefilled with the address this browser asked for, and only in this browser', async () => {
    const contact = await newContact();
    const agent = t.agent();
    await postSignInForm(agent, contact.email);
    await t.settle();
    const firstLink = linkFrom(await t.smtp.waitForMail(contact.email));
    t.clock.advance(61_000);
    const before = t.smtp.messages.length;
    await postSignInForm(agent, contact.email);
    await t.settle();
    await t.smtp.waitForMail(contact.email, { after: before });

    const page = await agent.get(firstLink.pathname + firstLink.search);
    expect(page.status).toBe(400);
    expect(formsTo(page.text, '/signin/email')[0]!.fields.email).toBe(contact.email);
    const elsewhere = await t.agent().get(firstLink.pathname + firstLink.search);
    expect(formsTo(elsewhere.text, '/signin/email')[0]!.fields.email).toBe('');
  });
});

describe('"Check your mail" quotes the lifetime the token was issued with', () => {
  it('after the setting changes between the request and the view, for known and unknown addresses alike', async () => {
    const contact = await newContact();
    const nobody = stranger();
    const known = t.agent();
    const unknown = t.agent();
    expect((await postSignInForm(known, contact.email)).text).toContain('It is valid for 10 minutes.');
    expect((await postSignInForm(unknown, nobody)).text).toContain('It is valid for 10 minutes.');
    await t.settle();
    const settings = await t.services.settings.get('mail_token');
    await t.services.settings.set('mail_token', { ...settings, tokenMinutes: 45 }, null);
    try {
      expect((await known.get('/signin/code')).text).toContain('It is valid for 10 minutes.');
      expect((await unknown.get('/signin/code')).text).toContain('It is valid for 10 minutes.');
      const mail = await t.smtp.waitForMail(contact.email);
      expect(mail.text).toContain('expire in 10 minutes');
      const token = await t.services.db('login_tokens').where({ email: contact.email }).first('created_at', 'expires_at');
      expect(new Date(token.expires_at).getTime() - new Date(token.created_at).getTime()).toBe(10 * 60_000);
      // A new request, after the cooldown, is issued with the new lifetime and says so.
      t.clock.advance(61_000);
      expect((await postSignInForm(known, contact.email)).text).toContain('It is valid for 45 minutes.');
      expect((await postSignInForm(unknown, nobody)).text).toContain('It is valid for 45 minutes.');
    } finally {
      await t.services.settings.set('mail_token', settings, null);
    }
  });
});

describe('a stale form says what to do', () => {
  it('the sign-in form: 403, the way back with the address kept, and the form prefilled there', async () => {
    const agent = t.agent();
    const page = await agent.get('/signin');
    const [form] = formsTo(page.text, '/signin/email');
    const typed = 'kept.address@fabrikam.example';
    const stale = await submit(agent, form!, { email: typed, _csrf: 'an-old-token-from-before' });
    expect(stale.status).toBe(403);
    expect(stale.text).toContain('This form had expired');
    expect(stale.text).toContain('Open the form again (what you typed is kept)');
    const href = /<a class="button primary" href="([^"]+)"/.exec(stale.text)![1]!.replace(/&amp;/g, '&');
    expect(href).toBe(`/signin?email=${encodeURIComponent(typed)}`);
    const again = await agent.get(href);
    const [prefilled] = formsTo(again.text, '/signin/email');
    expect(prefilled!.fields.email).toBe(typed);
    expect((await submit(agent, prefilled!)).text).toContain('Check your mail');
  });

  it('a portal form: the way back to the page it was on (this site only), in German too', async () => {
    const agent = await deviceOf((await newContact()).id);
    const sessions = await agent.get('/sessions');
    const [signOut] = formsTo(sessions.text, '/signout');
    const stale = await submit(agent, signOut!, { _csrf: 'stale' }).set('Referer', `${t.config.baseUrl.origin}/sessions`);
    expect(stale.status).toBe(403);
    expect(stale.text).toContain('<a class="button primary" href="/sessions">Open the form again</a>');
    const foreign = await submit(agent, signOut!, { _csrf: 'stale' }).set('Referer', 'https://elsewhere.example/sessions');
    expect(foreign.text).not.toContain('class="button primary"');
    const german = await submit(agent, signOut!, { _csrf: 'stale' }).set('Referer', `${t.config.baseUrl.origin}/sessions`).set('Accept-Language', 'de');
    expect(german.text).toContain('Dieses Formular war abgelaufen');
    expect(german.text).toContain('Formular erneut öffnen');
  });

  it('a form sent from another site is refused without a way to send it on', async () => {
    const agent = t.agent();
    const page = await agent.get('/signin');
    const refused = await submit(agent, formsTo(page.text, '/signin/email')[0]!, { email: 'victim@fabrikam.example' }).set('Sec-Fetch-Site', 'cross-site');
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('This form was not sent from this site');
    expect(refused.text).not.toContain('victim@fabrikam.example');
  });
});

describe('the resend cooldown holds whichever form asks', () => {
  /** The page with what differs by address and by request masked: the address, CSRF tokens, the countdown. */
  const masked = (html: string, email: string) =>
    html
      .replaceAll(email, 'EMAIL')
      .replace(/value="[^"]{20,}"/g, 'value="TOKEN"')
      .replace(/data-countdown="\d+"/g, 'data-countdown="N"')
      .replace(/data-countdown-value>\d+</g, 'data-countdown-value>N<');

  it('the sign-in form sent again within the cooldown sends no second mail and counts down; the same for an unknown address', async () => {
    const contact = await newContact();
    const nobody = stranger();
    const known = t.agent();
    const unknown = t.agent();
    await postSignInForm(known, contact.email);
    await postSignInForm(unknown, nobody);
    const knownAgain = await postSignInForm(known, contact.email.toUpperCase());
    const unknownAgain = await postSignInForm(unknown, nobody);
    await t.settle();

    expect(knownAgain.status).toBe(200);
    expect(knownAgain.text).toContain('You asked for a mail to this address from this browser a moment ago');
    const countdown = Number(/data-countdown="(\d+)"/.exec(knownAgain.text)![1]);
    expect(countdown).toBeGreaterThan(50);
    expect(countdown).toBeLessThanOrEqual(60);
    expect(masked(knownAgain.text, contact.email)).toBe(masked(unknownAgain.text, nobody));
    expect([await outboxCount(contact.email), await tokenCount(contact.email)]).toEqual([1, 1]);
    expect(await tokenCount(nobody)).toBe(0);
    // The one mail's code still works in this browser.
    const mail = await t.smtp.waitForMail(contact.email);
    const page = await known.get('/signin/code');
    expect((await submit(known, formsTo(page.text, '/signin/code')[0]!, { code: codeFrom(mail) })).status).toBe(303);
  });

  it('forms sent at the same moment, before any session cookie came back, make one mail, whose code works', async () => {
    const contact = await newContact();
    const agent = t.agent();
    const page = await agent.get('/signin');
    const [form] = formsTo(page.text, '/signin/email');
    const answers = await Promise.all([1, 2, 3, 4].map(() => submit(agent, form!, { email: contact.email })));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(answers.filter((a) => a.text.includes('a moment ago'))).toHaveLength(3);
    await t.settle();
    expect(await outboxCount(contact.email)).toBe(1);
    const mail = await t.smtp.waitForMail(contact.email);
    const codePage = await agent.get('/signin/code');
    expect((await submit(agent, formsTo(codePage.text, '/signin/code')[0]!, { code: codeFrom(mail) })).status).toBe(303);
  });

  it('after the cooldown the form sends a new mail; another browser or another address is not held back', async () => {
    const contact = await newContact();
    const agent = t.agent();
    await postSignInForm(agent, contact.email);
    expect((await postSignInForm(t.agent(), contact.email)).text).not.toContain('a moment ago');
    t.clock.advance(61_000);
    expect((await postSignInForm(agent, contact.email)).text).not.toContain('a moment ago');
    const other = await newContact();
    expect((await postSignInForm(agent, other.email)).text).not.toContain('a moment ago');
    await t.settle();
    expect(await outboxCount(contact.email)).toBe(3);
  });

  it('the Resend button inside the cooldown (429, the wait) sends nothing; after it, one mail; and the sign-in form right after that waits again', async () => {
    const contact = await newContact();
    const agent = t.agent();
    const checkMail = await postSignInForm(agent, contact.email);
    const [resend] = formsTo(checkMail.text, '/signin/resend');
    const early = await submit(agent, resend!);
    expect(early.status).toBe(429);
    expect(early.text).toMatch(/Wait \d+ seconds before asking for another mail\./);
    await t.settle();
    expect(await outboxCount(contact.email)).toBe(1);

    t.clock.advance(61_000);
    const page = await agent.get('/signin/code');
    const resent = await submit(agent, formsTo(page.text, '/signin/resend')[0]!);
    expect(resent.status).toBe(200);
    expect(resent.text).toContain('A new mail is on its way.');
    expect((await postSignInForm(agent, contact.email)).text).toContain('a moment ago');
    await t.settle();
    expect(await outboxCount(contact.email)).toBe(2);
  });
});
