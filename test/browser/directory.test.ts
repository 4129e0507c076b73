// The directory in a real browser, as a technician: a company name that differs only in case is
// refused with the existing company named; a CSV import previews per row what it will do and which
// company it matched; the contacts list shows "not invited yet" and exports as CSV. Screenshots at
// desktop (1280x800) and phone (360x740) size.
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { createCompany, createContact } from '../helpers/factories.js';
import { closeAll, createCompanyInConsole, screenshotBoth, type ServedApp, staffPage, startBrowserAndApp, type TestBrowser } from './browser.js';

let browser: TestBrowser;
let app: ServedApp;

beforeAll(async () => {
  ({ browser, app } = await startBrowserAndApp());
}, 60_000);

afterAll(() => closeAll(browser, app));

const technicianPage = (): Promise<Page> => staffPage(browser, app, { name: 'Tom Tech', role: 'technician' }, { acceptDownloads: true });

/** The page as it is now, at desktop and at phone size. */
const both = (page: Page, name: string) => screenshotBoth(page, `directory-${name}`);

it('creates a company, and a name that differs only in case is refused naming the existing one', async () => {
  const page = await technicianPage();
  await createCompanyInConsole(app, page, 'Blue Yonder Airlines');

  await page.goto(`${app.url}/admin/companies/new`);
  await page.fill('input[name=name]', 'BLUE YONDER airlines');
  await page.click('form[action="/admin/companies"] button[type=submit]');
  const error = await page.waitForSelector('#name-error');
  expect(await error.textContent()).toContain('A company named "Blue Yonder Airlines" already exists');
  expect(await page.inputValue('input[name=name]')).toBe('BLUE YONDER airlines');
  await both(page, 'company-case');
  expect(await app.services.db('companies').whereRaw("lower(name) = 'blue yonder airlines'")).toHaveLength(1);
});

it('imports a CSV and shows per row whether it creates or updates and which company it matched', async () => {
  const company = await createCompany(app.services.db, { name: 'Trey Research', domains: ['treyresearch.example'] });
  await createContact(app.services.db, { companyId: company.id, email: 'eva@treyresearch.example', firstName: 'Eva', lastName: 'Old' });
  const page = await technicianPage();
  await page.goto(`${app.url}/admin/contacts/import`);
  const csv = [
    'email,first_name,last_name,company',
    'eva@treyresearch.example,Eva,Nüssli,TREY RESEARCH',
    'jonas@treyresearch.example,Jonas,Brandt,',
    'nobody@nowhere.example,No,Body,',
  ].join('\n');
  await page.setInputFiles('input[name=file]', { name: 'contacts.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.click('form[action="/admin/contacts/import"] button[type=submit]');
  await page.waitForSelector('text=2 rows to import, 1 with errors');
  expect(await page.textContent('tr[data-line="2"]')).toMatch(/update[\s\S]*Trey Research \(matched by name\)/);
  expect(await page.textContent('tr[data-line="3"]')).toMatch(/create[\s\S]*Trey Research \(matched by email domain\)/);
  expect(await page.textContent('tr[data-line="4"]')).toContain('No company given');
  await both(page, 'import-preview');

  await page.click('form[action="/admin/contacts/import/apply"] button[type=submit]');
  await page.waitForSelector('text=Import done: 1 created, 1 updated');
  expect(await page.textContent('tr:has-text("jonas@treyresearch.example")')).toContain('not invited yet');
  await both(page, 'contacts-list');
});

it('exports the filtered contacts list as CSV', async () => {
  const page = await technicianPage();
  await page.goto(`${app.url}/admin/contacts?q=treyresearch`);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('text=Export CSV')]);
  const file = readFileSync((await download.path())!);
  expect([...file.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const lines = file.toString('utf8').slice(1).trim().split('\r\n');
  expect(lines[0]).toBe('email,first_name,last_name,company,phone');
  expect(lines.slice(1).sort()).toEqual(['eva@treyresearch.example,Eva,Nüssli,Trey Research,', 'jonas@treyresearch.example,Jonas,Brandt,Trey Research,']);
  expect(download.suggestedFilename()).toMatch(/^contacts-\d{4}-\d\d-\d\d\.csv$/);
});
