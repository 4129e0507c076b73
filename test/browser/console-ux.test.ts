// The console in a real browser (issue 16, items 6 and 8): a change saved more than 15 minutes after
// signing in goes through a sign-in again and comes back to the form as typed; Disable asks in a dialog
// (and, without JavaScript, on a page of its own); the error banner, an internationalized domain, the
// audit log and a console 404, at desktop and phone size.
import type { Page } from 'playwright-core';
import { createCompany, createContact } from '../helpers/factories.js';
import { linkFrom } from '../helpers/http.js';
import { closeAll, screenshotBoth, type ServedApp, signInStaff, startBrowserAndApp, type TestBrowser } from './browser.js';

// Chromium on a machine shared with other test runs: each flow has a few minutes, not jest's 30 seconds.
const SLOW = 180_000;

let browser: TestBrowser;
let app: ServedApp;
let n = 0;

beforeAll(async () => {
  ({ browser, app } = await startBrowserAndApp());
}, 60_000);

afterAll(() => closeAll(browser, app));

async function adminPage(options: { javaScriptEnabled?: boolean } = {}): Promise<{ page: Page; email: string }> {
  const page = await browser.newPage(options);
  const { email } = await signInStaff(app, page, { name: `Ada Admin ${++n}` });
  return { page, email };
}

/** Both sizes of the page as it is now. */
const shoot = (page: Page, name: string) => screenshotBoth(page, `console-ux-${name}`);

it(
  'keeps what was typed through a sign-in again, and saves it only on Save',
  async () => {
    const { page, email } = await adminPage();
    await page.goto(`${app.url}/admin/settings/mail-token`);
    app.clock.advance(16 * 60_000);
    await page.fill('input[name=portalName]', 'Typed Before Signing In');
    await page.click('form[action="/admin/settings/mail-token"] button[type=submit]');
    await page.waitForURL(/\/admin\/signin\?again=1/);
    expect(await page.inputValue('input[name=email]')).toBe(email);
    await page.waitForSelector('text=sign in again');
    await shoot(page, 'sign-in-again');

    const before = app.smtp.messages.length;
    await page.click('form[action="/admin/signin/email"] button[type=submit]');
    await page.waitForSelector('text=Check your mail');
    await app.settle();
    const link = linkFrom(await app.smtp.waitForMail(email, { after: before }));
    await page.goto(link.toString());
    await page.click('form[action="/admin/signin/verify"] button[type=submit]');
    await page.waitForURL(`${app.url}/admin/settings/mail-token`);
    expect(await page.inputValue('input[name=portalName]')).toBe('Typed Before Signing In');
    await page.waitForSelector('text=not saved yet');
    await shoot(page, 'form-kept');
    expect((await app.services.settings.get('mail_token')).portalName).not.toBe('Typed Before Signing In');

    await page.click('form[action="/admin/settings/mail-token"] button[type=submit]');
    await page.waitForSelector('text=Mail Token settings saved');
    expect((await app.services.settings.get('mail_token')).portalName).toBe('Typed Before Signing In');
  },
  SLOW,
);

it(
  'asks in a dialog before disabling a contact; Cancel changes nothing',
  async () => {
    const company = await createCompany(app.services.db, { name: 'Dialog GmbH' });
    const contact = await createContact(app.services.db, { companyId: company.id, firstName: 'Dana', lastName: 'Dialog' });
    const { page } = await adminPage();
    await page.goto(`${app.url}/admin/contacts/${contact.id}`);
    await page.click(`form[action="/admin/contacts/${contact.id}/disable"] button[type=submit]`);
    const dialog = page.locator('dialog.confirm-dialog');
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('Disable Dana Dialog');
    // Cancel has the focus, so a stray Enter does not disable anyone.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Cancel');
    await shoot(page, 'disable-dialog');
    await dialog.locator('button', { hasText: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect((await app.services.db('contacts').where({ id: contact.id }).first()).status).toBe('active');

    await page.click(`form[action="/admin/contacts/${contact.id}/disable"] button[type=submit]`);
    await page.locator('dialog.confirm-dialog button', { hasText: 'Disable' }).click();
    await page.waitForSelector('text=Contact disabled');
    expect((await app.services.db('contacts').where({ id: contact.id }).first()).status).toBe('disabled');
  },
  SLOW,
);

it(
  'asks on a page of its own without JavaScript',
  async () => {
    const contact = await createContact(app.services.db, { firstName: 'Nico', lastName: 'NoScript' });
    const { page } = await adminPage({ javaScriptEnabled: false });
    await page.goto(`${app.url}/admin/contacts/${contact.id}`);
    await page.click(`form[action="/admin/contacts/${contact.id}/disable"] button[type=submit]`);
    await page.waitForSelector('h1:has-text("Disable Nico NoScript")');
    expect((await app.services.db('contacts').where({ id: contact.id }).first()).status).toBe('active');
    await shoot(page, 'disable-confirm-page');
    await page.click('form button.danger');
    await page.waitForSelector('text=Contact disabled');
    expect((await app.services.db('contacts').where({ id: contact.id }).first()).status).toBe('disabled');
  },
  SLOW,
);

it(
  'shows every field error in the banner, a domain in Unicode, the audit log in words, and a console 404',
  async () => {
    const { page } = await adminPage();
    await page.goto(`${app.url}/admin/settings/mail-token`);
    await page.fill('input[name=fromAddress]', 'not an address');
    await page.fill('input[name=tokenMinutes]', '999');
    await page.click('form[action="/admin/settings/mail-token"] button[type=submit]');
    await page.waitForSelector('.error-summary');
    expect(await page.locator('.error-summary li').count()).toBe(2);
    await page.click('.error-summary a[href="#tokenMinutes"]');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('tokenMinutes');
    await shoot(page, 'error-banner');

    const company = await createCompany(app.services.db, { name: 'Müller & Söhne' });
    await page.goto(`${app.url}/admin/companies/${company.id}`);
    await page.fill('input[name=domain]', 'müller.example');
    await page.click('form[action$="/domains"] button[type=submit]');
    await page.waitForSelector('text=xn--mller-kva.example');
    expect(await page.locator('.domain').first().textContent()).toContain('müller.example');
    await shoot(page, 'idn-domain');

    await page.goto(`${app.url}/admin/audit?contact=ada`);
    await page.waitForSelector('td:has-text("Added a domain")');
    await shoot(page, 'audit');
    await page.goto(`${app.url}/admin`);
    await shoot(page, 'dashboard');

    await page.goto(`${app.url}/admin/no-such-page`);
    await page.click('text=Back to the console');
    await page.waitForURL(`${app.url}/admin`);
  },
  SLOW,
);
