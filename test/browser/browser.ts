// Headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) against the real app served
// on loopback. Every page a test looks at can be saved under test-results/ for a reviewer.
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestApp, type TestApp, type TestAppOptions } from '../helpers/app.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const RESULTS = path.resolve('test-results');

export async function launch(): Promise<Browser> {
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

/** The app listening on a loopback port, with BASE_URL set to that address. */
export async function serveApp(options: TestAppOptions = {}, port?: number): Promise<TestApp & { url: string; server: Server }> {
  port ??= await freePort();
  const url = `http://127.0.0.1:${port}`;
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
