// How the client pages look and read, in a real browser: every client page fits a 360 px phone without
// sideways scrolling (and is photographed there and at desktop size), the German terms are rendered
// Markdown with a working link, dates are shown in the browser's own time zone, and Tab shows where the
// keyboard is.
import type { ParsedMail } from 'mailparser';
import type { Page } from 'playwright-core';
import { createCompany, createContact } from '../helpers/factories.js';
import {
  closeAll,
  DESKTOP,
  PHONE,
  requestMail as requestMailIn,
  screenshot,
  screenshotBoth,
  type ServedApp,
  signInByMail,
  signInStaff,
  startBrowserAndApp,
  type TestBrowser,
} from './browser.js';

let browser: TestBrowser;
let app: ServedApp;
let companyId: number;

const newPage = (options: { locale?: string; timezoneId?: string } = {}): Promise<Page> =>
  browser.newPage({ viewport: PHONE, locale: options.locale ?? 'en-US', timezoneId: options.timezoneId ?? 'UTC' });

/** The page as it stands, on a phone (no sideways scrolling) and at desktop size: both photographed. */
const look = (page: Page, what: string): Promise<void> => screenshotBoth(page, `client-look-${what}`, { fits: true, endAt: 'phone' });

// The check-mail page in any language: its code form.
const CHECK_MAIL = 'form[action="/signin/code"]';
const requestMail = (page: Page, email: string): Promise<ParsedMail> => requestMailIn(app, page, email, CHECK_MAIL);

/** The sign-in link in a mail, in whichever language it was written. */
function linkFrom(mail: ParsedMail): URL {
  const link = /(https?:\/\/\S+\/signin\/verify\?\S+)/.exec(mail.text ?? '')?.[1];
  if (!link) throw new Error('no sign-in link in the mail');
  return new URL(link);
}

/** Opens the mail's link and confirms it. */
async function signInByLink(page: Page, email: string): Promise<void> {
  await signInByMail(app, page, email, { waitFor: CHECK_MAIL, link: linkFrom });
  await page.waitForLoadState('load');
}

beforeAll(async () => {
  ({ browser, app } = await startBrowserAndApp());
  companyId = (await createCompany(app.services.db, { name: 'Contoso Pharmaceuticals International', domains: ['contoso.example'] })).id;
}, 60_000);

afterAll(() => closeAll(browser, app));

it('fits every sign-in page on a phone: sign-in, check mail, confirm, create account, choose account, error', async () => {
  const page = await newPage();
  await page.goto(`${app.url}/signin`);
  await look(page, 'signin');

  const newcomer = 'maximilian.mustermann-schneider@contoso.example';
  const mail = await requestMail(page, newcomer);
  await look(page, 'check-mail');
  await page.goto(linkFrom(mail).toString());
  await page.waitForSelector('form[action="/signin/verify"]');
  await look(page, 'confirm');
  await page.click('form[action="/signin/verify"] button[type=submit]');
  await page.waitForSelector('form[action="/signin/create-account"]');
  // The phone field is styled like the others: as wide as the name fields, with their border.
  const [name, phone] = await Promise.all(
    ['#firstName', '#phone'].map((field) =>
      page.$eval(field, (element) => {
        const style = getComputedStyle(element);
        return { width: element.getBoundingClientRect().width, border: style.borderTopWidth, radius: style.borderTopLeftRadius, padding: style.paddingTop };
      }),
    ),
  );
  expect(phone).toEqual(name);
  await look(page, 'create-account');

  const shared = 'sam.roth@contoso.example';
  const other = await createCompany(app.services.db, { name: 'Fabrikam Industrial Holdings' });
  await createContact(app.services.db, { companyId, email: shared, firstName: 'Sam', lastName: 'Roth' });
  await createContact(app.services.db, { companyId: other.id, email: shared, firstName: 'Sam', lastName: 'Roth' });
  const chooser = await newPage();
  await signInByLink(chooser, shared);
  await chooser.waitForSelector('form[action="/signin/choose"]');
  await look(chooser, 'choose');

  await chooser.goto(`${app.url}/no-such-page`);
  await look(chooser, 'error-not-found');
});

it('shows the German terms as Markdown with a working link, then the profile, home and sessions, dates in the browser’s zone', async () => {
  await app.services.settings.set(
    'terms',
    {
      text: '# Terms\n\nPlease read the [privacy policy](https://msp.example/privacy).',
      version: '2026-12',
      translations: {
        de: '# Nutzungsbedingungen\n\n- Seien Sie **freundlich** zum Helpdesk.\n- Lesen Sie die [Datenschutzerklärung](https://msp.example/datenschutz).\n\n<script>alert(1)</script>',
      },
    },
    null,
  );
  try {
    const contact = await createContact(app.services.db, { companyId, email: 'jonas@contoso.example', firstName: 'Jonas', lastName: '' });
    // An earlier session from another device: the sessions page then has an End button.
    const other = await newPage({ locale: 'de-DE', timezoneId: 'Europe/Berlin' });
    await signInByLink(other, contact.email);

    const page = await newPage({ locale: 'de-DE', timezoneId: 'Europe/Berlin' });
    await signInByLink(page, contact.email);
    await page.waitForSelector('form[action="/welcome/terms"]');
    expect(await page.textContent('.terms h1')).toBe('Nutzungsbedingungen');
    expect(await page.textContent('.terms strong')).toBe('freundlich');
    const link = page.locator('.terms a', { hasText: 'Datenschutzerklärung' });
    expect(await link.getAttribute('href')).toBe('https://msp.example/datenschutz');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
    expect(await page.$('.terms script')).toBeNull();
    expect(await page.textContent('.terms')).toContain('<script>alert(1)</script>');
    await look(page, 'terms-de');
    // The link is a real link: clicking it goes there (the MSP's site is played by the test), and back.
    await page.context().route('https://msp.example/**', (route) => route.fulfill({ contentType: 'text/html', body: '<h1>Datenschutz</h1>' }));
    await link.click();
    await page.waitForURL('https://msp.example/datenschutz');
    await page.goBack();
    await page.waitForSelector('form[action="/welcome/terms"]');

    await page.check('input[name=accept]');
    await page.click('form[action="/welcome/terms"] button[type=submit]');
    await page.waitForSelector('form[action="/welcome/profile"]');
    await look(page, 'profile');
    await page.fill('input[name=lastName]', 'Keller');
    await page.click('form[action="/welcome/profile"] button[type=submit]');
    await page.waitForSelector('text=Willkommen, Jonas Keller');
    await look(page, 'home');

    await page.goto(`${app.url}/sessions`);
    // The first visit is written in UTC; the page's script shows it in the browser's zone at once and
    // tells the server, which writes the next pages in that zone.
    await page.waitForFunction(() => document.querySelector('time')?.textContent?.includes('MEZ'));
    await page.reload();
    expect(await page.getAttribute('body', 'data-time-zone')).toBe('Europe/Berlin');
    const { text, instant } = await page.$eval('time', (element) => ({ text: element.textContent!, instant: element.getAttribute('datetime')! }));
    const berlin = new Date(instant).toLocaleString('de-DE', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    expect(text).toMatch(/^\d\d\.\d\d\.\d{4}, \d\d:\d\d MEZ$/);
    expect(text).toContain(berlin);
    // The End button is fully on screen on a phone.
    const end = await page.locator('form[action$="/end"] button').boundingBox();
    expect(end!.x + end!.width).toBeLessThanOrEqual(PHONE.width);
    await look(page, 'sessions');
  } finally {
    await app.services.settings.set('terms', { text: '', version: '', translations: { de: '' } }, null);
  }
}, 60_000);

it('shows where the keyboard is: the skip link first, then a clear ring on every control', async () => {
  const page = await newPage();
  await page.setViewportSize(DESKTOP);
  // A page without an autofocus field: Tab starts at the top.
  await page.goto(`${app.url}/no-such-page`);
  await page.keyboard.press('Tab');
  expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
  expect(await page.evaluate(() => document.activeElement!.getBoundingClientRect().top)).toBeGreaterThanOrEqual(0);
  await screenshot(page, 'client-look-focus-skip-link-desktop');
  await page.keyboard.press('Enter');
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');

  // The sign-in page starts in the address field; Tab goes on to the buttons.
  await page.goto(`${app.url}/signin`);
  const rings: Record<string, string> = {};
  for (let i = 0; i < 4; i++) {
    if (i > 0) await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const element = document.activeElement!;
      const style = getComputedStyle(element);
      return {
        name: `${element.tagName.toLowerCase()}${element.className ? '.' + element.className : ''}`,
        ring: `${style.outlineStyle} ${style.outlineWidth} ${style.outlineOffset}`,
      };
    });
    rings[focused.name] = focused.ring;
    if (focused.name === 'button.primary') await screenshot(page, 'client-look-focus-button-desktop');
  }
  expect(Object.keys(rings)).toEqual(expect.arrayContaining(['input', 'button.primary']));
  for (const ring of Object.values(rings)) expect(ring).toBe('solid 3px 2px');
});

it('marks the current console page in one navigation for technicians and admins, with the skip link first', async () => {
  for (const role of ['technician', 'admin'] as const) {
    const page = await newPage({ timezoneId: 'America/New_York' });
    await page.setViewportSize(DESKTOP);
    await signInStaff(app, page, { name: `Sam ${role}`, role });
    await page.waitForURL(`${app.url}/admin`);
    await page.goto(`${app.url}/admin/contacts`);
    const current = page.locator('nav a[aria-current="page"]');
    expect(await current.textContent()).toBe('Contacts');
    expect(await current.evaluate((element) => getComputedStyle(element).fontWeight)).toBe('700');
    expect(await page.locator('nav a').allTextContents()).toEqual(
      role === 'admin'
        ? [
            'Dashboard',
            'Companies',
            'Contacts',
            'PSA',
            'Outbox',
            'Audit',
            'Preview as client',
            'Mail Token',
            'Sign-in',
            'Portal',
            'Brand',
            'Sign-in methods',
            'Login URLs',
            'Staff',
            'API keys',
          ]
        : ['Dashboard', 'Companies', 'Contacts', 'PSA', 'Outbox', 'Audit', 'Preview as client'],
    );
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Dashboard');
    await screenshot(page, `client-look-console-nav-${role}-desktop`);
    await page.setViewportSize(PHONE);
    await screenshot(page, `client-look-console-nav-${role}-phone`);
    // The console's dates follow the browser's zone too (New York here).
    await page.goto(`${app.url}/admin`);
    await page.reload();
    expect(await page.getAttribute('body', 'data-time-zone')).toBe('America/New_York');
  }
}, 60_000);
