// Passkeys in a real browser: Debian's Chromium with a CDP virtual authenticator (WebAuthn.enable,
// WebAuthn.addVirtualAuthenticator: ctap2, internal transport, resident keys, user verification), which
// answers WebAuthn as a platform authenticator (Touch ID, Windows Hello) would. The app is served as
// http://localhost:PORT: WebAuthn needs a domain for the RP ID (127.0.0.1 is none) and a secure context
// (localhost is one).
import type { CDPSession, Page } from 'playwright-core';
import { createCompany, createContact } from '../helpers/factories.js';
import { closeAll, freePort, screenshotBoth, type ServedApp, signInByMail, signInStaff, staffPage, startBrowserAndApp, type TestBrowser } from './browser.js';

let browser: TestBrowser;
let app: ServedApp;
let base: string;
let companyId: number;

beforeAll(async () => {
  const port = await freePort();
  base = `http://localhost:${port}`;
  ({ browser, app } = await startBrowserAndApp({ env: { BASE_URL: base } }, port));
  companyId = (await createCompany(app.services.db, { name: 'Fabrikam', domains: ['fabrikam.example'] })).id;
}, 60_000);

afterAll(() => closeAll(browser, app));

/** A browser tab with its own platform authenticator. Without autofill: a browser that offers no passkeys in
 * the email field's suggestions (conditional mediation), where the button is the way; the virtual authenticator
 * would otherwise answer the autofill request as soon as the page loads. */
async function pageWithAuthenticator(options: { autofill?: boolean } = {}): Promise<{ page: Page; cdp: CDPSession; authenticatorId: string }> {
  const context = await browser.newContext();
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

// The page itself never scrolls sideways on a phone (a wide table may, inside its own box).
const shots = (page: Page, name: string) => screenshotBoth(page, `passkeys-${name}`, { fits: true });

// The app's links are built from BASE_URL (localhost here), so the mail's link opens in the same origin as the page.
const emailSignIn = (page: Page, email: string) => signInByMail(app, page, email);

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

  // A new passkey on another device (a browser of its own: the first one asked for a mail to this
  // address a moment ago and is inside the resend cooldown, which Redis times by the wall clock), then
  // the contact disabled in the console: refused with the same message.
  const laptop = await pageWithAuthenticator();
  await laptop.page.bringToFront();
  await emailSignIn(laptop.page, contact.email);
  await laptop.page.goto(`${base}/account/security`);
  await laptop.page.click('form[data-passkey-register] button[type=submit]');
  await laptop.page.waitForSelector('text=added. Next time, sign in with it.');
  await signOut(laptop.page);
  const admin = await consolePage();
  await admin.goto(`${base}/admin/contacts/${contact.id}`);
  await admin.waitForSelector('text=Passkeys');
  await shots(admin, 'console-contact');
  await admin.click(`form[action="/admin/contacts/${contact.id}/disable"] button[type=submit]`);
  // Disable asks first, in a dialog (console-ux).
  await admin.locator('dialog.confirm-dialog button', { hasText: 'Disable' }).click();
  await admin.waitForSelector('text=Contact disabled');
  await laptop.page.bringToFront();
  await laptop.page.click('[data-passkey-button]');
  await laptop.page.waitForSelector('text=That passkey could not sign you in.');
}, 120_000);

const consolePage = (): Promise<Page> => staffPage(browser, app);

it('does the same for staff in the console', async () => {
  const { page } = await pageWithAuthenticator();
  await signInStaff(app, page, { email: 'tom.tech@msp.example', name: 'Tom Tech', role: 'technician' });
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
