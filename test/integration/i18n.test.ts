// The portal and the client mails in English and German: chosen from Accept-Language, switched in the
// footer (remembered in the portico.lang cookie), and used for the mails sent later.
import type supertest from 'supertest';
import type { ParsedMail } from 'mailparser';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createCompany, createContact } from '../helpers/factories.js';
import { csrfFor, csrfFrom } from '../helpers/http.js';
import { catalogs } from '../../src/i18n/index.js';

let t: TestApp;
let companyId: number;

beforeAll(async () => {
  // A low per-address limit gives a 429 page cheaply; every test uses addresses of its own.
  t = await startTestApp({ env: { SIGNIN_RATE_LIMIT_PER_IP: '10000/15m', SIGNIN_RATE_LIMIT_PER_ADDRESS: '2/15m' } });
  companyId = (await createCompany(t.services.db, { name: 'Contoso', domains: ['contoso.example'] })).id;
});
afterAll(async () => t.close());

let n = 0;
async function newContact() {
  n += 1;
  return createContact(t.services.db, { companyId, email: `i18n${n}-${Date.now()}@contoso.example`, firstName: 'Lena', lastName: `Weber${n}` });
}

const browser = (acceptLanguage?: string) => {
  const agent = t.agent();
  if (acceptLanguage) agent.set('Accept-Language', acceptLanguage);
  return agent;
};

const cookieNamed = (res: supertest.Response, name: string) => ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith(`${name}=`));

async function requestMail(agent: ReturnType<typeof browser>, email: string): Promise<{ answer: supertest.Response; mail: ParsedMail }> {
  const before = t.smtp.messages.length;
  const _csrf = await csrfFor(agent); // first: the request takes the agent's cookies when it is made
  const answer = await agent.post('/signin/email').type('form').send({ _csrf, email });
  await t.settle();
  return { answer, mail: await t.smtp.waitForMail(email, { after: before }) };
}

const linkIn = (text: string) => new URL(/(http:\/\/portal\.test\.example\/signin\/(?:verify|magic)\?token=\S+)/.exec(text)![1]!);
// The code ends its line ("…: ABCD-EFGH"); the link's token may hold the same pattern, so not just any match.
const codeIn = (text: string) => /: ([A-Z2-9]{4}-[A-Z2-9]{4})$/m.exec(text)![1]!;

describe('the language from Accept-Language', () => {
  it('is German for a German browser', async () => {
    const page = await browser('de-CH,de;q=0.9').get('/signin');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<html lang="de">');
    expect(page.text).toContain('<h1>Anmelden</h1>');
    expect(page.text).toContain('Anmeldelink per E-Mail senden');
    expect(page.text).toContain('<label for="email">E-Mail-Adresse</label>');
    expect(page.text).not.toContain('Email me a sign-in link');
    expect(page.headers.vary).toMatch(/Accept-Language/i);
  });

  it.each([['en'], ['en-GB,en;q=0.9'], [undefined], ['fr-FR,fr;q=0.9'], ['*']])('is English for %p', async (acceptLanguage) => {
    const page = await browser(acceptLanguage).get('/signin');
    expect(page.text).toContain('<html lang="en">');
    expect(page.text).toContain('<h1>Sign in</h1>');
    expect(page.text).toContain('Email me a sign-in link');
  });

  it('follows the weights: German preferred over English', async () => {
    const page = await browser('en;q=0.4,de;q=0.8').get('/signin');
    expect(page.text).toContain('<html lang="de">');
  });

  it('keeps the form the same in every language: field email to /signin/email, hidden _csrf', async () => {
    const page = await browser('de').get('/signin');
    expect(page.text).toContain('action="/signin/email"');
    expect(page.text).toContain('name="email"');
    expect(page.text).toMatch(/name="_csrf" value="[^"]+"/);
  });

  it('gives validation messages in German', async () => {
    const agent = browser('de');
    const _csrf = await csrfFor(agent);
    const res = await agent.post('/signin/email').type('form').send({ _csrf, email: 'not-an-address' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Geben Sie eine E-Mail-Adresse wie name@firma.de ein');
  });

  it('translates the console sign-in, which shares the portal views, but not the rest of the console', async () => {
    const signin = await browser('de').get('/admin/signin');
    expect(signin.text).toContain('<html lang="de">');
    expect(signin.text).toContain('Anmeldung für Techniker');
    // The switch posts with the portal's session: not offered on console pages.
    expect(signin.text).not.toContain('action="/language"');
  });
});

describe('the footer switch', () => {
  it('is on portal pages as a form with both languages', async () => {
    const page = await browser('en').get('/signin');
    expect(page.text).toContain('action="/language"');
    expect(page.text).toMatch(
      /<button type="submit" class="link" name="lang" value="en" lang="en" aria-current="true">English<\/button> \| <button type="submit" class="link" name="lang" value="de" lang="de">Deutsch<\/button>/,
    );
    expect(page.text).toContain('name="returnTo" value="/signin"');
  });

  it('remembers German in a cookie for a year and wins over Accept-Language', async () => {
    const agent = browser('en');
    const _csrf = await csrfFor(agent, '/signin?email=x%40contoso.example');
    const switched = await agent.post('/language').type('form').send({ _csrf, lang: 'de', returnTo: '/signin?email=x%40contoso.example' });
    expect(switched.status).toBe(303);
    expect(switched.headers.location).toBe('/signin?email=x%40contoso.example');
    const cookie = cookieNamed(switched, 'portico.lang')!;
    expect(cookie).toMatch(/^portico\.lang=de;/);
    expect(cookie).toMatch(/Max-Age=31536000/);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/); // BASE_URL is http here

    const next = await agent.get('/signin?email=x%40contoso.example');
    expect(next.text).toContain('<html lang="de">');
    expect(next.text).toContain('Anmeldelink per E-Mail senden');
    expect(next.text).toMatch(/value="de" lang="de" aria-current="true">Deutsch/);

    const back = await agent.post('/language').type('form').send({ _csrf, lang: 'en', returnTo: '/signin' });
    expect(cookieNamed(back, 'portico.lang')).toMatch(/^portico\.lang=en;/);
    expect((await agent.get('/signin')).text).toContain('<html lang="en">');
  });

  it('also answers a German browser in English once English is chosen', async () => {
    const agent = browser('de-DE,de;q=0.9');
    const _csrf = await csrfFor(agent);
    await agent.post('/language').type('form').send({ _csrf, lang: 'en', returnTo: '/signin' });
    expect((await agent.get('/signin')).text).toContain('Email me a sign-in link');
  });

  it('refuses a switch without the CSRF token', async () => {
    const agent = browser('en');
    await agent.get('/signin');
    const res = await agent.post('/language').type('form').send({ lang: 'de', returnTo: '/signin' });
    expect(res.status).toBe(403);
    expect(cookieNamed(res, 'portico.lang')).toBeUndefined();
  });

  it('goes back only to a local path', async () => {
    const agent = browser('en');
    const _csrf = await csrfFor(agent);
    for (const returnTo of ['//evil.example', 'https://evil.example/', '/\\evil.example', '/.//evil.example']) {
      const res = await agent.post('/language').type('form').send({ _csrf, lang: 'de', returnTo });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/');
    }
  });

  it('ignores a language it does not have', async () => {
    const agent = browser('en');
    const _csrf = await csrfFor(agent);
    const res = await agent.post('/language').type('form').send({ _csrf, lang: 'fr', returnTo: '/signin' });
    expect(res.status).toBe(303);
    expect(cookieNamed(res, 'portico.lang')).toBeUndefined();
    // A cookie naming an unsupported language is ignored too.
    const page = await t.agent().get('/signin').set('Cookie', 'portico.lang=fr').set('Accept-Language', 'de');
    expect(page.text).toContain('<html lang="de">');
  });

  it('after a POST, comes back to a page that exists (the check-mail page is /signin/code)', async () => {
    const contact = await newContact();
    const agent = browser('en');
    const { answer } = await requestMail(agent, contact.email);
    expect(answer.text).toContain('name="returnTo" value="/signin/code"');
    const switched = await agent
      .post('/language')
      .type('form')
      .send({ _csrf: csrfFrom(answer.text), lang: 'de', returnTo: '/signin/code' });
    expect(switched.headers.location).toBe('/signin/code');
    const page = await agent.get('/signin/code');
    expect(page.text).toContain('Prüfen Sie Ihr Postfach');
    expect(page.text).toContain('name="code"');
  });
});

describe('mails', () => {
  it('sends the email-token mail in German when the request was German, with the link and the code', async () => {
    const contact = await newContact();
    const agent = browser('de-CH,de;q=0.9');
    const { answer, mail } = await requestMail(agent, contact.email);
    expect(answer.text).toContain('Prüfen Sie Ihr Postfach');
    expect(answer.text).toContain('<strong>Jetzt anmelden</strong>');
    expect(mail.subject).toBe('Ihr Anmeldelink für Client Portal');
    expect(mail.text).toContain(`Jemand möchte sich bei Client Portal als ${contact.email} anmelden.`);
    expect(mail.text).toContain('Der Link und der Code verfallen in 10 Minuten');
    expect(mail.html).toContain('<html lang="de">');
    expect(mail.html).toContain('Jetzt anmelden');
    expect(mail.text).not.toContain('Login now');

    const link = linkIn(mail.text!);
    expect(mail.text).toContain(`Jetzt anmelden: ${link}`);
    expect(mail.html).toContain(link.toString().replace(/&/g, '&amp;'));
    const code = codeIn(mail.text!);
    expect(mail.html).toContain(code);

    // The link from the German mail works, and the confirm page is German too.
    const confirm = await agent.get(link.pathname + link.search);
    expect(confirm.text).toContain(`Bei Client Portal als ${contact.email} anmelden?`);
    // …and so does the code.
    const signedIn = await agent
      .post('/signin/code')
      .type('form')
      .send({ _csrf: csrfFrom(confirm.text), code });
    expect(signedIn.status).toBe(303);
    const home = await agent.get('/');
    expect(home.text).toContain('Willkommen, Lena Weber');
    expect(home.text).toContain('action="/signout"');
  });

  it('keeps the email-token mail English for an English request', async () => {
    const contact = await newContact();
    const { mail } = await requestMail(browser('en-US,en;q=0.9'), contact.email);
    expect(mail.subject).toBe('Your sign-in link for Client Portal');
    expect(mail.text).toContain('expire in 10 minutes');
    expect(mail.text).toMatch(/Login now: http/);
  });

  it('writes the mail in the language of the resend, when it changed', async () => {
    const contact = await newContact();
    const agent = browser('en');
    const { answer } = await requestMail(agent, contact.email);
    const _csrf = csrfFrom(answer.text);
    await agent.post('/language').type('form').send({ _csrf, lang: 'de', returnTo: '/signin/code' });
    t.clock.advance(61_000);
    const before = t.smtp.messages.length;
    const resent = await agent.post('/signin/resend').type('form').send({ _csrf });
    expect(resent.text).toContain('Eine neue E-Mail ist unterwegs.');
    await t.settle();
    expect((await t.smtp.waitForMail(contact.email, { after: before })).subject).toBe('Ihr Anmeldelink für Client Portal');
  });

  it("sends magic links and invitations in the language of the contact's last sign-in, else English", async () => {
    const contact = await newContact();
    // Never signed in: English.
    let before = t.smtp.messages.length;
    await t.services.magicLinks.sendToContact(contact.id, null);
    await t.settle();
    const english = await t.smtp.waitForMail(contact.email, { after: before });
    expect(english.subject).toBe('Your sign-in link for Client Portal');
    expect(english.text).toContain('Your IT provider sent you a link');

    // Signs in from a German browser…
    const agent = browser('de');
    const { mail } = await requestMail(agent, contact.email);
    const page = await agent.get('/signin/code');
    await agent
      .post('/signin/code')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), code: codeIn(mail.text!) });
    const row = await t.services.db('contacts').where({ id: contact.id }).first('locale');
    expect(row.locale).toBe('de');

    // …and later mails from the technicians are German.
    before = t.smtp.messages.length;
    await t.services.magicLinks.sendToContact(contact.id, null);
    await t.settle();
    const magic = await t.smtp.waitForMail(contact.email, { after: before });
    expect(magic.subject).toBe('Ihr Anmeldelink für Client Portal');
    expect(magic.text).toContain('Ihr IT-Dienstleister hat Ihnen einen Link gesendet');
    expect(magic.text).toContain('Der Link verfällt in');
    expect(magic.text).toContain(`Jetzt anmelden: ${linkIn(magic.text!)}`);

    // Someone who signs in already gets no invitation; one who has not yet gets it in the language stored
    // for them (here written directly: only a sign-in sets it, and that makes the contact active).
    await expect(t.services.contacts.invite(contact.id, { staffId: null })).rejects.toMatchObject({ status: 409 });
    await t.services.db('contacts').where({ id: contact.id }).update({ status: 'invited' });
    before = t.smtp.messages.length;
    await t.services.contacts.invite(contact.id, { staffId: null });
    await t.settle();
    const invitation = await t.smtp.waitForMail(contact.email, { after: before });
    expect(invitation.subject).toBe('Sie sind zu Client Portal eingeladen');
    expect(invitation.text).toContain('Hallo Lena,');
    expect(invitation.html).toContain(`Melden Sie sich mit Ihrer Adresse <strong>${contact.email}</strong> an:`);
  });
});

describe('error pages', () => {
  it('answers 404 in German for a German browser', async () => {
    const res = await browser('de-CH,de;q=0.9').get('/no-such-page');
    expect(res.status).toBe(404);
    expect(res.text).toContain('<html lang="de">');
    expect(res.text).toContain('<h1>Nicht gefunden</h1>');
    expect(res.text).toContain('Diese Seite gibt es nicht.');
    expect(res.text).toContain('Zurück zur Anmeldung');
    expect(englishLeftovers(res.text)).toEqual([]);
  });

  it('answers the rate limit (429) in German, and JSON still in English', async () => {
    const contact = await newContact();
    const agent = browser('de');
    const _csrf = await csrfFor(agent);
    let res: supertest.Response | undefined;
    for (let i = 0; i < 3; i += 1) res = await agent.post('/signin/email').type('form').send({ _csrf, email: contact.email });
    expect(res!.status).toBe(429);
    expect(res!.headers['retry-after']).toBeDefined();
    expect(res!.text).toContain('<h1>Zu viele Versuche</h1>');
    expect(res!.text).toMatch(/Zu viele Versuche\. Versuchen Sie es in \d+ (Minuten|Sekunden) erneut\./);
    // Back from the error page's switch: a page that exists, not the POST's path.
    expect(res!.text).toContain('name="returnTo" value="/"');
    expect(englishLeftovers(res!.text)).toEqual([]);

    const json = await agent.post('/signin/email').set('Accept', 'application/json').type('form').send({ _csrf, email: contact.email });
    expect(json.status).toBe(429);
    expect(json.body.error.message).toMatch(/^Too many attempts\. Try again in/);
    await t.settle();
  });

  it('answers a form without its CSRF token in German', async () => {
    const agent = browser('de');
    await agent.get('/signin');
    const res = await agent.post('/signin/email').type('form').send({ email: 'x@contoso.example' });
    expect(res.status).toBe(403);
    expect(res.text).toContain('Dieses Formular war abgelaufen');
  });
});

// Every client page in German, walked as a German browser would: nothing English of the catalogue's is
// left (the terms' own text and the names are data, not the portal's words), and no raw key shows.
function englishLeftovers(html: string): string[] {
  const en = catalogs.en as Record<string, string>;
  const de = catalogs.de as Record<string, string>;
  // What a person reads: the text between the tags, and the attributes people see (title, aria-label, placeholder).
  const visible = [
    ...html.replace(/<script[\s\S]*?<\/script>/g, '').split(/<[^>]*>/),
    ...[...html.matchAll(/(?:aria-label|title|placeholder)="([^"]*)"/g)].map((m) => m[1]!),
  ]
    .join('\n')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#39;/g, "'")
    .replace(/&#34;/g, '"')
    .replace(/&amp;/g, '&');
  const found: string[] = [];
  for (const [key, text] of Object.entries(en)) {
    if (visible.includes(key)) found.push(`raw key ${key}`);
    if (text === de[key]) continue;
    for (const segment of text.split(/\{\w+\}|<[^>]+>/).map((part) => part.trim())) {
      // Phrases, not single words: "Code", "Portal" or "Version" are the same in both languages.
      if (segment.includes(' ') && segment.length >= 8 && visible.includes(segment)) found.push(`${key}: ${segment}`);
    }
  }
  return found;
}

describe('every client page in German', () => {
  it('finds English where it is (the check works)', async () => {
    expect(englishLeftovers((await browser('en').get('/signin')).text)).toEqual(
      expect.arrayContaining(['signin.intro: Enter your work email address. We will send you a link and a code to sign in.']),
    );
    expect(englishLeftovers('<p>signin.title</p>')).toEqual(['raw key signin.title']);
  });

  it('has no English left on the pages of a first sign-in, the home and sessions pages', async () => {
    const terms = await t.services.settings.get('terms');
    await t.services.settings.set('terms', { text: 'Be nice.', version: 'v1', translations: { de: '' } }, null);
    try {
      const contact = await createContact(t.services.db, { companyId, email: `first-${Date.now()}@contoso.example`, firstName: '', lastName: '' });
      const agent = browser('de-DE,de;q=0.9,en;q=0.5');
      const pages: Array<[string, supertest.Response]> = [];
      pages.push(['signin', await agent.get('/signin')]);
      const { answer, mail } = await requestMail(agent, contact.email);
      pages.push(['check-mail', answer]);
      const link = linkIn(mail.text!);
      const confirm = await agent.get(link.pathname + link.search);
      pages.push(['confirm', confirm]);
      const wrongCode = await agent
        .post('/signin/code')
        .type('form')
        .send({ _csrf: csrfFrom(confirm.text), code: 'nope' });
      expect(wrongCode.text).toContain('Geben Sie den 8-stelligen Code aus der E-Mail ein');
      pages.push(['wrong code', wrongCode]);
      const signedIn = await agent
        .post('/signin/code')
        .type('form')
        .send({ _csrf: csrfFrom(confirm.text), code: codeIn(mail.text!) });
      expect(signedIn.headers.location).toBe('/');
      const termsPage = await agent.get('/welcome/terms');
      expect(termsPage.text).toContain('Ich akzeptiere diese Bedingungen');
      pages.push(['terms', termsPage]);
      const notTicked = await agent
        .post('/welcome/terms')
        .type('form')
        .send({ _csrf: csrfFrom(termsPage.text), version: 'v1' });
      expect(notTicked.text).toContain('Setzen Sie das Häkchen');
      pages.push(['terms not ticked', notTicked]);
      await agent
        .post('/welcome/terms')
        .type('form')
        .send({ _csrf: csrfFrom(termsPage.text), version: 'v1', accept: 'on' });
      const profile = await agent.get('/welcome/profile');
      expect(profile.text).toContain('Vervollständigen Sie Ihr Profil');
      pages.push(['profile', profile]);
      const noNames = await agent
        .post('/welcome/profile')
        .type('form')
        .send({ _csrf: csrfFrom(profile.text), firstName: '', lastName: 'a<b' });
      expect(noNames.text).toContain('Geben Sie Ihren Vornamen ein');
      expect(noNames.text).toContain('Ihr Nachname darf keine Zeilenumbrüche, &lt; oder &gt; enthalten');
      pages.push(['profile errors', noNames]);
      await agent
        .post('/welcome/profile')
        .type('form')
        .send({ _csrf: csrfFrom(profile.text), firstName: 'Jonas', lastName: 'Keller' });
      const home = await agent.get('/');
      expect(home.text).toContain('Willkommen, Jonas Keller');
      expect(home.text).toContain('Contoso'); // names the contact's company
      expect(home.text).toMatch(/<form method="post" action="\/signout">\s*<input type="hidden" name="_csrf"/);
      pages.push(['home', home]);
      const sessions = await agent.get('/sessions');
      expect(sessions.text).toContain('(dieser Browser)');
      pages.push(['sessions', sessions]);
      const noSession = await agent
        .post('/sessions/00000000-0000-4000-8000-000000000000/end')
        .type('form')
        .send({ _csrf: csrfFrom(home.text) });
      expect(noSession.status).toBe(404);
      expect(noSession.text).toContain('Diese Sitzung gibt es nicht.');
      pages.push(['no such session', noSession]);

      for (const [name, page] of pages) {
        expect({ name, lang: /<html lang="(\w+)">/.exec(page.text)?.[1], leftovers: englishLeftovers(page.text) }).toEqual({ name, lang: 'de', leftovers: [] });
      }
    } finally {
      await t.services.settings.set('terms', terms, null);
    }
  });

  it('has no English left on Create your account and Choose an account', async () => {
    const agent = browser('de');
    const pages: Array<[string, supertest.Response]> = [];
    // An address on the company's domain without a contact: Create your account.
    const newcomer = `new-${Date.now()}@contoso.example`;
    const { mail } = await requestMail(agent, newcomer);
    const page = await agent.get('/signin/code');
    await agent
      .post('/signin/code')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), code: codeIn(mail.text!) });
    const create = await agent.get('/signin/create-account');
    expect(create.text).toContain('Ihr Konto anlegen');
    expect(create.text).toContain(`Willkommen! <strong>${newcomer}</strong> gehört zu <strong>Contoso</strong>.`);
    pages.push(['create-account', create]);
    const invalid = await agent
      .post('/signin/create-account')
      .type('form')
      .send({ _csrf: csrfFrom(create.text), firstName: '', lastName: 'x'.repeat(101), phone: 'abc' });
    expect(invalid.status).toBe(400);
    expect(invalid.text).toContain('Verwenden Sie höchstens 100 Zeichen');
    expect(invalid.text).toContain('Verwenden Sie nur Ziffern, Leerzeichen und + ( ) -');
    pages.push(['create-account errors', invalid]);

    // One address in two companies: Choose an account.
    const shared = `shared-${Date.now()}@contoso.example`;
    const other = await createCompany(t.services.db, { name: 'Fabrikam' });
    await createContact(t.services.db, { companyId, email: shared, firstName: 'Sam', lastName: 'Roth' });
    await createContact(t.services.db, { companyId: other.id, email: shared, firstName: 'Sam', lastName: 'Roth' });
    const chooser = browser('de');
    const sharedMail = (await requestMail(chooser, shared)).mail;
    const codePage = await chooser.get('/signin/code');
    await chooser
      .post('/signin/code')
      .type('form')
      .send({ _csrf: csrfFrom(codePage.text), code: codeIn(sharedMail.text!) });
    const choose = await chooser.get('/signin/choose');
    expect(choose.text).toContain('Konto auswählen');
    pages.push(['choose', choose]);
    const wrongChoice = await chooser
      .post('/signin/choose')
      .type('form')
      .send({ _csrf: csrfFrom(choose.text), contactId: '999999' });
    expect(wrongChoice.text).toContain('Wählen Sie eines dieser Konten.');
    pages.push(['choose again', wrongChoice]);
    const chosen = /name="contactId" value="(\d+)"/.exec(choose.text)![1]!;
    await chooser
      .post('/signin/choose')
      .type('form')
      .send({ _csrf: csrfFrom(choose.text), contactId: chosen });
    const home = await chooser.get('/');
    expect(home.text).toMatch(/Wechseln zu (Contoso|Fabrikam)/);
    pages.push(['home with switch', home]);

    const expired = await browser('de').get('/signin/choose');
    expect(expired.text).toContain('Ihre Anmeldung ist abgelaufen.');
    pages.push(['proof expired', expired]);

    for (const [name, p] of pages) {
      expect({ name, lang: /<html lang="(\w+)">/.exec(p.text)?.[1], leftovers: englishLeftovers(p.text) }).toEqual({ name, lang: 'de', leftovers: [] });
    }
  });
});
