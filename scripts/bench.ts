// npm run bench: Portico under load, as it runs in production, measured with autocannon against a
// bare Express "hello" on the same machine.
//
// What runs: the production build (npm run build, then node dist/src/server.js) with NODE_ENV=production
// on real PostgreSQL and Redis, WEB_CONCURRENCY HTTP processes (default: one per core) beside the
// supervisor that sends the mail, and an SMTP receiver in this process that the mail goes to.
// Prints requests/s, p50/p99 latency, errors and the ratio to the ceiling for each scenario, the peak
// RSS of the app's processes, and the time from token request to mail accepted by SMTP (p50/p95).
//
// Configuration, all optional:
//   BENCH_DATABASE_URL      PostgreSQL to create the portico_bench database in (default
//                           postgres://postgres@127.0.0.1:5432/postgres); dropped afterwards
//   BENCH_REDIS_URL         Redis (default redis://127.0.0.1:6379); keys under portico-bench:
//   BENCH_WEB_CONCURRENCY   HTTP processes (default: the machine's cores)
//   BENCH_SECONDS           length of each timed phase (default 10)
//   BENCH_LOG_LEVEL         the app's LOG_LEVEL (default warn: an access line per request would
//                           measure this terminal)
//   BENCH_APP_ARGS          extra node flags for the app, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
// The sign-in rate limits are raised for the run through the app's own variables; nothing in the app
// knows it is being benchmarked.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import knexFactory, { type Knex } from 'knex';
import { SMTPServer } from 'smtp-server';
import { createLoginTokenStore } from '../src/auth/login-tokens.js';
import { migrate } from '../src/db/index.js';
import { deriveKey } from '../src/lib/crypto.js';
import { childrenOf } from './processes.js';

const ADMIN_DB = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const WEB_PROCESSES = Number(process.env.BENCH_WEB_CONCURRENCY ?? availableParallelism());
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 10);
const TOKEN_RATE = 200;
const CONFIRMS = 1500;
const SECRET = 'bench-secret-bench-secret-bench-secret-42';
const KNOWN = DURATION_S * TOKEN_RATE + 200;
const WARMUP_S = 5;
const WARM = WARMUP_S * TOKEN_RATE + 200;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });

async function waitFor(url: string, child: ChildProcess, seconds = 60): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not up yet */
    }
    await sleep(200);
  }
  throw new Error(`${url} did not answer within ${seconds} s`);
}

/** Peak resident set size (VmHWM, MB) of a process and of each of its children (the HTTP processes). */
function peakRss(pid: number): { total: number; each: number[] } {
  const hwm = (p: number) => Math.round(Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? NaN) / 1024);
  const each = [pid, ...childrenOf(pid)].map(hwm);
  return { total: each.reduce((a, b) => a + b, 0), each };
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};

interface Row {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  statuses: string;
}

async function run(name: string, options: autocannon.Options): Promise<Row> {
  const result = await autocannon({ connections: 20, ...(options.amount ? {} : { duration: DURATION_S }), ...options });
  const statuses = Object.entries(result.statusCodeStats ?? {})
    .map(([code, stat]) => `${code}×${(stat as { count: number }).count}`)
    .join(' ');
  return { name, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.timeouts, statuses };
}

/** Waits until the app's work after the responses (token issuing, audit) has stopped writing. */
async function quiet(db: Knex): Promise<void> {
  let last = -1;
  for (let i = 0; i < 120; i++) {
    const [{ n }] = (await db('audit_events').count({ n: '*' })) as Array<{ n: string }>;
    if (Number(n) === last) return;
    last = Number(n);
    await sleep(500);
  }
}

async function main() {
  process.stdout.write('building (npm run build)…\n');
  const build = spawnSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build failed');

  // Database and data for the run.
  const admin = knexFactory({ client: 'pg', connection: ADMIN_DB });
  await admin.raw('drop database if exists portico_bench');
  await admin.raw('create database portico_bench');
  await admin.destroy();
  const databaseUrl = new URL(ADMIN_DB);
  databaseUrl.pathname = '/portico_bench';
  const db = knexFactory({ client: 'pg', connection: databaseUrl.toString() });
  await migrate(db);
  const [company] = await db('companies').insert({ name: 'Bench Ltd' }).returning('id');
  await db('company_domains').insert({ company_id: company.id, domain: 'bench.example' });
  const people = [
    ...Array.from({ length: WARM }, (_, i) => `warm${i}@bench.example`),
    ...Array.from({ length: KNOWN }, (_, i) => `person${i}@bench.example`),
    ...Array.from({ length: CONFIRMS }, (_, i) => `confirm${i}@bench.example`),
  ];
  for (let i = 0; i < people.length; i += 500) {
    await db('contacts').insert(
      people.slice(i, i + 500).map((email, j) => ({ company_id: company.id, email, first_name: 'Bench', last_name: String(i + j), status: 'active' })),
    );
  }

  // SMTP receiver: records when each recipient's mail was accepted.
  const accepted = new Map<string, number>();
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    onRcptTo(address, _session, callback) {
      if (!accepted.has(address.address)) accepted.set(address.address, performance.timeOrigin + performance.now());
      callback();
    },
    onData(stream, _session, callback) {
      stream.resume();
      stream.on('end', () => callback());
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  /** Waits (at most 30 s) until the SMTP receiver has accepted a mail for each address. */
  const allAccepted = async (emails: string[]) => {
    const deadline = Date.now() + 30_000;
    while (emails.some((email) => !accepted.has(email)) && Date.now() < deadline) await sleep(200);
  };
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  // The app and the ceilings, each in processes of their own.
  const [appPort, helloPort, helloClusterPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const base = `http://127.0.0.1:${appPort}`;
  const app = spawn(process.execPath, [...(process.env.BENCH_APP_ARGS ? process.env.BENCH_APP_ARGS.split(' ') : []), 'dist/src/server.js'], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(appPort),
      BASE_URL: base,
      DATABASE_URL: databaseUrl.toString(),
      REDIS_URL,
      REDIS_KEY_PREFIX: 'portico-bench:',
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      SESSION_SECRET: SECRET,
      WEB_CONCURRENCY: String(WEB_PROCESSES),
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
      SIGNIN_RATE_LIMIT_PER_IP: '100000000/1m',
      SIGNIN_RATE_LIMIT_PER_ADDRESS: '100000000/1m',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const helloProcess = (port: number, processes: number) =>
    spawn(process.execPath, ['--import', 'tsx', 'scripts/hello.ts'], {
      env: { ...process.env, PORT: String(port), HELLO_PROCESSES: String(processes) },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  const hello = helloProcess(helloPort, 1);
  const helloCluster = helloProcess(helloClusterPort, WEB_PROCESSES);
  const children = [app, hello, helloCluster];
  try {
    await waitFor(`${base}/readyz`, app);
    await waitFor(`http://127.0.0.1:${helloPort}/`, hello);
    await waitFor(`http://127.0.0.1:${helloClusterPort}/`, helloCluster);

    // One browser (cookie + CSRF token) for the POSTs that do not sign in.
    const first = await fetch(`${base}/signin`);
    const cookie = first.headers.getSetCookie()[0]!.split(';')[0]!;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await first.text())![1]!;
    const form = (fields: Record<string, string>) => new URLSearchParams({ _csrf: csrf, ...fields }).toString();
    const formHeaders = { 'content-type': 'application/x-www-form-urlencoded', cookie };

    const rows: Row[] = [];
    const ceiling = await run('bare Express "hello", 1 process (the ceiling)', { url: `http://127.0.0.1:${helloPort}/` });
    rows.push(ceiling);
    // A new visitor each time: no cookies, so each answer makes a fresh CSRF cookie.
    const signinPage = await run('GET /signin (new visitor)', { url: `${base}/signin` });
    rows.push(signinPage);
    rows.push(await run(`bare Express "hello", ${WEB_PROCESSES} processes (for comparison)`, { url: `http://127.0.0.1:${helloClusterPort}/` }));

    // Warm-up, not timed: the sign-in POST's code compiled, the database pools open, as after a
    // minute of real traffic (a process just started answers its first few thousand POSTs slower).
    let warm = 0;
    await run('warm-up', {
      url: `${base}/signin/email`,
      overallRate: TOKEN_RATE,
      connections: 10,
      duration: WARMUP_S,
      requests: [
        { method: 'POST', headers: formHeaders, setupRequest: (request) => ({ ...request, body: form({ email: `warm${warm++ % WARM}@bench.example` }) }) },
      ],
    });
    await quiet(db);
    await allAccepted(Array.from({ length: Math.min(warm, WARM) }, (_, i) => `warm${i}@bench.example`)); // none of it is sent in the timed phase

    // Known addresses at a fixed 200 requests/s, each address once, timing request → mail accepted.
    const sentAt = new Map<string, number>();
    let next = 0;
    const known = await run(`POST /signin/email, known address, ${TOKEN_RATE}/s`, {
      url: `${base}/signin/email`,
      overallRate: TOKEN_RATE,
      connections: 10,
      requests: [
        {
          method: 'POST',
          headers: formHeaders,
          setupRequest: (request) => {
            const email = `person${next++ % KNOWN}@bench.example`;
            if (!sentAt.has(email)) sentAt.set(email, performance.timeOrigin + performance.now());
            return { ...request, body: form({ email }) };
          },
        },
      ],
    });
    rows.push(known);
    await allAccepted([...sentAt.keys()]);
    const latencies = [...sentAt].filter(([email]) => accepted.has(email)).map(([email, at]) => accepted.get(email)! - at);
    // Where that time went: the request's background work until the mail is in the outbox, then the worker.
    const queuedAt = new Map(
      (await db('outbox').select('to_address', 'created_at')).map((row: { to_address: string; created_at: Date }) => [
        row.to_address,
        row.created_at.getTime(),
      ]),
    );
    const toOutbox = [...sentAt].filter(([email]) => queuedAt.has(email)).map(([email, at]) => queuedAt.get(email)! - at);
    const fromOutbox = [...queuedAt].filter(([email]) => accepted.has(email) && sentAt.has(email)).map(([email, at]) => accepted.get(email)! - at);
    await quiet(db);

    rows.push(
      await run('POST /signin/email, unknown address', {
        url: `${base}/signin/email`,
        method: 'POST',
        headers: formHeaders,
        body: form({ email: 'nobody@nowhere.example' }),
      }),
    );
    await quiet(db);

    // The confirm POST: each request spends its own token from its own browser session.
    const tokens = createLoginTokenStore({ db, clock: { now: () => new Date() }, key: deriveKey(SECRET, 'login-tokens') });
    const issued: string[] = [];
    for (let i = 0; i < CONFIRMS; i++)
      issued.push((await tokens.issue(db, { purpose: 'email_token', email: `confirm${i}@bench.example`, minutes: 10, withCode: true })).token);
    const browsers = await Promise.all(
      Array.from({ length: CONFIRMS }, async () => {
        const page = await fetch(`${base}/signin`);
        return { cookie: page.headers.getSetCookie()[0]!.split(';')[0]!, csrf: /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]! };
      }),
    );
    let confirmNext = 0;
    rows.push(
      await run('POST /signin/verify (confirm, signs in)', {
        url: `${base}/signin/verify`,
        amount: CONFIRMS,
        connections: 10,
        requests: [
          {
            method: 'POST',
            setupRequest: (request) => {
              const i = confirmNext++ % CONFIRMS;
              return {
                ...request,
                headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: browsers[i]!.cookie },
                body: new URLSearchParams({ _csrf: browsers[i]!.csrf, token: issued[i]! }).toString(),
              };
            },
          },
        ],
      }),
    );
    const [spent] = (await db('login_tokens').where('email', 'like', 'confirm%').whereNotNull('consumed_at').count({ n: '*' })) as Array<{ n: string }>;
    const rss = peakRss(app.pid!);

    const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
    const ratio = (rps: number) => `${fmt((rps / ceiling.rps) * 100)}%`;
    const mailP95 = percentile(latencies, 95);
    const lines = [
      `Portico benchmark: ${DURATION_S} s per phase on ${availableParallelism()} cores; production build, PostgreSQL + Redis,`,
      `WEB_CONCURRENCY=${WEB_PROCESSES} (${WEB_PROCESSES} HTTP processes and the supervisor, which sends the mail), mail over SMTP to this process`,
      '',
      `| scenario | req/s | p50 ms | p99 ms | errors | statuses | vs ceiling |`,
      `|---|---:|---:|---:|---:|---|---:|`,
      ...rows.map((r) => `| ${r.name} | ${fmt(r.rps)} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${r.errors} | ${r.statuses} | ${ratio(r.rps)} |`),
      '',
      `confirm POSTs that signed in: ${spent!.n} of ${CONFIRMS} (each answers 303 to the home page)`,
      `peak RSS of the app: ${rss.total} MB in ${rss.each.length} processes (${rss.each.join(' + ')} MB)`,
      `token request → mail accepted by SMTP: ${latencies.length} of ${sentAt.size} mails, p50 ${fmt(percentile(latencies, 50))} ms, p95 ${fmt(mailP95)} ms`,
      `  of which request → in the outbox p50 ${fmt(percentile(toOutbox, 50))} ms, p95 ${fmt(percentile(toOutbox, 95))} ms; outbox → accepted p50 ${fmt(percentile(fromOutbox, 50))} ms, p95 ${fmt(percentile(fromOutbox, 95))} ms`,
      '',
      'targets:',
      `  sign-in page ≥ 50% of the ceiling: ${ratio(signinPage.rps)} ${signinPage.rps >= ceiling.rps / 2 ? 'met' : 'NOT met'}`,
      `  token request p99 < 50 ms at ${TOKEN_RATE}/s: ${fmt(known.p99, 1)} ms ${known.p99 < 50 ? 'met' : 'NOT met'}`,
      `  mail accepted within 1 s at p95: ${fmt(mailP95)} ms ${mailP95 < 1000 ? 'met' : 'NOT met'}`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)))));
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    await db.destroy();
    const cleanup = knexFactory({ client: 'pg', connection: ADMIN_DB });
    await cleanup.raw('drop database if exists portico_bench');
    await cleanup.destroy();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys('portico-bench:*');
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`bench failed: ${(error as Error).stack ?? error}\n`);
    process.exit(1);
  },
);
