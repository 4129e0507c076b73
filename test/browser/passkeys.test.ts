// Passkeys in a real browser: Debian's Chromium with a CDP virtual authenticator (WebAuthn.enable,
// WebAuthn.addVirtualAuthenticator: ctap2, internal transport, resident keys, user verification), which
// answers WebAuthn as a platform authenticator (Touch ID, Windows Hello) would. The app is served as
// http://localhost:PORT: WebAuthn needs a domain for the RP ID (127.0.0.1 is none) and a secure context
// (localhost is one).
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { createCompany, createContact } from '../helpers/factories.js';
import { linkFrom } from '../helpers/http.js';
import { freePort, launch, screenshot, serveApp } from './browser.js';

let browser: Browser;
let app: Awaited<ReturnType<typeof serveApp>>;
let base: string;
let companyId: number;
const contexts: BrowserContext[] = [];

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 360, height: 740 };

beforeAll(async () => {
  browser = await launch();
  const port = await freePort();
  base = `http://localhost:${port}`;
  app = await serveApp({ env: { BASE_URL: base } }, port);
  companyId = (await createCompany(app.services.db, { name: 'Fabrikam', domains: ['fabrikam.example'] })).id;
}, 60_000);

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await app?.close();
});

/** A browser tab with its own platform authenticator. Without autofill: a browser that offers no passkeys in
 * the email field's suggestions (conditional mediation), where the button is the way; the virtual authenticator
 * would otherwise answer the autofill request as soon as the page loads. */
async function pageWithAuthenticator(options: { autofill?: boolean } = {}): Promise<{ page: Page; cdp: CDPSession; authenticatorId: string }> {
  const context = await browser.newContext({ viewport: DESKTOP });
  contexts.push(context);
  if (!options.autofill) await context.addInitScript(() => Object.assign(PublicKeyCredential, { isConditionalMediationAvailable: async () => false }));
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { page, cdp, authenticatorId };
}

async function shots(page: Page, name: string) {
  await screenshot(page, `passkeys-${name}-desktop`);
  await page.setViewportSize(PHONE);
  // The page itself never scrolls sideways (a wide table may, inside its own box).
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
  await screenshot(page, `passkeys-${name}-phone`);
  await page.setViewportSize(DESKTOP);
}

async function emailSignIn(page: Page, email: string) {
  const before = app.smtp.messages.length;
  await page.goto(`${base}/signin`);
  await page.fill('input[name=email]', email);
  await page.click('form[action="/signin/email"] button[type=submit]');
  await page.waitForSelector('text=Check your mail');
  await app.settle();
  const link = linkFrom(await app.smtp.waitForMail(email, { after: before }));
  await page.goto(`${base}${link.pathname}${link.search}`);
  await page.click('form button[type=submit]');
}

async function signOut(page: Page, action = '/signout') {
  await page.click(`form[action="${action}"] button[type=submit]`);
  await page.waitForURL(/signin/);
}

it('registers a passkey after an email sign-in, signs in with the button and with autofill, and stops working once removed or disabled', async () => {
  const contact = await createContact(app.services.db, { companyId, email: 'pia.keys@fabrikam.example', firstName: 'Pia', lastName: 'Keys' });
  const { page, cdp, authenticatorId } = await pageWithAuthenticator();
  await emailSignIn(page, contact.email);
  await page.waitForSelector('text=Sign in with one touch next time');
  await shots(page, 'home-offer');
  await page.click('form[data-passkey-register] button[type=submit]');
  await page.waitForSelector('text=added. Next time, sign in with it.');
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  expect(credentials).toHaveLength(1);
  expect(credentials[0]!.isResidentCredential).toBe(true);
  expect(await page.locator('[data-passkey-offer]').count()).toBe(0);

  // The button: no address typed.
  await signOut(page);
  await page.waitForSelector('form[data-passkey-signin]:not([hidden])');
  await shots(page, 'signin');
  await page.click('[data-passkey-button]');
  await page.waitForSelector('text=Welcome, Pia Keys');
  expect(page.url()).toBe(`${base}/`);

  // Autofill (conditional mediation) in a browser that offers it: the page asks as it loads and the
  // virtual authenticator answers with the one passkey it holds, as picking it in the email field's
  // suggestions would; nobody clicks the button. That authenticator holds a copy of the first one's
  // passkey (its key and counter), i.e. a clone.
  await signOut(page);
  const credential = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials[0]!;
  const clone = await pageWithAuthenticator({ autofill: true });
  await clone.cdp.send('WebAuthn.addCredential', { authenticatorId: clone.authenticatorId, credential });
  await clone.page.goto(`${base}/signin`);
  // A page in the background gets no autofill: bring it to the front, as the person looking at it.
  await clone.page.bringToFront();
  await clone.page.waitForSelector('text=Welcome, Pia Keys', { timeout: 15_000 });
  const uses = await app.services.db('audit_events').where({ action: 'passkey.used', subject_id: String(contact.id) });
  expect(uses).toHaveLength(2);

  // Now the original's counter is behind the one the clone reported: refused, and audited.
  await page.bringToFront();
  await page.click('[data-passkey-button]');
  await page.waitForSelector('text=That passkey could not sign you in.');
  expect(await app.services.db('audit_events').where({ action: 'passkey.counter_regressed', subject_id: String(contact.id) })).toHaveLength(1);

  // The Security page lists it; Remove removes it; the passkey no longer signs in.
  await clone.page.goto(`${base}/account/security`);
  await clone.page.waitForSelector('ul.passkeys');
  await shots(clone.page, 'security');
  await clone.page.click('ul.passkeys form[action$="/remove"] button[type=submit]');
  await clone.page.waitForSelector('text=Passkey removed.');
  await signOut(clone.page);
  await clone.page.click('[data-passkey-button]');
  await clone.page.waitForSelector('text=That passkey could not sign you in.');
  await shots(clone.page, 'refused');

  // A new passkey, then the contact disabled in the console: refused with the same message. (A new mail
  // to the same address from the same browser waits for the resend cooldown: the clock moves past it.)
  await page.bringToFront();
  app.clock.advance(61_000);
  await emailSignIn(page, contact.email);
  await page.goto(`${base}/account/security`);
  await page.click('form[data-passkey-register] button[type=submit]');
  await page.waitForSelector('text=added. Next time, sign in with it.');
  await signOut(page);
  const admin = await consolePage();
  await admin.goto(`${base}/admin/contacts/${contact.id}`);
  await admin.waitForSelector('text=Passkeys');
  await shots(admin, 'console-contact');
  await admin.click(`form[action="/admin/contacts/${contact.id}/disable"] button[type=submit]`);
  await admin.click('dialog.confirm-dialog button.danger'); // "Are you sure?"
  await admin.waitForSelector('text=Contact disabled');
  await page.bringToFront();
  await page.click('[data-passkey-button]');
  await page.waitForSelector('text=That passkey could not sign you in.');
}, 120_000);

async function consolePage(): Promise<Page> {
  const member = await app.services.staff.create({ email: `ada-${Date.now()}@msp.example`, name: 'Ada Admin', role: 'admin' });
  const { link } = await app.services.magicLinks.generateForStaff(member.id);
  const context = await browser.newContext({ viewport: DESKTOP });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(link);
  await page.click('form button[type=submit]');
  await page.waitForSelector('text=Welcome, Ada Admin');
  return page;
}

it('does the same for staff in the console', async () => {
  const member = await app.services.staff.create({ email: 'tom.tech@msp.example', name: 'Tom Tech', role: 'technician' });
  const { link } = await app.services.magicLinks.generateForStaff(member.id);
  const { page } = await pageWithAuthenticator();
  await page.goto(link);
  await page.click('form button[type=submit]');
  await page.waitForSelector('text=Welcome, Tom Tech');
  await page.goto(`${base}/admin/account/security`);
  await page.fill('input[name=name]', 'Office PC');
  await page.click('form[data-passkey-register] button[type=submit]');
  await page.waitForSelector('text=Passkey "Office PC" added');
  await shots(page, 'console-security');
  await signOut(page, '/admin/signout');
  await page.click('[data-passkey-button]');
  await page.waitForSelector('text=Welcome, Tom Tech');
  expect(page.url()).toBe(`${base}/admin`);
  // A staff passkey is no way into the portal.
  await page.goto(`${base}/signin`);
  await page.click('[data-passkey-button]');
  await page.waitForSelector('text=That passkey could not sign you in.');
  await page.goto(`${base}/admin/account/security`);
  await page.click('ul.passkeys form[action$="/remove"] button[type=submit]');
  await page.waitForSelector('text=Passkey removed.');
  await signOut(page, '/admin/signout');
  await page.click('[data-passkey-button]');
  await page.waitForSelector('text=That passkey could not sign you in.');
}, 120_000);
