// Mail on a fresh install, in a real browser (issue 16, items 1 and 2): without SMTP_URL a technician
// sees on the dashboard, the outbox and the Mail Token page that mail is not delivered, and the test
// mail says it was only logged; with SMTP it says the server accepted it. A client opens the link
// printed in the log, and one copied with "\n\nOr" after it, and gets to sign in; a cut one says so.
import type { Page } from 'playwright-core';
import { createCompany, createContact } from '../helpers/factories.js';
import { askForMail, closeAll, expectNoSidewaysScroll, screenshot, serveApp, type ServedApp, type Size, SIZES, staffPage, TestBrowser } from './browser.js';

let browser: TestBrowser;
let noSmtp: ServedApp;
let withSmtp: ServedApp;
let companyId: number;

const newPage = (size: Size, locale = 'en-US'): Promise<Page> => browser.newPage({ viewport: SIZES[size], locale });
const adminPage = (app: ServedApp, size: Size): Promise<Page> => staffPage(browser, app, {}, { viewport: SIZES[size] });

/** The link and code of the last mail to `to` that the app without SMTP wrote to its log. */
function printed(to: string): { link: string; code: string } {
  const lines = noSmtp
    .logs()
    .split('\n')
    .filter((line) => line.includes('mail logged, not sent') && line.includes(to));
  return JSON.parse(lines.at(-1)!);
}

beforeAll(async () => {
  browser = await TestBrowser.launch();
  noSmtp = await serveApp({ noSmtp: true });
  withSmtp = await serveApp();
  companyId = (await createCompany(noSmtp.services.db, { name: 'Contoso', domains: ['contoso.example'] })).id;
}, 60_000);

afterAll(() => closeAll(browser, noSmtp, withSmtp));

describe.each(['desktop', 'phone'] as const)('on a %s', (size) => {
  it('a technician sees that mail is not delivered, and the test mail says it was only logged', async () => {
    const page = await adminPage(noSmtp, size);
    await page.goto(`${noSmtp.url}/admin`);
    await page.waitForSelector('[data-notice=mail-not-delivered] >> text=Mail is not being delivered.');
    expect(await page.isVisible('text=Mail logged, not sent')).toBe(true);
    await screenshot(page, `mail-dev-dashboard-${size}`);

    await page.goto(`${noSmtp.url}/admin/settings/mail-token`);
    await page.waitForSelector('[data-notice=mail-not-delivered] >> text=SMTP_URL=smtp://user:password@smtp.example.com:587');
    await page.click('form[action="/admin/settings/mail-token/test"] button[type=submit]');
    await page.waitForSelector('text=was NOT sent: no SMTP_URL is set, so it was only written to the server log.');
    await screenshot(page, `mail-dev-test-mail-logged-${size}`);

    await page.goto(`${noSmtp.url}/admin/outbox`);
    await page.waitForSelector('[data-notice=mail-not-delivered]');
    await page.waitForSelector('[data-status=logged] >> text=logged, not sent');
    expect(await page.locator('[data-status=sent]').count()).toBe(0);
    await screenshot(page, `mail-dev-outbox-${size}`);
  });

  it('with SMTP, no notice, and the test mail says the SMTP server accepted it', async () => {
    const page = await adminPage(withSmtp, size);
    await page.goto(`${withSmtp.url}/admin/settings/mail-token`);
    expect(await page.locator('[data-notice=mail-not-delivered]').count()).toBe(0);
    await page.click('form[action="/admin/settings/mail-token/test"] button[type=submit]');
    await page.waitForSelector('text=was sent: the SMTP server (SMTP_URL) accepted it.');
    await screenshot(page, `mail-dev-test-mail-sent-${size}`);
  });

  it('a client opens the printed link, and one copied with "\\n\\nOr" after it, and signs in', async () => {
    const contact = await createContact(noSmtp.services.db, { companyId, email: `alex-${size}@contoso.example`, firstName: 'Alex', lastName: 'Wilber' });
    const page = await newPage(size);
    await askForMail(noSmtp, page, contact.email);

    // As copied from the text of the mail in the old log line: the link, then "\n\nOr".
    const { link } = printed(contact.email);
    await page.goto(`${link}\\n\\nOr`);
    await page.waitForSelector(`text=Sign in to Client Portal as ${contact.email}?`);
    expect(new URL(page.url()).search).toBe(new URL(link).search);
    await expectNoSidewaysScroll(page, 'junk-link-confirm');
    await screenshot(page, `mail-dev-junk-link-confirm-${size}`);
    await page.click('form[action="/signin/verify"] button[type=submit]');
    await page.waitForSelector('text=Welcome, Alex Wilber');

    // The next mail's link exactly as printed, in a fresh browser.
    const other = await newPage(size);
    await askForMail(noSmtp, other, contact.email);
    await other.goto(printed(contact.email).link);
    await other.click('form[action="/signin/verify"] button[type=submit]');
    await other.waitForSelector('text=Welcome, Alex Wilber');
  });

  it('a client with a cut-off link is told it looks cut, in German too', async () => {
    const contact = await createContact(noSmtp.services.db, { companyId, email: `megan-${size}@contoso.example` });
    const page = await newPage(size, 'de-DE');
    await askForMail(noSmtp, page, contact.email, 'form[action="/signin/code"]');
    const { link, code } = printed(contact.email);
    await page.goto(link.slice(0, -6));
    await page.waitForSelector('text=Dieser Link scheint abgeschnitten zu sein');
    await expectNoSidewaysScroll(page, 'cut-link');
    await screenshot(page, `mail-dev-cut-link-${size}`);
    // In the browser that asked, the hint stands above the code field, and the printed code works.
    await page.fill('input[name=code]', code);
    await page.click('form[action="/signin/code"] button[type=submit]');
    await page.waitForURL(`${noSmtp.url}/`);
  });
});
