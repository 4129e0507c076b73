// Mail on a fresh install (issue 16, items 1 and 2): without SMTP_URL nothing in the outbox reads as
// sent, the console says mail is not delivered and how to change that, the test mail reports what
// really happened, the log prints the link and code so that they open as printed, and a link copied
// with junk at its end still leads to the sign-in (or says it looks cut).
import supertest from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { staffAgent } from '../helpers/console.js';
import { createContact } from '../helpers/factories.js';
import { formsTo, submit } from '../helpers/forms.js';
import { codeFrom, confirmLink, csrfFrom, linkFrom, requestToken, submitCode } from '../helpers/http.js';

const NOTICE = 'data-notice="mail-not-delivered"';
const CONSOLE_PAGES = ['/admin', '/admin/outbox', '/admin/settings/mail-token'];

/** Presses "Send a test mail to me" as the Mail Token page renders it; returns the page it lands on. */
async function sendTestMail(agent: ReturnType<TestApp['agent']>) {
  const page = await agent.get('/admin/settings/mail-token');
  const [form] = formsTo(page.text, '/admin/settings/mail-token/test');
  const answer = await submit(agent, form!);
  expect(answer.status).toBe(303);
  expect(answer.headers.location).toBe('/admin/settings/mail-token');
  return agent.get('/admin/settings/mail-token');
}

/** The log lines that are JSON objects for mail kept in the log. */
function loggedMails(t: TestApp): Array<Record<string, string>> {
  return t
    .logs()
    .split('\n')
    .filter((line) => line.includes('mail logged, not sent'))
    .map((line) => JSON.parse(line));
}

describe('without SMTP_URL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ noSmtp: true });
  });
  afterAll(async () => t.close());

  it('marks sign-in mail "logged", never "sent", with no sent time, and the console counts and filters it', async () => {
    const contact = await createContact(t.services.db, { email: `logged-${Date.now()}@contoso.example` });
    await requestToken(t.agent(), contact.email);
    await t.settle();
    const row = await t.services.db('outbox').where({ to_address: contact.email }).first();
    expect(row.status).toBe('logged');
    expect(row.sent_at).toBeNull();
    expect(row.sealed_body).toBeNull();
    expect(Number((await t.services.db('outbox').where({ status: 'sent' }).count({ n: '*' }))[0]!.n)).toBe(0);

    const { agent } = await staffAgent(t, 'technician');
    const dashboard = await agent.get('/admin');
    const logged = Number(/data-count="logged">(\d+)</.exec(dashboard.text)![1]);
    expect(logged).toBe(await t.services.outboxAdmin.loggedCount());
    expect(logged).toBeGreaterThanOrEqual(1);

    const all = await agent.get('/admin/outbox');
    expect(all.text).toContain(contact.email);
    expect(all.text).toContain('data-status="logged">logged, not sent<');
    expect(all.text).not.toContain('data-status="sent"');
    expect(all.text).toContain('<option value="logged" >logged, not sent</option>');
    const onlyLogged = await agent.get('/admin/outbox?status=logged');
    expect(onlyLogged.text).toContain(contact.email);
    expect(onlyLogged.text).toContain('<option value="logged" selected>');
    const onlySent = await agent.get('/admin/outbox?status=sent');
    expect(onlySent.text).not.toContain(contact.email);
    expect(onlySent.text).toContain('No mail.');
  });

  it('says on the dashboard, the outbox and the Mail Token page that mail is not delivered, and how to set SMTP_URL', async () => {
    const admin = await staffAgent(t, 'admin');
    for (const path of CONSOLE_PAGES) {
      const page = await admin.agent.get(path);
      expect([path, page.status]).toEqual([path, 200]);
      expect([path, page.text.includes(NOTICE)]).toEqual([path, true]);
      expect(page.text).toContain('Mail is not being delivered.');
      expect(page.text).toContain('SMTP_URL=smtp://user:password@smtp.example.com:587');
    }
  });

  it('the test mail reports that it was only logged, not sent', async () => {
    const admin = await staffAgent(t, 'admin');
    const page = await sendTestMail(admin.agent);
    expect(page.text).toContain(`The test mail to ${admin.member.email} was NOT sent: no SMTP_URL is set, so it was only written to the server log.`);
    expect(page.text).toContain('flash-error');
    const row = await t.services.db('outbox').where({ to_address: admin.member.email, template: 'test-mail' }).first();
    expect(row.status).toBe('logged');
  });

  it('logs the link and the code in fields of their own, and both work exactly as printed', async () => {
    const contact = await createContact(t.services.db, { email: `printed-${Date.now()}@contoso.example` });
    const byLink = t.agent();
    await requestToken(byLink, contact.email);
    await t.settle();
    const first = loggedMails(t).filter((m) => m.to === contact.email);
    expect(first).toHaveLength(1);
    expect(first[0]!.link).toMatch(/^http:\/\/portal\.test\.example\/signin\/verify\?token=[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);
    expect(first[0]!.code).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    expect((await confirmLink(byLink, new URL(first[0]!.link!))).status).toBe(303);
    expect((await byLink.get('/')).status).toBe(200);

    const byCode = t.agent();
    await requestToken(byCode, contact.email);
    await t.settle();
    const second = loggedMails(t).filter((m) => m.to === contact.email);
    expect(second).toHaveLength(2);
    const signedIn = await submitCode(byCode, second[1]!.code!);
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.location).toBe('/');
  });

  it('logs a magic link sent by mail and an invitation with their links in a field of their own', async () => {
    const contact = await createContact(t.services.db, { email: `magicmail-${Date.now()}@contoso.example` });
    await t.services.magicLinks.sendToContact(contact.id, null);
    await t.settle();
    const [mail] = loggedMails(t).filter((m) => m.to === contact.email);
    expect(mail!.link).toMatch(/^http:\/\/portal\.test\.example\/signin\/magic\?token=[^\s\\]+$/);
    expect(mail!.code).toBeUndefined();
    const link = new URL(mail!.link!);
    const page = await t.agent().get(link.pathname + link.search);
    expect(page.status).toBe(200);

    const invited = await createContact(t.services.db, { email: `invited-${Date.now()}@contoso.example`, status: 'invited' });
    await t.services.contacts.invite(invited.id, { staffId: null });
    await t.settle();
    const [invitation] = loggedMails(t).filter((m) => m.to === invited.email);
    expect(invitation!.link).toBe(`http://portal.test.example/signin?email=${encodeURIComponent(invited.email)}`);
    const signIn = await t.agent().get(new URL(invitation!.link!).pathname + new URL(invitation!.link!).search);
    expect(signIn.text).toContain(`value="${invited.email}"`);
  });
});

describe('with SMTP_URL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.close());

  it('shows no "not delivered" notice, marks delivered mail "sent" with its time, and logs no link or code', async () => {
    const admin = await staffAgent(t, 'admin');
    for (const path of CONSOLE_PAGES) {
      const page = await admin.agent.get(path);
      expect([path, page.status]).toEqual([path, 200]);
      expect([path, page.text.includes(NOTICE)]).toEqual([path, false]);
    }
    const contact = await createContact(t.services.db, { email: `smtp-${Date.now()}@contoso.example` });
    await requestToken(t.agent(), contact.email);
    await t.settle();
    const mail = await t.smtp.waitForMail(contact.email);
    const row = await t.services.db('outbox').where({ to_address: contact.email }).first();
    expect(row.status).toBe('sent');
    expect(row.sent_at).not.toBeNull();
    expect(loggedMails(t)).toEqual([]);
    expect(t.logs()).not.toContain(linkFrom(mail).searchParams.get('token')!.split('.')[1]);
    expect(t.logs()).not.toContain(codeFrom(mail));
  });

  it('the test mail reports that the SMTP server accepted it', async () => {
    const admin = await staffAgent(t, 'admin');
    const page = await sendTestMail(admin.agent);
    expect(page.text).toContain(`The test mail to ${admin.member.email} was sent: the SMTP server (SMTP_URL) accepted it.`);
    expect(page.text).toContain('flash-success');
    await t.smtp.waitForMail(admin.member.email);
  });

  it('the test mail reports a refusal with the reason', async () => {
    const admin = await staffAgent(t, 'admin');
    t.smtp.setAccepting(false);
    try {
      const page = await sendTestMail(admin.agent);
      expect(page.text).toContain(`The test mail to ${admin.member.email} could not be sent:`);
      expect(page.text).toContain('Service unavailable (test)');
      expect(page.text).toContain('(it will be retried; see the Outbox)');
      expect(page.text).not.toContain('was sent: the SMTP server');
    } finally {
      t.smtp.setAccepting(true);
    }
  });
});

describe('a link copied with junk at its end', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.close());

  // What people paste: the log's escaped line break and the next word, a break of their own, a full
  // stop or bracket from the sentence around it, a space and more words.
  const JUNK = ['%5Cn%5CnOr', '\\n\\nOr', '%5Cn', '.', ')', '%3E', '>', '%20Or%20enter%20this%20code', '%22'];

  async function mailedLink(email: string) {
    const agent = t.agent();
    const before = t.smtp.messages.length;
    await requestToken(agent, email);
    await t.settle();
    return { agent, link: linkFrom(await t.smtp.waitForMail(email, { after: before })) };
  }

  it.each(JUNK)('the sign-in link with %j after it goes to the clean link, which signs in', async (junk) => {
    const contact = await createContact(t.services.db, { email: `junk-${Date.now()}-${Math.random()}@contoso.example` });
    const { agent, link } = await mailedLink(contact.email);
    const token = link.searchParams.get('token')!;
    const res = await agent.get(`/signin/verify?token=${encodeURIComponent(token)}${junk}`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/signin/verify?token=${encodeURIComponent(token)}`);
    expect((await confirmLink(agent, new URL(res.headers.location!, link))).status).toBe(303);
  });

  it('a cut-off sign-in link, or a mangled one, says it looks cut, in English and German; a well-formed unknown one is "not valid"', async () => {
    const contact = await createContact(t.services.db, { email: `cut-${Date.now()}@contoso.example` });
    const { link } = await mailedLink(contact.email);
    const token = link.searchParams.get('token')!;
    for (const broken of [token.slice(0, -5), token.slice(0, 30), `${token.slice(0, 50)}%5Cn${token.slice(50)}`, '']) {
      const res = await supertest(t.app).get(`/signin/verify?token=${broken}`);
      expect(res.status).toBe(400);
      expect(res.text).toContain('This link looks cut off or has extra characters at its end. Open it straight from the mail, or type the code from the mail.');
    }
    // In the browser that asked for the mail, the hint stands on the page with the code field.
    const asked = await t.agent().get(`/signin/verify?token=${token.slice(0, -5)}`);
    expect(asked.text).not.toContain('name="code"');
    const { agent } = await mailedLink(contact.email);
    const withFlow = await agent.get(`/signin/verify?token=${token.slice(0, -5)}`);
    expect(withFlow.status).toBe(400);
    expect(withFlow.text).toContain('type the code from the mail');
    expect(withFlow.text).toContain('name="code"');
    const german = await supertest(t.app)
      .get(`/signin/verify?token=${token.slice(0, -5)}`)
      .set('Accept-Language', 'de');
    expect(german.text).toContain('Dieser Link scheint abgeschnitten zu sein');
    const unknown = await supertest(t.app).get(`/signin/verify?token=${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`);
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('That link or code is not valid.');
  });

  it('a magic link and a staff link with junk after them go to the clean link; a cut one gets the hint', async () => {
    const contact = await createContact(t.services.db, { email: `magicjunk-${Date.now()}@contoso.example` });
    const magic = new URL((await t.services.magicLinks.generateForContact(contact.id, null)).link);
    const token = magic.searchParams.get('token')!;
    const client = t.agent();
    const res = await client.get(`/signin/magic?token=${encodeURIComponent(token)}%5Cn%5CnOr`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/signin/magic?token=${encodeURIComponent(token)}`);
    const page = await client.get(res.headers.location!);
    expect(page.status).toBe(200);
    const signedIn = await client
      .post('/signin/magic')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), token });
    expect(signedIn.status).toBe(303);
    expect((await client.get('/')).status).toBe(200);

    const cut = await supertest(t.app).get(`/signin/magic?token=${token.slice(0, -3)}`);
    expect(cut.status).toBe(400);
    expect(cut.text).toContain(
      'This link looks cut off or has extra characters at its end. Open it straight from the mail or message it came in, or ask for a new one.',
    );

    const member = await t.services.staff.create({ email: `staffjunk-${Date.now()}@msp.example`, name: 'Sam Junk', role: 'technician' });
    const staffLink = new URL((await t.services.magicLinks.generateForStaff(member.id)).link);
    const staffToken = staffLink.searchParams.get('token')!;
    const staffRes = await supertest(t.app).get(`/admin/signin/link?token=${encodeURIComponent(staffToken)}.`);
    expect(staffRes.status).toBe(303);
    expect(staffRes.headers.location).toBe(`/admin/signin/link?token=${encodeURIComponent(staffToken)}`);
  });

  it('an invitation link with junk after the address fills in the address alone', async () => {
    const page = await supertest(t.app).get('/signin?email=megan%40contoso.example%5Cn%5CnOr');
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/name="email"[^>]*value="megan@contoso\.example"/);
  });
});
