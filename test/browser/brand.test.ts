// The brand in a real browser (issue 17): an admin sets the portal name, a logo and an accent colour on
// /admin/settings/brand; /signin shows them (the logo loads from the portal itself, the button takes the
// colour); a company's own name, logo and colour greet its contact on the home page after sign-in. Each
// page is saved at desktop and phone width; client pages must not scroll sideways on a phone.
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { createCompany, createContact } from '../helpers/factories.js';
import { cleanSvg, pngImage } from '../helpers/images.js';
import {
  closeAll,
  expectNoSidewaysScroll,
  PHONE,
  screenshot,
  type ServedApp,
  signInByMail,
  signInStaff as signInStaffAs,
  startBrowserAndApp,
  type TestBrowser,
} from './browser.js';

let browser: TestBrowser;
let app: ServedApp;
const files = mkdtempSync(path.join(tmpdir(), 'portico-brand-'));

const newPage = (): Promise<Page> => browser.newPage();

async function signInStaff(page: Page) {
  await signInStaffAs(app, page);
  await page.waitForURL(`${app.url}/admin`);
}

async function signInClient(page: Page, email: string) {
  await signInByMail(app, page, email, { waitFor: 'input[name=code]' });
  await page.waitForURL(`${app.url}/`);
}

/** The page as a phone shows it: saved, and no sideways scrolling. */
async function checkOnPhone(url: string, name: string, storageFrom?: BrowserContext) {
  const page = await browser.newPage({ viewport: PHONE, storageState: storageFrom ? await storageFrom.storageState() : undefined });
  await page.goto(url);
  await screenshot(page, name);
  await expectNoSidewaysScroll(page, name);
  return page;
}

const logoLoaded = (page: Page) =>
  page.$eval('header img.brand-logo', (img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0);

beforeAll(async () => {
  ({ browser, app } = await startBrowserAndApp());
}, 120_000);

afterAll(() => closeAll(browser, app));

it('an admin sets name, logo and colour; /signin shows them', async () => {
  const admin = await newPage();
  await signInStaff(admin);
  await admin.goto(`${app.url}/admin/settings/brand`);
  const svgFile = path.join(files, 'northwind.svg');
  writeFileSync(svgFile, cleanSvg('Northwind', '#0b5fff'));
  await admin.fill('input[name=portalName]', 'Northwind Help');
  await admin.setInputFiles('input[name=logo]', svgFile);
  await admin.fill('input[name=accentColor]', '#0b5fff');
  await admin.fill('input[name=supportPhone]', '+49 30 1234567');
  await admin.fill('input[name=supportUrl]', 'https://help.northwind.example');
  await admin.click('form[action="/admin/settings/brand"] button[type=submit]');
  await admin.waitForSelector('text=Brand saved');
  await screenshot(admin, 'brand-settings-desktop');

  // A colour white text cannot be read on is refused with the reason.
  await admin.fill('input[name=accentColor]', '#ffee00');
  await admin.click('form[action="/admin/settings/brand"] button[type=submit]');
  await admin.waitForSelector('#accentColor-error');
  expect(await admin.textContent('#accentColor-error')).toContain('contrast');
  await screenshot(admin, 'brand-settings-refused-desktop');

  const visitor = await newPage();
  await visitor.goto(`${app.url}/signin`);
  expect(await visitor.title()).toContain('Northwind Help');
  expect(await visitor.textContent('header .brand')).toContain('Northwind Help');
  expect(await logoLoaded(visitor)).toBe(true);
  const logoUrl = new URL((await visitor.getAttribute('header img.brand-logo', 'src')) ?? '', app.url);
  expect(logoUrl.origin).toBe(app.url);
  const buttonColour = await visitor.$eval('form[action="/signin/email"] button.primary', (b) => getComputedStyle(b).backgroundColor);
  expect(buttonColour).toBe('rgb(11, 95, 255)');
  expect(await visitor.textContent('body')).not.toContain('Portico');
  await screenshot(visitor, 'brand-signin-desktop');
  await checkOnPhone(`${app.url}/signin`, 'brand-signin-phone');

  await admin.goto(`${app.url}/admin/settings/brand/previews`);
  await screenshot(admin, 'brand-mail-previews-desktop');
  await admin.goto(`${app.url}/admin/settings/sign-in`);
  await screenshot(admin, 'brand-signin-methods-desktop');
}, 120_000);

it('a company’s own brand greets its contact on the home page after sign-in', async () => {
  const company = await createCompany(app.services.db, { name: 'Fabrikam Ltd', domains: ['fabrikam.example'], portalName: 'Fabrikam Service Desk' });
  const contact = await createContact(app.services.db, { companyId: company.id, email: 'pat@fabrikam.example', firstName: 'Pat', lastName: 'Kowalski' });

  const admin = await newPage();
  await signInStaff(admin);
  await admin.goto(`${app.url}/admin/companies/${company.id}`);
  const pngFile = path.join(files, 'fabrikam.png');
  writeFileSync(pngFile, pngImage(96, 32, '#aa1100'));
  await admin.setInputFiles('#companyLogo', pngFile);
  await admin.fill('#companyAccentColor', '#aa1100');
  await admin.click(`form[action="/admin/companies/${company.id}/brand"] button[type=submit]`);
  await admin.waitForSelector("text=The company's brand is saved.");
  await screenshot(admin, 'brand-company-desktop');
  await admin.goto(`${app.url}/admin/preview?company=${company.id}`);
  await screenshot(admin, 'brand-preview-as-client-desktop');

  const page = await newPage();
  await signInClient(page, contact.email);
  await page.waitForSelector('text=Welcome, Pat Kowalski');
  expect(await page.title()).toContain('Fabrikam Service Desk');
  expect(await page.textContent('header .brand')).toContain('Fabrikam Service Desk');
  expect(await logoLoaded(page)).toBe(true);
  expect(await page.getAttribute('header img.brand-logo', 'src')).toMatch(/^\/brand\/logo\/[0-9a-f]{64}\.png$/);
  expect(await page.textContent('body')).not.toContain('Portico');
  await screenshot(page, 'brand-company-home-desktop');
  await checkOnPhone(`${app.url}/`, 'brand-company-home-phone', page.context());
}, 120_000);
