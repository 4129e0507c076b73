// Headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) against the real app served
// on loopback. Every page a test looks at can be saved under test-results/ for a reviewer.
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import type { ParsedMail } from 'mailparser';
import type { StaffRole } from '../../src/staff/service.js';
import { startTestApp, type TestApp, type TestAppOptions } from '../helpers/app.js';
import { linkFrom } from '../helpers/http.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const RESULTS = path.resolve('test-results');

async function launch(): Promise<Browser> {
  try {
    return await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  } catch (error) {
    throw new Error(`Chromium could not start from ${CHROMIUM} (install it with: apt-get install -y chromium): ${(error as Error).message}`, { cause: error });
  }
}

export function freePort(): Promise<number> {
  return new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

export type ServedApp = TestApp & { url: string; server: Server };

/** The app listening on a loopback port, with BASE_URL set to that address (or to the BASE_URL given, e.g.
 * http://localhost:PORT for WebAuthn; `url` is then that address too, so pages and links share cookies). */
export async function serveApp(options: TestAppOptions = {}, port?: number): Promise<ServedApp> {
  port ??= await freePort();
  const url = options.env?.BASE_URL ?? `http://127.0.0.1:${port}`;
  const t = await startTestApp({ ...options, env: { BASE_URL: url, SIGNIN_RATE_LIMIT_PER_IP: '10000/15m', ...options.env } });
  const server = await new Promise<Server>((resolve) => {
    const s = t.app.listen(port, '127.0.0.1', () => resolve(s));
  });
  const closeApp = t.close;
  return Object.assign(t, {
    url,
    server,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await closeApp();
    },
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(RESULTS, { recursive: true });
  await page.screenshot({ path: path.join(RESULTS, `${name}.png`), fullPage: true });
}

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 360, height: 740 };
export const SIZES = { desktop: DESKTOP, phone: PHONE } as const;
export type Size = keyof typeof SIZES;

/** Chromium for one test file. Every page gets a context of its own (its own cookies: another person or
 * device), at desktop size unless told otherwise; close() ends them all, then the browser. */
export class TestBrowser {
  private readonly contexts: BrowserContext[] = [];

  private constructor(readonly browser: Browser) {}

  static async launch(): Promise<TestBrowser> {
    return new TestBrowser(await launch());
  }

  async newContext(options: BrowserContextOptions = {}): Promise<BrowserContext> {
    const context = await this.browser.newContext({ viewport: DESKTOP, ...options });
    this.contexts.push(context);
    return context;
  }

  async newPage(options: BrowserContextOptions = {}): Promise<Page> {
    return (await this.newContext(options)).newPage();
  }

  async close(): Promise<void> {
    for (const context of this.contexts) await context.close();
    await this.browser.close();
  }
}

/** No sideways scrolling: the page is no wider than the viewport it is shown in (360 px on a phone). The page is
 * named in the failure, so a report says which page overflowed. */
export async function expectNoSidewaysScroll(page: Page, what: string): Promise<void> {
  const { width, scrollWidth } = await page.evaluate(() => ({ width: window.innerWidth, scrollWidth: document.documentElement.scrollWidth }));
  expect({ page: what, scrollWidth }).toEqual({ page: what, scrollWidth: Math.min(scrollWidth, width) });
}

/** The page as it stands, saved as `<name>-desktop` and `<name>-phone`. A client page (`fits`) must fit the phone
 * without sideways scrolling. The page is left at `endAt` size, the one the test goes on with. */
export async function screenshotBoth(page: Page, name: string, options: { fits?: boolean; endAt?: Size } = {}): Promise<void> {
  await page.setViewportSize(DESKTOP);
  await screenshot(page, `${name}-desktop`);
  await page.setViewportSize(PHONE);
  if (options.fits) await expectNoSidewaysScroll(page, name);
  await screenshot(page, `${name}-phone`);
  await page.setViewportSize(SIZES[options.endAt ?? 'desktop']);
}

/** Chromium and the app (serveApp's options) for one test file: what its beforeAll starts. */
export async function startBrowserAndApp(options: TestAppOptions = {}, port?: number): Promise<{ browser: TestBrowser; app: ServedApp }> {
  return { browser: await TestBrowser.launch(), app: await serveApp(options, port) };
}

/** For afterAll: closes each in order, skipping what never started (when beforeAll failed half-way). */
export async function closeAll(...started: Array<{ close(): Promise<void> } | undefined>): Promise<void> {
  for (const thing of started) await thing?.close();
}

let staffCount = 0;

/** Signs a new staff member into the console on `page`: a magic link from the service, then Sign in on its
 * confirm page, until the dashboard welcomes them by name. The default email is new on every call. */
export async function signInStaff(
  app: ServedApp,
  page: Page,
  staff: { name?: string; role?: StaffRole; email?: string } = {},
): Promise<{ email: string; name: string }> {
  const name = staff.name ?? 'Ada Admin';
  const email = staff.email ?? `${name.toLowerCase().replace(/\W+/g, '-')}-${++staffCount}-${Date.now()}@msp.example`;
  const member = await app.services.staff.create({ email, name, role: staff.role ?? 'admin' });
  const { link } = await app.services.magicLinks.generateForStaff(member.id);
  await page.goto(link);
  await page.click('main form button[type=submit]');
  await page.waitForSelector(`text=Welcome, ${name}`);
  return { email, name };
}

/** A console page in a new context (desktop unless `context` says otherwise), signed in as a new staff member. */
export async function staffPage(
  browser: TestBrowser,
  app: ServedApp,
  staff: Parameters<typeof signInStaff>[2] = {},
  context: BrowserContextOptions = {},
): Promise<Page> {
  const page = await browser.newPage(context);
  await signInStaff(app, page, staff);
  return page;
}

/** Creates a company on the console's New company form, as a technician types it, until it says it is created. */
export async function createCompanyInConsole(app: ServedApp, page: Page, name: string): Promise<void> {
  await page.goto(`${app.url}/admin/companies/new`);
  await page.fill('input[name=name]', name);
  await page.click('form[action="/admin/companies"] button[type=submit]');
  await page.waitForSelector(`text=${name} created`);
}

/** Asks on /signin for a sign-in mail to `email` and waits until the page says it is on its way (`waitFor`: the
 * English text by default; a selector for other languages), and the outbox has handed it over. */
export async function askForMail(app: ServedApp, page: Page, email: string, waitFor = 'text=Check your mail'): Promise<void> {
  await page.goto(`${app.url}/signin`);
  await page.fill('input[name=email]', email);
  await page.click('form[action="/signin/email"] button[type=submit]');
  await page.waitForSelector(waitFor);
  await app.settle();
}

/** askForMail, then the mail itself as the SMTP receiver got it. */
export async function requestMail(app: ServedApp, page: Page, email: string, waitFor?: string): Promise<ParsedMail> {
  const before = app.smtp.messages.length;
  await askForMail(app, page, email, waitFor);
  return app.smtp.waitForMail(email, { after: before });
}

/** The whole email-token sign-in: the mail, its link followed, Sign in pressed on the confirm page. */
export async function signInByMail(
  app: ServedApp,
  page: Page,
  email: string,
  options: { waitFor?: string; link?: (mail: ParsedMail) => URL } = {},
): Promise<void> {
  const mail = await requestMail(app, page, email, options.waitFor);
  await page.goto((options.link ?? linkFrom)(mail).toString());
  await page.click('form[action="/signin/verify"] button[type=submit]');
}
