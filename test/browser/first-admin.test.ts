// A technician's first day, in a real browser at desktop and phone size: the first admin signs in with
// the link `admin:create` printed while `npm start` runs; a technician generates a magic link, copies it,
// reloads the page (which neither makes a new link nor kills the copied one) and the contact signs in
// with the copied link in a browser of their own.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { createCompany, createContact } from '../helpers/factories.js';
import { cli, freePort as freeProcessPort, startServer } from '../helpers/processes.js';
import { closeAll, expectNoSidewaysScroll, screenshot, type ServedApp, type Size, SIZES, staffPage, startBrowserAndApp, type TestBrowser } from './browser.js';

let browser: TestBrowser;
let app: ServedApp;
let companyId: number;

const newPage = (size: Size): Promise<Page> => browser.newPage({ viewport: SIZES[size] });
const technicianPage = (size: Size): Promise<Page> => staffPage(browser, app, { name: 'Tess Technician', role: 'technician' }, { viewport: SIZES[size] });

beforeAll(async () => {
  ({ browser, app } = await startBrowserAndApp());
  companyId = (await createCompany(app.services.db, { name: 'Contoso', domains: ['contoso.example'] })).id;
}, 60_000);

afterAll(() => closeAll(browser, app));

describe.each(Object.keys(SIZES) as Size[])('on a %s', (size) => {
  it('a reload of the magic-link page keeps the copied link working', async () => {
    const contact = await createContact(app.services.db, { companyId, email: `diego-${size}@contoso.example`, firstName: 'Diego', lastName: 'Siciliani' });
    const page = await technicianPage(size);
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.url });
    await page.goto(`${app.url}/admin/contacts/${contact.id}`);
    await page.click('.actions form[action$="/magic-link"] button[type=submit]');
    await page.waitForSelector('#magic-link');
    expect(new URL(page.url()).pathname).toBe(`/admin/contacts/${contact.id}/magic-link`);
    await page.click('button[data-copy="#magic-link"]');
    await page.waitForSelector('button:has-text("Copied")');
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toMatch(/\/signin\/magic\?token=/);
    await screenshot(page, `first-admin-magic-link-${size}`);

    await page.reload();
    await page.waitForSelector('text=was shown already');
    expect(await page.locator('#magic-link').count()).toBe(0);
    await screenshot(page, `first-admin-magic-link-reloaded-${size}`);
    const tokens = await app.services.db('login_tokens').where({ contact_id: contact.id, purpose: 'magic_link' });
    expect(tokens).toHaveLength(1);

    const contactPage = await newPage(size);
    await contactPage.goto(copied);
    await contactPage.click('form button[type=submit]');
    await contactPage.waitForSelector('text=Welcome, Diego Siciliani');
    await expectNoSidewaysScroll(contactPage, 'magic-link-used');
    await screenshot(contactPage, `first-admin-magic-link-used-${size}`);
  }, 60_000);
});

it('the first admin signs in with the link admin:create printed while the server runs', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'portico-first-admin-browser-'));
  const port = await freeProcessPort();
  const server = await startServer(dataDir, { PORT: String(port) }, port);
  try {
    const created = await cli(dataDir, {}, '--email', 'first@msp.example', '--name', 'First Admin');
    expect(created.code).toBe(0);
    const link = created.stdout.trim().split('\n').at(-1)!;
    expect(new URL(link).origin).toBe(`http://localhost:${port}`);
    for (const size of Object.keys(SIZES) as Size[]) {
      const page = await newPage(size);
      // Each size gets a fresh link: one link signs in once.
      const url = size === 'desktop' ? link : (await cli(dataDir, {}, '--email', 'first@msp.example')).stdout.trim().split('\n').at(-1)!;
      await page.goto(url);
      await screenshot(page, `first-admin-confirm-${size}`);
      await page.click('form button[type=submit]');
      await page.waitForSelector('text=Welcome, First Admin');
      await screenshot(page, `first-admin-console-${size}`);
    }
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 240_000);
