// What people see and do, in a real browser: the email-token sign-in by link and by code, resend with
// its countdown, the Microsoft button and its fallback, the console's Mail Token settings, a company
// with two domains, and a magic link copied in the console and used in a second browser.
import type { Page } from 'playwright-core';
import { startFakeEntra, type FakeEntra } from '../fakes/entra.js';
import { createCompany, createContact } from '../helpers/factories.js';
import { codeFrom, linkFrom } from '../helpers/http.js';
import {
  closeAll,
  createCompanyInConsole,
  freePort,
  requestMail as requestMailIn,
  screenshot,
  serveApp,
  type ServedApp,
  staffPage,
  TestBrowser,
} from './browser.js';

const CONTOSO_TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const client = { clientId: '0c0c0c0c-1111-4222-8333-444444444444', clientSecret: 'entra-test-secret' };

// This file's pages are a little narrower than the shared desktop size; its screenshots were made so.
const VIEWPORT = { width: 1100, height: 800 };

let browser: TestBrowser;
let app: ServedApp;
let entra: FakeEntra;
let companyId: number;

const newPage = (): Promise<Page> => browser.newPage({ viewport: VIEWPORT });
const requestMail = (page: Page, email: string) => requestMailIn(app, page, email);

beforeAll(async () => {
  browser = await TestBrowser.launch();
  // The provider needs the app's redirect URI and the app the provider's authority: the app's port is
  // chosen first.
  const port = await freePort();
  entra = await startFakeEntra({ ...client, redirectUris: [`http://127.0.0.1:${port}/auth/microsoft/callback`], tenants: [CONTOSO_TENANT] });
  app = await serveApp(
    { env: { MICROSOFT_CLIENT_ID: client.clientId, MICROSOFT_CLIENT_SECRET: client.clientSecret, MICROSOFT_AUTHORITY: entra.authority } },
    port,
  );
  companyId = (await createCompany(app.services.db, { name: 'Contoso', domains: ['contoso.example'] })).id;
  await app.services.db('company_tenants').insert({ company_id: companyId, tenant_id: CONTOSO_TENANT });
}, 60_000);

afterAll(() => closeAll(browser, app, entra));

it('signs in by the link in the mail', async () => {
  const contact = await createContact(app.services.db, { companyId, email: 'alex@contoso.example', firstName: 'Alex', lastName: 'Wilber' });
  const page = await newPage();
  const mail = await requestMail(page, contact.email);
  await screenshot(page, '01-check-your-mail');
  await page.goto(linkFrom(mail).toString());
  await page.waitForSelector('text=Sign in to Client Portal as alex@contoso.example?');
  await screenshot(page, '02-confirm');
  await page.click('form[action="/signin/verify"] button[type=submit]');
  await page.waitForSelector('text=Welcome, Alex Wilber');
  await screenshot(page, '03-home');
  expect(new URL(page.url()).pathname).toBe('/');
});

it('signs in by the code, typed in lower case', async () => {
  const contact = await createContact(app.services.db, { companyId, email: 'megan@contoso.example', firstName: 'Megan', lastName: 'Bowen' });
  const page = await newPage();
  const mail = await requestMail(page, contact.email);
  await page.fill('input[name=code]', codeFrom(mail).toLowerCase());
  await page.click('form[action="/signin/code"] button[type=submit]');
  await page.waitForSelector('text=Welcome, Megan Bowen');
  await screenshot(page, '04-home-by-code');
});

it('counts down before Resend is possible, then sends a new mail', async () => {
  const settings = await app.services.settings.get('mail_token');
  await app.services.settings.set('mail_token', { ...settings, resendCooldownSeconds: 10 }, null);
  try {
    const contact = await createContact(app.services.db, { companyId, email: 'lee@contoso.example' });
    const page = await newPage();
    await requestMail(page, contact.email);
    const button = page.locator('form[action="/signin/resend"] button');
    expect(await button.isDisabled()).toBe(true);
    const first = Number(await page.locator('[data-countdown-value]').textContent());
    await page.waitForTimeout(2100);
    const later = Number(await page.locator('[data-countdown-value]').textContent());
    expect(later).toBeLessThan(first);
    await screenshot(page, '05-resend-countdown');
    await page.waitForFunction(() => !(document.querySelector('form[action="/signin/resend"] button') as HTMLButtonElement).disabled, undefined, {
      timeout: 15_000,
    });
    const before = app.smtp.messages.length;
    await button.click();
    await page.waitForSelector('text=A new mail is on its way');
    await app.settle();
    await app.smtp.waitForMail(contact.email, { after: before });
    await screenshot(page, '06-resent');
  } finally {
    await app.services.settings.set('mail_token', settings, null);
  }
});

it('signs in with Microsoft, and falls back to the email form when the person cancels', async () => {
  await createContact(app.services.db, { companyId, email: 'adele@contoso.example', firstName: 'Adele', lastName: 'Vance' });
  const page = await newPage();
  await page.goto(`${app.url}/signin`);
  await screenshot(page, '07-signin-with-microsoft-button');
  entra.next({
    tenant: CONTOSO_TENANT,
    oid: '00000000-0000-4000-8000-000000000001',
    email: 'adele@contoso.example',
    preferredUsername: 'adele@contoso.example',
  });
  await page.click('text=Sign in with Microsoft');
  await page.waitForSelector('text=Welcome, Adele Vance');
  await screenshot(page, '08-home-by-microsoft');

  const other = await newPage();
  entra.next('cancel');
  await other.goto(`${app.url}/signin`);
  await other.click('text=Sign in with Microsoft');
  await other.waitForSelector('text=Microsoft sign-in was cancelled');
  expect(await other.isVisible('input[name=email]')).toBe(true);
  await screenshot(other, '09-microsoft-fallback');
});

const adminPage = (): Promise<Page> => staffPage(browser, app, {}, { viewport: VIEWPORT });

it('changes the Mail Token settings in the console', async () => {
  const page = await adminPage();
  await page.goto(`${app.url}/admin/settings/mail-token`);
  await page.fill('input[name=portalName]', 'Contoso IT Portal');
  await page.fill('input[name=fromAddress]', 'not an address');
  await page.click('form[action="/admin/settings/mail-token"] button[type=submit]');
  await page.waitForSelector('#fromAddress-error');
  await screenshot(page, '10-mail-token-error');
  await page.fill('input[name=fromAddress]', 'help@msp.example');
  await page.click('form[action="/admin/settings/mail-token"] button[type=submit]');
  await page.waitForSelector('text=Mail Token settings saved');
  await screenshot(page, '11-mail-token-saved');
  expect((await app.services.settings.get('mail_token')).portalName).toBe('Contoso IT Portal');
  await app.services.settings.set('mail_token', { ...(await app.services.settings.get('mail_token')), portalName: 'Client Portal' }, null);
});

it('creates a company with two domains', async () => {
  const page = await adminPage();
  await createCompanyInConsole(app, page, 'Northwind Traders');
  for (const domain of ['northwind.example', 'Northwind-Traders.EXAMPLE.']) {
    await page.fill('input[name=domain]', domain);
    await page.click('form[action$="/domains"] button[type=submit]');
    await page.waitForSelector('text=added.');
  }
  await page.waitForSelector('text=northwind-traders.example');
  await screenshot(page, '12-company-two-domains');
});

it('generates a magic link, copies it, and uses it in a second browser', async () => {
  const contact = await createContact(app.services.db, { companyId, email: 'diego@contoso.example', firstName: 'Diego', lastName: 'Siciliani' });
  const page = await adminPage();
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.url });
  await page.goto(`${app.url}/admin/contacts/${contact.id}`);
  await page.click('form[action$="/magic-link"] button[type=submit]');
  await page.click('button[data-copy="#magic-link"]');
  await page.waitForSelector('button:has-text("Copied")');
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied).toMatch(/\/signin\/magic\?token=/);
  await screenshot(page, '13-magic-link');

  const second = await newPage();
  await second.goto(copied);
  await second.click('form button[type=submit]');
  await second.waitForSelector('text=Welcome, Diego Siciliani');
  await screenshot(second, '14-magic-link-used');
});

it('shows the portal in German to a German browser, and switches the language in the footer', async () => {
  const page = await browser.newPage({ viewport: VIEWPORT, locale: 'de-DE' });
  await page.goto(`${app.url}/signin`);
  await page.waitForSelector('text=Anmeldelink per E-Mail senden');
  expect(await page.getAttribute('html', 'lang')).toBe('de');
  await screenshot(page, '15-signin-german');
  await page.click('form[action="/language"] button[value=en]');
  await page.waitForSelector('text=Email me a sign-in link');
  expect(new URL(page.url()).pathname).toBe('/signin');
  expect(await page.getAttribute('html', 'lang')).toBe('en');
  // Remembered: a reload is still English, whatever the browser asks for.
  await page.reload();
  await page.waitForSelector('text=Email me a sign-in link');
  await page.click('form[action="/language"] button[value=de]');
  await page.waitForSelector('text=Anmeldelink per E-Mail senden');
  await screenshot(page, '16-switched-back-to-german');
});
