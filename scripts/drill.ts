// npm run drill: fault drills against real services the drill starts itself on free loopback ports
// (its own PostgreSQL through initdb/pg_ctl, its own redis-server, an SMTP receiver and a
// ConnectWise-compatible PSA in this process), never touching the machine's shared ones:
//   1. Redis restarted mid-run: signed-in sessions come back; sign-ins during the outage get a clear
//      page, not a hang.
//   2. PostgreSQL restarted: the pool recovers.
//   3. SMTP down for a while (DRILL_SMTP_DOWN_S, default 60): mail waits in the outbox and goes out
//      after, none lost, none sent twice.
//   4. The PSA timing out: known contacts still sign in.
//   5. An HTTP process killed: the supervisor starts another; the portal and its sessions go on.
//   6. SIGTERM with a request and a sign-in mail in flight: the request is answered, the mail goes
//      out, and the service exits 0.
// DRILL_LOG_LEVEL (default error) is the app's LOG_LEVEL. The app runs as production does: NODE_ENV=production, WEB_CONCURRENCY=2 (a supervisor that sends
// the mail, and two HTTP processes). Every step is bounded in time and prints what it saw; the exit
// code is non-zero if a drill failed.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';
import { SMTPServer } from 'smtp-server';
import { startFakeConnectWise } from '../test/fakes/connectwise.js';
import { httpProcessesOf } from './processes.js';

const SMTP_DOWN_S = Number(process.env.DRILL_SMTP_DOWN_S ?? 60);
const PG_BIN = (() => {
  const found = spawnSync('sh', ['-c', 'ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1'], { encoding: 'utf8' }).stdout.trim();
  return found || '';
})();
const asRoot = process.getuid?.() === 0;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (text: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${text}\n`);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Runs a PostgreSQL tool; as root it runs as the postgres user, as initdb and pg_ctl require. */
function pg(tool: string, args: string[]) {
  const command = path.join(PG_BIN, tool);
  const result = asRoot
    ? spawnSync('runuser', ['-u', 'postgres', '--', command, ...args], { encoding: 'utf8' })
    : spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${tool} failed: ${result.stderr || result.stdout}`);
}

async function until<T>(what: string, seconds: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch {
      /* keep trying */
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${seconds} s`);
    await sleep(250);
  }
}

/** A browser enough for the drill: a cookie jar, forms, no automatic redirects, a time limit. */
class Browser {
  private cookies = new Map<string, string>();
  constructor(private readonly base: string) {}
  async request(pathname: string, form?: Record<string, string>, timeoutMs = 10_000) {
    const response = await fetch(new URL(pathname, this.base), {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body: form ? new URLSearchParams(form) : undefined,
      signal: AbortSignal.timeout(timeoutMs),
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const [name, ...value] = pair!.split('=');
      this.cookies.set(name!, value.join('='));
    }
    return { status: response.status, location: response.headers.get('location'), text: await response.text() };
  }
  async csrf(pathname: string) {
    const page = await this.request(pathname);
    return /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
  }
}

async function main() {
  if (!PG_BIN) throw new Error('PostgreSQL server binaries (initdb, pg_ctl) not found under /usr/lib/postgresql');
  const dir = mkdtempSync(path.join(tmpdir(), 'portico-drill-'));
  chmodSync(dir, 0o755);
  const children: ChildProcess[] = [];
  const results: Array<[string, boolean, string]> = [];
  const pgData = path.join(dir, 'pg');
  const redisDir = path.join(dir, 'redis');
  mkdirSync(pgData);
  mkdirSync(redisDir);
  if (asRoot) {
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout);
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout);
    chownSync(pgData, uid, gid);
  }
  const [pgPort, redisPort, smtpPort, appPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const base = `http://127.0.0.1:${appPort}`;
  let smtp: SMTPServer | undefined;
  const received: string[] = [];
  const cw = await startFakeConnectWise({ companyId: 'drill', publicKey: 'pub', privateKey: 'priv', clientId: 'drill-client' });

  const startPg = () =>
    pg('pg_ctl', [
      '-D',
      pgData,
      '-o',
      `-p ${pgPort} -c listen_addresses=127.0.0.1 -k ${pgData}`,
      '-l',
      path.join(pgData, 'server.log'),
      '-w',
      '-t',
      '30',
      'start',
    ]);
  let redis: ChildProcess | undefined;
  const startRedis = () => {
    redis = spawn(
      'redis-server',
      ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', redisDir],
      { stdio: 'ignore' },
    );
    children.push(redis);
  };
  const stopRedis = async () => {
    const r = redis!;
    r.kill('SIGTERM');
    await new Promise((resolve) => (r.exitCode !== null ? resolve(null) : r.once('exit', resolve)));
  };
  const startSmtp = () =>
    new Promise<void>((resolve) => {
      smtp = new SMTPServer({
        authOptional: true,
        disabledCommands: ['STARTTLS'],
        logger: false,
        onRcptTo(address, _s, callback) {
          received.push(address.address);
          callback();
        },
        onData(stream, _s, callback) {
          stream.resume();
          stream.on('end', () => callback());
        },
      });
      smtp.listen(smtpPort, '127.0.0.1', () => resolve());
    });
  const stopSmtp = () => new Promise<void>((resolve) => smtp!.close(() => resolve()));

  let app: ChildProcess | undefined;
  try {
    log(`starting PostgreSQL on ${pgPort}, Redis on ${redisPort}, SMTP on ${smtpPort}`);
    pg('initdb', ['-D', pgData, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
    startPg();
    startRedis();
    await startSmtp();
    app = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: {
        ...process.env,
        NODE_ENV: 'production',
        PORT: String(appPort),
        BASE_URL: base,
        DATABASE_URL: `postgres://postgres@127.0.0.1:${pgPort}/postgres`,
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
        SESSION_SECRET: 'drill-secret-drill-secret-drill-secret-1',
        PSA_PROVIDER: 'connectwise',
        CONNECTWISE_URL: cw.url,
        CONNECTWISE_COMPANY_ID: 'drill',
        CONNECTWISE_PUBLIC_KEY: 'pub',
        CONNECTWISE_PRIVATE_KEY: 'priv',
        CONNECTWISE_CLIENT_ID: 'drill-client',
        LOG_LEVEL: process.env.DRILL_LOG_LEVEL ?? 'error',
        WEB_CONCURRENCY: '2',
        SIGNIN_RATE_LIMIT_PER_ADDRESS: '1000/1m',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    children.push(app);
    await until('the app answering /readyz', 60, async () => ((await fetch(`${base}/readyz`)).ok ? true : undefined));

    const db = knexFactory({ client: 'pg', connection: `postgres://postgres@127.0.0.1:${pgPort}/postgres`, pool: { min: 0, max: 2 } });
    const [company] = await db('companies').insert({ name: 'Drill Ltd' }).returning('id');
    await db('contacts').insert(
      Array.from({ length: 9 }, (_, i) => ({
        company_id: company.id,
        email: `person${i}@drill.example`,
        first_name: 'Drill',
        last_name: String(i),
        status: 'active',
      })),
    );
    await db.destroy();

    // The SMTP receiver here only counts recipients (the drill needs no mail bodies), so people sign in
    // through a login URL for programs (JWT), which the drill can sign itself.
    const { SignJWT } = await import('jose');
    const admin = knexFactory({ client: 'pg', connection: `postgres://postgres@127.0.0.1:${pgPort}/postgres`, pool: { min: 0, max: 1 } });
    const { encrypt, deriveKey } = await import('../src/lib/crypto.js');
    const jwtSecret = 'drill-jwt-secret-drill-jwt-secret-0123';
    await admin('settings')
      .insert({
        key: 'jwt_login',
        value: JSON.stringify({ enabled: true, sealedSecret: encrypt(deriveKey('drill-secret-drill-secret-drill-secret-1', 'jwt-login'), jwtSecret) }),
      })
      .onConflict('key')
      .merge();
    await admin.destroy();
    await sleep(2_100); // the app caches settings for 2 s
    const signedIn = async (email: string) => {
      const browser = new Browser(base);
      const now = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({ email })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuedAt(now)
        .setExpirationTime(now + 120)
        .setJti(`${email}-${Math.random()}`)
        .sign(new TextEncoder().encode(jwtSecret));
      const res = await browser.request(`/auth/jwt?token=${token}`);
      if (res.location !== '/') throw new Error(`sign-in of ${email} went to ${res.location}`);
      return browser;
    };

    // 1. Redis restarted mid-run.
    {
      const name = 'Redis restarted mid-run';
      try {
        const alex = await signedIn('person0@drill.example');
        const before = await alex.request('/');
        log(`${name}: signed in, home answers ${before.status}`);
        const stranger = new Browser(base);
        const strangerCsrf = await stranger.csrf('/signin');
        await stopRedis();
        log(`${name}: Redis stopped`);
        const started = Date.now();
        // Someone who opened the sign-in page before the outage submits it during the outage.
        const during = await stranger
          .request('/signin/email', { _csrf: strangerCsrf, email: 'person0@drill.example' }, 15_000)
          .catch((e: Error) => ({ status: 0, text: e.message, location: null }));
        const took = Date.now() - started;
        log(
          `${name}: a sign-in page during the outage answered ${during.status} in ${took} ms: "${/<p>([^<]*)<\/p>/.exec(during.text)?.[1] ?? during.text.slice(0, 80)}"`,
        );
        startRedis();
        await until('Redis back', 20, async () => ((await fetch(`${base}/readyz`)).ok ? true : undefined));
        const after = await alex.request('/');
        log(`${name}: Redis back; the session from before answers ${after.status}`);
        const ok = before.status === 200 && during.status === 503 && took < 10_000 && after.status === 200;
        results.push([name, ok, `before ${before.status}, during ${during.status} in ${took} ms, after ${after.status}`]);
      } catch (error) {
        results.push([name, false, (error as Error).message]);
      }
    }

    // 2. PostgreSQL restarted.
    {
      const name = 'PostgreSQL restarted';
      try {
        const lee = await signedIn('person1@drill.example');
        pg('pg_ctl', ['-D', pgData, '-m', 'fast', '-w', '-t', '30', 'stop']);
        const during = await lee.request('/', undefined, 15_000).catch((e: Error) => ({ status: 0, text: e.message, location: null }));
        log(`${name}: stopped; home answers ${during.status} while it is down`);
        startPg();
        const started = Date.now();
        const after = await until('home answering 200 again', 30, async () => ((await lee.request('/')).status === 200 ? true : undefined));
        log(`${name}: started again; the pool recovered in ${Date.now() - started} ms`);
        results.push([name, during.status === 503 && after === true, `during ${during.status}, recovered in ${Date.now() - started} ms`]);
      } catch (error) {
        results.push([name, false, (error as Error).message]);
      }
    }

    // 3. SMTP down.
    {
      const name = `SMTP down for ${SMTP_DOWN_S} s`;
      try {
        await stopSmtp();
        const addresses = ['person2', 'person3', 'person4', 'person5'].map((p) => `${p}@drill.example`);
        const before = received.length;
        for (const email of addresses) {
          const browser = new Browser(base);
          await browser.request('/signin/email', { _csrf: await browser.csrf('/signin'), email });
        }
        log(`${name}: SMTP stopped; ${addresses.length} sign-in mails requested`);
        await sleep(SMTP_DOWN_S * 1000);
        await startSmtp();
        log(`${name}: SMTP back`);
        await until('all the mails', 180, async () => (addresses.every((a) => received.slice(before).includes(a)) ? true : undefined));
        await sleep(3_000); // anything sent twice would arrive by now
        const counts = addresses.map((a) => received.slice(before).filter((r) => r === a).length);
        log(`${name}: received per address: ${counts.join(', ')}`);
        results.push([name, counts.every((c) => c === 1), `mails per address ${counts.join(', ')}`]);
      } catch (error) {
        results.push([name, false, (error as Error).message]);
      }
    }

    // 4. The PSA timing out.
    {
      const name = 'PSA timing out';
      try {
        cw.failNext({ delayMs: 8_000, times: 20 });
        const started = Date.now();
        const stranger = new Browser(base);
        const unknown = await stranger.request('/signin/email', { _csrf: await stranger.csrf('/signin'), email: 'someone@unknown.example' });
        const neutralMs = Date.now() - started;
        const before = received.length;
        const known = new Browser(base);
        await known.request('/signin/email', { _csrf: await known.csrf('/signin'), email: 'person6@drill.example' });
        await until('the mail to a known contact', 30, async () => (received.slice(before).includes('person6@drill.example') ? true : undefined));
        const home = await (await signedIn('person7@drill.example')).request('/');
        log(`${name}: unknown address answered ${unknown.status} in ${neutralMs} ms; a known contact got its mail and signs in (${home.status})`);
        cw.clearFailures();
        results.push([
          name,
          unknown.status === 200 && neutralMs < 10_000 && home.status === 200,
          `neutral answer in ${neutralMs} ms, known contact ${home.status}`,
        ]);
      } catch (error) {
        results.push([name, false, (error as Error).message]);
      }
    }

    // 5. An HTTP process killed.
    {
      const name = 'HTTP process killed';
      try {
        const sam = await signedIn('person8@drill.example');
        const before = httpProcessesOf(app.pid!);
        if (before.length !== 2) throw new Error(`expected 2 HTTP processes, found ${before.length}`);
        process.kill(before[0]!, 'SIGKILL');
        log(`${name}: killed HTTP process ${before[0]}`);
        // The other one answers meanwhile; a page that fails now and then is what this drill would catch.
        const statuses: number[] = [];
        const replaced = await until('a new HTTP process', 15, async () => {
          statuses.push((await sam.request('/')).status);
          const now = httpProcessesOf(app!.pid!);
          return now.length === 2 && !now.includes(before[0]!) ? now : undefined;
        });
        for (let i = 0; i < 10; i++) statuses.push((await sam.request('/')).status);
        log(`${name}: replaced by ${replaced.find((p) => !before.includes(p))}; ${statuses.length} pages meanwhile: ${[...new Set(statuses)].join(', ')}`);
        results.push([
          name,
          statuses.every((s) => s === 200),
          `replaced; ${statuses.filter((s) => s === 200).length} of ${statuses.length} pages answered 200`,
        ]);
      } catch (error) {
        results.push([name, false, (error as Error).message]);
      }
    }

    // 6. Graceful shutdown, with a request still arriving and a sign-in mail still being made.
    {
      const name = 'SIGTERM with work in flight';
      try {
        const browser = new Browser(base);
        const csrf = await browser.csrf('/signin');
        const cookieHeader = (browser as unknown as { cookies: Map<string, string> }).cookies;
        const before = received.length;
        // A sign-in mail that is still being made when the signal comes: its address is a PSA contact
        // Portico does not have yet, and the PSA takes 1.5 s to answer.
        const late = 'late@psa-drill.example';
        cw.companies.push({ id: 901, identifier: 'PsaDrill', name: 'PSA Drill Ltd' });
        cw.contacts.push({
          id: 901,
          firstName: 'Lee',
          lastName: 'Late',
          company: { id: 901, name: 'PSA Drill Ltd' },
          inactiveFlag: false,
          communicationItems: [{ type: { id: 1, name: 'Email' }, value: late, communicationType: 'Email', defaultFlag: true }],
        });
        cw.failNext({ delayMs: 1_500, times: 1 });
        await browser.request('/signin/email', { _csrf: csrf, email: late });
        // A request whose body is still on its way when the signal comes.
        const body = new URLSearchParams({ _csrf: csrf, email: 'nobody@nowhere.example' }).toString();
        const inFlight = new Promise<number>((resolve, reject) => {
          const req = httpRequest(
            `${base}/signin/email`,
            {
              method: 'POST',
              headers: {
                'content-type': 'application/x-www-form-urlencoded',
                'content-length': Buffer.byteLength(body),
                cookie: [...cookieHeader].map(([k, v]) => `${k}=${v}`).join('; '),
              },
            },
            (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            },
          );
          req.on('error', reject);
          req.write(body.slice(0, 10));
          setTimeout(() => req.end(body.slice(10)), 700);
        });
        await sleep(200);
        const stopped = Date.now();
        app.kill('SIGTERM');
        const exit = new Promise<number | null>((resolve) => app!.once('exit', (code) => resolve(code)));
        const status = await inFlight;
        const code = await exit;
        const tookMs = Date.now() - stopped;
        const mailed = received.slice(before).includes(late);
        log(
          `${name}: the request in flight answered ${status}; exit code ${code} after ${tookMs} ms; the sign-in mail ${mailed ? 'went out' : 'did NOT go out'}`,
        );
        results.push([name, status === 200 && code === 0 && mailed, `request ${status}, exit ${code} in ${tookMs} ms, mail ${mailed ? 'sent' : 'lost'}`]);
      } catch (error) {
        results.push([name, false, (error as Error).message]);
      }
    }
  } finally {
    app?.kill('SIGTERM');
    if (app) await new Promise((resolve) => (app!.exitCode !== null ? resolve(null) : app!.once('exit', resolve)));
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
    try {
      pg('pg_ctl', ['-D', pgData, '-m', 'fast', '-w', 'stop']);
    } catch {
      /* already stopped */
    }
    if (smtp) await stopSmtp().catch(() => undefined);
    await cw.close();
    rmSync(dir, { recursive: true, force: true });
  }

  process.stdout.write('\nfault drills:\n');
  for (const [name, ok, detail] of results) process.stdout.write(`  ${ok ? 'PASS' : 'FAIL'}  ${name}: ${detail}\n`);
  const failed = results.filter(([, ok]) => !ok).length;
  process.stdout.write(`drill: ${results.length - failed} passed, ${failed} failed\n`);
  process.exit(failed ? 1 : 0);
}

main().catch((error) => {
  process.stderr.write(`drill could not run: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
