// Messages that fit, in a real browser (issue 16, items 12 and 13): a session ended from another device
// lands on /signin with the reason; the sign-in form sent again quickly makes one mail and counts down;
// a used magic link offers the form below its message; a signed-in client on /signin and on a 404 page
// sees Sign out; a stale form says what to do and keeps the address. Each page at desktop and phone size (360 px, no sideways scrolling).
import type { Page } from 'playwright-core';
import { createCompany, createContact } from '../helpers/factories.js';
import { closeAll, screenshotBoth, type ServedApp, startBrowserAndApp, type TestBrowser } from './browser.js';

let browser: TestBrowser;
let app: ServedApp;
let companyId: number;

const newPage = (): Promise<Page> => browser.newPage();

/** The page as it is, at desktop size and at phone size, where it must fit 360 px without sideways scrolling. */
const shoot = (page: Page, what: string) => screenshotBoth(page, `client-msg-${what}`, { fits: true });

let n = 0;
const newContact = () => createContact(app.services.db, { companyId, email: `client${++n}@fabrikam.example`, firstName: 'Pradeep', lastName: `Gupta${n}` });

/** Signs the page's browser in by a magic link made for the contact, pressing Sign in on the confirm page. */
async function signInByLink(page: Page, contactId: number): Promise<string> {
  const { link } = await app.services.magicLinks.generateForContact(contactId, null);
  await page.goto(link);
  await page.click('form[action="/signin/magic"] button[type=submit]');
  await page.waitForURL(`${app.url}/`);
  return link;
}

beforeAll(async () => {
  ({ browser, app } = await startBrowserAndApp());
  companyId = (await createCompany(app.services.db, { name: 'Fabrikam', domains: ['fabrikam.example'] })).id;
}, 60_000);

afterAll(() => closeAll(browser, app));

it('ending the other sessions on one device lands the other on /signin with the reason', async () => {
  const contact = await newContact();
  const laptop = await newPage();
  const phone = await newPage();
  await signInByLink(laptop, contact.id);
  await signInByLink(phone, contact.id);

  await laptop.goto(`${app.url}/sessions`);
  await laptop.click('form[action="/sessions/end-others"] button[type=submit]');
  await laptop.waitForURL(`${app.url}/sessions`);

  await phone.reload();
  expect(new URL(phone.url()).pathname).toBe('/signin');
  await phone.waitForSelector('text=You were signed out because this session was ended from another device.');
  expect(await phone.locator('form[action="/signin/email"] input[name=email]').count()).toBe(1);
  await shoot(phone, 'ended-elsewhere');
});

it('the sign-in form sent again right away makes one mail and shows the countdown', async () => {
  const contact = await newContact();
  const page = await newPage();
  await page.goto(`${app.url}/signin`);
  await page.fill('input[name=email]', contact.email);
  await page.click('form[action="/signin/email"] button[type=submit]');
  await page.waitForSelector('text=Check your mail');
  // Back to the form, and send it again.
  await page.goBack();
  await page.fill('input[name=email]', contact.email);
  await page.click('form[action="/signin/email"] button[type=submit]');
  await page.waitForSelector('text=You asked for a mail to this address from this browser a moment ago');
  const button = page.locator('form[action="/signin/resend"] button');
  expect(await button.isDisabled()).toBe(true);
  expect(Number(await page.locator('[data-countdown-value]').textContent())).toBeGreaterThan(0);
  await app.settle();
  expect(Number((await app.services.db('outbox').where({ to_address: contact.email }).count({ n: '*' }))[0]!.n)).toBe(1);
  await shoot(page, 'sent-again');
});

it('a used magic link shows the message with the email form right below it', async () => {
  const contact = await newContact();
  const first = await newPage();
  const link = await signInByLink(first, contact.id);

  const other = await newPage();
  await other.goto(link);
  await other.waitForSelector('text=That link or code has already been used. Request a new one below.');
  expect(new URL(other.url()).pathname).toBe('/signin');
  expect(await other.inputValue('form[action="/signin/email"] input[name=email]')).toBe('');
  await shoot(other, 'used-link');

  await other.fill('input[name=email]', contact.email);
  await other.click('form[action="/signin/email"] button[type=submit]');
  await other.waitForSelector('text=Check your mail');
});

it('a signed-in client sees Sign out on /signin and on a 404 page', async () => {
  const contact = await newContact();
  const page = await newPage();
  await signInByLink(page, contact.id);

  await page.goto(`${app.url}/signin`);
  await page.waitForSelector(`text=You are signed in as ${contact.email}.`);
  expect(await page.locator('form[action="/signin/email"]').count()).toBe(0);
  await shoot(page, 'signed-in-signin');

  await page.goto(`${app.url}/no-such-page`);
  await page.waitForSelector('text=Back to your portal');
  expect(await page.locator('header form[action="/signout"] button').count()).toBe(1);
  await shoot(page, 'signed-in-404');

  await page.click('header form[action="/signout"] button');
  await page.waitForSelector('text=You have signed out.');
});

it('a stale sign-in form says what to do, and the way back keeps the address typed', async () => {
  const page = await newPage();
  await page.goto(`${app.url}/signin`);
  // The browser forgot the cookie behind the form's token (restarted, or cleared its cookies).
  await page.context().clearCookies();
  await page.fill('input[name=email]', 'kept@fabrikam.example');
  await page.click('form[action="/signin/email"] button[type=submit]');
  await page.waitForSelector('text=This form had expired');
  await shoot(page, 'stale-form');
  await page.click('text=Open the form again (what you typed is kept)');
  expect(await page.inputValue('form[action="/signin/email"] input[name=email]')).toBe('kept@fabrikam.example');
  await page.click('form[action="/signin/email"] button[type=submit]');
  await page.waitForSelector('text=Check your mail');
});
