// `admin:create` against the real server process, as a newcomer runs them: `PORT=… npm start` in one
// terminal, `npm run portico -- admin:create …` in another, in the same folder, with and without
// repeating PORT. The printed link must open on that server and sign in to the console. On the embedded
// database the server holds the data, so the command hands the work to it; on PostgreSQL (DATABASE_URL
// set) the command writes to the database itself and takes the server's BASE_URL from DATA_DIR.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';
import supertest from 'supertest';
import { usingPostgres } from '../helpers/app.js';
import { answers, cli, freePort, startServer, type RunningServer } from '../helpers/processes.js';
import { formsTo, submit } from '../helpers/forms.js';

const SLOW = 180_000; // server and command processes start with tsx, several at once on a loaded machine

const linkFrom = (stdout: string) => new URL(stdout.trim().split('\n').at(-1)!);

/** Follows the printed link in a fresh browser-like client: confirm page, its form as rendered, console home. */
async function signInWith(link: URL): Promise<string> {
  const agent = supertest.agent(link.origin);
  const confirm = await agent.get(link.pathname + link.search);
  expect(confirm.status).toBe(200);
  const [form] = formsTo(confirm.text, link.pathname);
  const done = await submit(agent, form!);
  expect(done.status).toBe(303);
  expect(done.headers.location).toBe('/admin');
  const home = await agent.get('/admin');
  expect(home.status).toBe(200);
  return home.text;
}

describe('admin:create while `npm start` runs on the embedded database', () => {
  let dataDir: string;
  let port: number;
  let server: RunningServer;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'portico-first-admin-'));
    port = await freePort();
    server = await startServer(dataDir, { PORT: String(port) }, port);
  }, SLOW);
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }, SLOW);

  it('says at the first start how to make the first admin', () => {
    expect(server.output()).toContain('npm run portico -- admin:create --email');
  });

  it(
    'with the same PORT: the running server makes the admin and the link signs in to its console',
    async () => {
      const created = await cli(dataDir, { PORT: String(port) }, '--email', 'first@msp.example', '--name', 'First Admin');
      expect(created.stderr).not.toMatch(/in use by another Portico process/);
      expect(created.code).toBe(0);
      expect(created.stdout).toContain('Created admin First Admin <first@msp.example>.');
      const link = linkFrom(created.stdout);
      expect(link.origin).toBe(`http://localhost:${port}`);
      const home = await signInWith(link);
      expect(home).toContain('First Admin');
      expect(home).toContain('/admin/settings/mail-token'); // an admin's navigation
    },
    SLOW,
  );

  it(
    'without repeating PORT: the link still points at the running server',
    async () => {
      const again = await cli(dataDir, {}, '--email', 'first@msp.example');
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('first@msp.example is already an admin; here is a new sign-in link.');
      const link = linkFrom(again.stdout);
      expect(link.origin).toBe(`http://localhost:${port}`);
      expect(await signInWith(link)).toContain('First Admin');
    },
    SLOW,
  );

  it(
    'refuses bad input plainly (a missing name through the server), and the server keeps running',
    async () => {
      const bad = await cli(dataDir, {}, '--email', 'not-an-address');
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('--email');
      expect(bad.stderr).not.toMatch(/\n\s+at /);
      const nameless = await cli(dataDir, {}, '--email', 'second@msp.example');
      expect(nameless.code).toBe(2);
      expect(nameless.stderr).toContain('--name is required');
      expect(await answers(port)).toBe(true);
    },
    SLOW,
  );

  it('keeps the control socket to its owner', () => {
    const socket = path.join(dataDir, 'control', 'portico.sock');
    expect(statSync(socket).isSocket()).toBe(true);
    expect(statSync(socket).mode & 0o077).toBe(0);
    expect(statSync(path.dirname(socket)).mode & 0o077).toBe(0);
  });

  it(
    'with the server stopped: the link is made for the address it ran on, and works once it is back',
    async () => {
      await server.stop();
      const stopped = await cli(dataDir, {}, '--email', 'later@msp.example', '--name', 'Later Admin');
      expect(stopped.code).toBe(0);
      const link = linkFrom(stopped.stdout);
      expect(link.origin).toBe(`http://localhost:${port}`);
      server = await startServer(dataDir, { PORT: String(port) }, port);
      expect(await signInWith(link)).toContain('Later Admin');
    },
    SLOW,
  );
});

// PostgreSQL: a database of its own, so the server process and the command share it and nothing else.
(usingPostgres ? describe : describe.skip)('admin:create while `npm start` runs on PostgreSQL', () => {
  const admin = () => knexFactory({ client: 'pg', connection: process.env.DATABASE_URL, pool: { min: 0, max: 1 } });
  const database = `portico_first_admin_${process.pid}_${Date.now()}`;
  let databaseUrl: string;
  let dataDir: string;
  let port: number;
  let server: RunningServer | undefined;

  beforeAll(async () => {
    const db = admin();
    await db.raw(`create database ${database}`);
    await db.destroy();
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = `/${database}`;
    databaseUrl = url.toString();
    dataDir = mkdtempSync(path.join(tmpdir(), 'portico-first-admin-pg-'));
    port = await freePort();
    server = await startServer(dataDir, { PORT: String(port), DATABASE_URL: databaseUrl }, port);
  }, SLOW);
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    const db = admin();
    await db.raw(`drop database if exists ${database} with (force)`);
    await db.destroy();
  }, SLOW);

  it(
    'the command writes to the database itself; without repeating PORT its link opens on the running server',
    async () => {
      const created = await cli(dataDir, { DATABASE_URL: databaseUrl }, '--email', 'pg@msp.example', '--name', 'Pat Postgres');
      expect(created.code).toBe(0);
      expect(created.stdout).not.toContain('Done by the running server');
      const link = linkFrom(created.stdout);
      expect(link.origin).toBe(`http://localhost:${port}`);
      expect(await signInWith(link)).toContain('Pat Postgres');

      const samePort = await cli(dataDir, { DATABASE_URL: databaseUrl, PORT: String(port) }, '--email', 'pg@msp.example');
      expect(samePort.code).toBe(0);
      expect(linkFrom(samePort.stdout).origin).toBe(`http://localhost:${port}`);
      expect(await signInWith(linkFrom(samePort.stdout))).toContain('Pat Postgres');
    },
    SLOW,
  );
});
