// npm run bench: Portico under load, as it runs in production, measured with autocannon against a
// bare Express "hello" on the same machine, in one table.
//
// What runs: the production build (npm run build, then the Dockerfile's CMD: node with its flags and
// dist/src/server.js) with NODE_ENV=production on real PostgreSQL and Redis, first as one process (the
// default deployment: it serves and sends the mail), then with WEB_CONCURRENCY HTTP processes beside
// the supervisor that sends the mail; the mail goes to an SMTP receiver in this process, which notes
// when each mail was accepted.
// Scenarios per mode: GET /signin (new visitors), a signed-in GET /, POST /signin/email for known
// addresses at a steady 200/s (open loop, evenly spaced: bench-kit's paced) and as a burst as fast as
// it goes (mail p50/p95 from request to SMTP accept, and the drain: last mail accepted after the load
// ended), and in one process the unknown address and the confirm POST /signin/verify (as fast as it
// goes, then at 200/s). After each phase: the highest RSS of each process during it, and each process's
// heap after a full collection (scripts/memory-probe.mjs, loaded by this bench only); each phase also
// prints the app's CPU time per request and, when PostgreSQL runs on this machine, PostgreSQL's.
// Targets missed are printed as MISSED; the exit code is non-zero only when a request erred.
//
// `npm run bench -- --instances 2` (or BENCH_INSTANCES=2) runs two instances instead, on two ports,
// on the same PostgreSQL and Redis, started at once on a fresh database, and checks that they behave as
// one system: the migration lock, sessions, rate limits and the outbox (no mail lost, none twice).
//
// Configuration, all optional:
//   BENCH_DATABASE_URL      PostgreSQL to create the portico_bench database in (default
//                           postgres://postgres@127.0.0.1:5432/postgres); dropped afterwards
//   BENCH_REDIS_URL         Redis (default redis://127.0.0.1:6379); keys under portico-bench:
//   BENCH_WEB_CONCURRENCY   HTTP processes in the WEB_CONCURRENCY mode (default: the machine's cores)
//   BENCH_SECONDS           length of each timed phase (default 10)
//   BENCH_BURST_SECONDS     length of the burst (default 10)
//   BENCH_MODES             which modes, e.g. "single" (default "single,cluster")
//   BENCH_LOG_LEVEL         the app's LOG_LEVEL (default warn: an access line per request would
//                           measure this terminal)
//   BENCH_APP_ARGS          extra node flags for the app, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
//   BENCH_HEAP_SNAPSHOT     a directory: at the end of each mode, a heap snapshot of each process goes there
// The sign-in rate limits are raised for the run through the app's own variables; nothing in the app
// knows it is being benchmarked.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type autocannon from 'autocannon';
import { Redis } from 'ioredis';
import knexFactory, { type Knex } from 'knex';
import { createLoginTokenStore } from '../src/auth/login-tokens.js';
import { migrate } from '../src/db/index.js';
import { deriveKey } from '../src/lib/crypto.js';
import { migrationSource } from '../migrations/index.js';
import {
  App,
  freePort,
  load,
  now,
  paced,
  percentile,
  signInWith,
  sleep,
  startSmtpReceiver,
  visit,
  waitFor,
  type Load,
  type SmtpReceiver,
} from './bench-kit.js';
import { cpuMsOf, processesNamed } from './processes.js';

const ADMIN_DB = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const WEB_PROCESSES = Number(process.env.BENCH_WEB_CONCURRENCY ?? availableParallelism());
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 10);
const BURST_S = Number(process.env.BENCH_BURST_SECONDS ?? 10);
const MODES = (process.env.BENCH_MODES ?? 'single,cluster').split(',').map((m) => m.trim());
const instancesArg = process.argv.indexOf('--instances');
const INSTANCES = Number(instancesArg >= 0 ? process.argv[instancesArg + 1] : (process.env.BENCH_INSTANCES ?? 1));
const TOKEN_RATE = 200;
const WARMUP_S = 5;
const CONFIRMS = 1500;
/** Addresses for a burst: more than any process here accepts in a second, times the burst. */
const BURST_ADDRESSES = BURST_S * 3000;
const SECRET = 'bench-secret-bench-secret-bench-secret-42';
const DOMAIN = 'bench.example';

const TARGETS = { burstDrainS: 2, steadyMailP95Ms: 300, tokenP99Ms: 50, verifyP99Ms: 25, signinRatio: 0.5, homeRatio: 0.3, httpRssMb: 200, singleRssMb: 300 };

const databaseUrl = (() => {
  const url = new URL(ADMIN_DB);
  url.pathname = '/portico_bench';
  return url.toString();
})();

interface Row {
  mode: string;
  scenario: string;
  load: Load;
  /** The ceiling this row is compared with. */
  ceiling?: number;
  mail?: { p50: number; p95: number; drainS: number; lost: number };
  rss?: number[];
  heap?: number[];
}

/** CPU time PostgreSQL's processes on this machine have used so far (none when it runs elsewhere). */
const databaseCpuMs = () => cpuMsOf(processesNamed('postgres'));
const fmt = (n: number | undefined, digits = 0) => (n !== undefined && Number.isFinite(n) ? n.toFixed(digits) : '-');
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

function appEnv(webConcurrency: number, smtpUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    REDIS_KEY_PREFIX: 'portico-bench:',
    SMTP_URL: smtpUrl,
    SESSION_SECRET: SECRET,
    WEB_CONCURRENCY: String(webConcurrency),
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    SIGNIN_RATE_LIMIT_PER_IP: '100000000/1m',
    SIGNIN_RATE_LIMIT_PER_ADDRESS: '100000000/1m',
    SIGNIN_RATE_LIMIT_PER_ADDRESS_ALL_CLIENTS: '100000000/1m',
    ...extra,
  };
}
const appArgs = () => (process.env.BENCH_APP_ARGS ? process.env.BENCH_APP_ARGS.split(' ').filter(Boolean) : []);

async function freshDatabase() {
  const admin = knexFactory({ client: 'pg', connection: ADMIN_DB });
  await admin.raw('drop database if exists portico_bench with (force)');
  await admin.raw('create database portico_bench');
  await admin.destroy();
}

async function addContacts(db: Knex, emails: string[]) {
  let [company] = await db('companies').where({ name: 'Bench Ltd' }).select('id');
  if (!company) {
    [company] = await db('companies').insert({ name: 'Bench Ltd' }).returning('id');
    await db('company_domains').insert({ company_id: company.id, domain: DOMAIN });
  }
  for (let i = 0; i < emails.length; i += 1000) {
    await db('contacts').insert(
      emails.slice(i, i + 1000).map((email, j) => ({ company_id: company.id, email, first_name: 'Bench', last_name: String(i + j), status: 'active' })),
    );
  }
}
const addresses = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}@${DOMAIN}`);

/** Waits until the app's work after the responses (token issuing, audit) has stopped writing. */
async function quiet(db: Knex): Promise<void> {
  let last = -1;
  for (let i = 0; i < 240; i++) {
    const [{ n }] = (await db('audit_events').count({ n: '*' })) as Array<{ n: string }>;
    if (Number(n) === last) return;
    last = Number(n);
    await sleep(300);
  }
}

/** POST /signin/email for fresh addresses from `pool`, each once; notes when each was asked for. */
function tokenRequests(base: string, browser: { cookie: string; csrf: string }, pool: string[], sentAt: Map<string, number>) {
  let next = 0;
  return {
    url: `${base}/signin/email`,
    requests: [
      {
        method: 'POST' as const,
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: browser.cookie },
        setupRequest: (request: autocannon.Request) => {
          const email = pool[next++ % pool.length]!;
          if (!sentAt.has(email)) sentAt.set(email, now());
          return { ...request, body: new URLSearchParams({ _csrf: browser.csrf, email }).toString() };
        },
      },
    ],
  };
}

/** The same at a steady rate (bench-kit's paced): each address is noted with the moment its request was due. */
function pacedTokenRequests(base: string, browser: { cookie: string; csrf: string }, pool: string[], sentAt: Map<string, number>) {
  let next = 0;
  return {
    url: `${base}/signin/email`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: browser.cookie },
    request: (dueAt: number) => {
      const email = pool[next++ % pool.length]!;
      if (!sentAt.has(email)) sentAt.set(email, dueAt);
      return { body: new URLSearchParams({ _csrf: browser.csrf, email }).toString() };
    },
  };
}

/** Request → SMTP accept for each address asked for, and the time from the end of the load to the last accept.
 * Only addresses the app was really asked for count: autocannon builds each connection's next request
 * (calling setupRequest, which notes the address) as soon as the last answer came, so the requests built
 * when the load ended were never sent; the app's own audit log says which requests it received. */
async function mailFigures(db: Knex, smtp: SmtpReceiver, noted: Map<string, number>, loadEnd: number) {
  await quiet(db);
  const received = new Set<string>();
  const emails = [...noted.keys()];
  for (let i = 0; i < emails.length; i += 5000) {
    const rows = (await db('audit_events')
      .where({ action: 'signin.token_requested' })
      .whereRaw("detail->>'email' = any(?)", [emails.slice(i, i + 5000)])
      .select(db.raw("detail->>'email' as email"))) as Array<{ email: string }>;
    for (const row of rows) received.add(row.email);
  }
  const sentAt = new Map([...noted].filter(([email]) => received.has(email)));
  await smtp.allAccepted([...sentAt.keys()], 60);
  const latencies: number[] = [];
  let last = loadEnd;
  let lost = 0;
  for (const [email, at] of sentAt) {
    const accepted = smtp.acceptedAt.get(email);
    if (accepted === undefined) lost += 1;
    else {
      latencies.push(accepted - at);
      last = Math.max(last, accepted);
    }
  }
  return { p50: percentile(latencies, 50), p95: percentile(latencies, 95), drainS: (last - loadEnd) / 1000, lost };
}

/** n confirm POSTs, each with its own contact, email token and browser (cookie and CSRF token). */
async function confirmRequests(db: Knex, base: string, tokens: ReturnType<typeof createLoginTokenStore>, n: number) {
  const emails = addresses('confirm', n);
  await addContacts(db, emails);
  const issued: string[] = [];
  for (const email of emails) issued.push((await tokens.issue(db, { purpose: 'email_token', email, minutes: 10, withCode: true })).token);
  const browsers: Array<{ cookie: string; csrf: string }> = [];
  while (browsers.length < n) browsers.push(...(await Promise.all(Array.from({ length: 20 }, () => visit(base)))));
  return issued.map((token, i) => ({
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: browsers[i]!.cookie },
    body: new URLSearchParams({ _csrf: browsers[i]!.csrf, token }).toString(),
  }));
}

/** One deployment mode: its app, its phases, a row per phase. */
async function benchMode(mode: 'single' | 'cluster', db: Knex, smtp: SmtpReceiver, ceiling: number): Promise<Row[]> {
  const processes = mode === 'single' ? 0 : WEB_PROCESSES;
  const label = mode === 'single' ? '1 process' : `WEB_CONCURRENCY=${processes}`;
  const warm = addresses(`${mode}-warm`, WARMUP_S * TOKEN_RATE + 200);
  const known = addresses(`${mode}-known`, DURATION_S * TOKEN_RATE + 200);
  const burst = addresses(`${mode}-burst`, BURST_ADDRESSES);
  const home = `${mode}-home@${DOMAIN}`;
  await addContacts(db, [...warm, ...known, ...burst, home]);
  const tokens = createLoginTokenStore({ db, clock: { now: () => new Date() }, key: deriveKey(SECRET, 'login-tokens') });

  const app = new App(label, await freePort(), appEnv(processes, smtp.url()), appArgs());
  const rows: Row[] = [];
  try {
    await app.ready();
    const phase = async (scenario: string, run: () => Promise<{ load: Load; mail?: Row['mail'] }>) => {
      app.startSampling();
      const cpuBefore = app.cpuMs();
      const databaseCpuBefore = databaseCpuMs();
      const result = await run();
      await quiet(db);
      const requests = Object.values(result.load.statuses).reduce((a, b) => a + b, 0);
      const cpuPerRequest = (app.cpuMs() - cpuBefore) / requests;
      const databaseCpuPerRequest = (databaseCpuMs() - databaseCpuBefore) / requests;
      const rss = app.stopSampling();
      const heap = (await app.memory()).map((m) => mb(m.heapUsed));
      const row = { mode: label, scenario, ceiling, rss, heap, ...result };
      rows.push(row);
      // CPU per request (the work after the answer and the mail included) moves less with the machine's load than the rates do.
      // PostgreSQL's: its server and backends on this machine (all of them: the bench's own few queries included).
      const database = processesNamed('postgres').length ? `, PostgreSQL CPU ${fmt(databaseCpuPerRequest, 2)} ms` : '';
      process.stdout.write(
        `  ${label}: ${scenario}: ${fmt(row.load.rps)} req/s, p99 ${fmt(row.load.p99, 1)} ms, app CPU ${fmt(cpuPerRequest, 2)} ms${database} per request\n`,
      );
    };

    await phase('GET /signin (new visitor)', async () => ({ load: await load({ url: `${app.base}/signin`, duration: DURATION_S }) }));

    const { token } = await tokens.issue(db, { purpose: 'email_token', email: home, minutes: 60 });
    const cookie = await signInWith(app.base, token);
    const check = await fetch(`${app.base}/`, { headers: { cookie }, redirect: 'manual' });
    if (check.status !== 200) throw new Error(`signed-in GET / answered ${check.status} ${check.headers.get('location') ?? ''}`);
    await phase('GET / (signed in)', async () => ({ load: await load({ url: `${app.base}/`, headers: { cookie }, duration: DURATION_S }) }));

    // Warm-up, not in the table: the sign-in POST's code compiled, the pools open, as after a minute of
    // real traffic (a process just started answers its first few thousand POSTs slower).
    const browser = await visit(app.base);
    const warmSent = new Map<string, number>();
    await paced({ ...pacedTokenRequests(app.base, browser, warm, warmSent), rate: TOKEN_RATE, duration: WARMUP_S });
    await quiet(db);
    await smtp.allAccepted([...warmSent.keys()]);

    await phase(`POST /signin/email, known, ${TOKEN_RATE}/s`, async () => {
      const sentAt = new Map<string, number>();
      const result = await paced({ ...pacedTokenRequests(app.base, browser, known, sentAt), rate: TOKEN_RATE, duration: DURATION_S });
      return { load: result, mail: await mailFigures(db, smtp, sentAt, result.endedAt) };
    });
    await phase(`POST /signin/email, known, burst ${BURST_S} s`, async () => {
      const sentAt = new Map<string, number>();
      const result = await load({ ...tokenRequests(app.base, browser, burst, sentAt), connections: 20, duration: BURST_S });
      return { load: result, mail: await mailFigures(db, smtp, sentAt, result.endedAt) };
    });

    if (mode === 'single') {
      await phase('POST /signin/email, unknown', async () => ({
        load: await load({
          url: `${app.base}/signin/email`,
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: browser.cookie },
          body: new URLSearchParams({ _csrf: browser.csrf, email: 'nobody@nowhere.example' }).toString(),
          duration: DURATION_S,
        }),
      }));

      // The confirm POST: each request spends its own token from its own browser session; first as fast
      // as it goes (10 connections, closed loop: its rate), then at a steady TOKEN_RATE/s (open loop: its
      // p99 is a latency, not the queue that 10 connections waiting on each other build).
      const confirms = await confirmRequests(db, app.base, tokens, CONFIRMS + TOKEN_RATE * DURATION_S);
      let confirmNext = 0;
      await phase('POST /signin/verify (confirm, signs in)', async () => ({
        load: await load({
          url: `${app.base}/signin/verify`,
          amount: CONFIRMS,
          connections: 10,
          requests: [
            {
              method: 'POST',
              setupRequest: (request) => ({ ...request, ...confirms[confirmNext++ % confirms.length]! }),
            },
          ],
        }),
      }));
      confirmNext = CONFIRMS;
      await phase(`POST /signin/verify, ${TOKEN_RATE}/s`, async () => ({
        load: await paced({
          url: `${app.base}/signin/verify`,
          rate: TOKEN_RATE,
          duration: DURATION_S,
          request: () => confirms[confirmNext++ % confirms.length]!,
        }),
      }));
    }
    const highWater = app.highWater();
    rows.push({
      mode: label,
      scenario: 'peak RSS over the whole run (VmHWM)',
      load: { rps: NaN, p50: NaN, p99: NaN, errors: 0, statuses: {}, startedAt: 0, endedAt: 0 },
      rss: highWater,
    });
    if (process.env.BENCH_HEAP_SNAPSHOT) {
      mkdirSync(process.env.BENCH_HEAP_SNAPSHOT, { recursive: true });
      for (const file of await app.heapSnapshots()) copyFileSync(file, path.join(process.env.BENCH_HEAP_SNAPSHOT, `${mode}-${path.basename(file)}`));
    }
  } finally {
    await app.stop();
  }
  return rows;
}

function helloProcess(port: number, processes: number) {
  return spawn(process.execPath, ['--import', 'tsx', 'scripts/hello.ts'], {
    env: { ...process.env, PORT: String(port), HELLO_PROCESSES: String(processes) },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

async function ceilings(): Promise<{ one: Row; many: Row }> {
  const [onePort, manyPort] = await Promise.all([freePort(), freePort()]);
  const one = helloProcess(onePort, 1);
  const many = helloProcess(manyPort, WEB_PROCESSES);
  try {
    await waitFor(`http://127.0.0.1:${onePort}/`, one);
    await waitFor(`http://127.0.0.1:${manyPort}/`, many);
    const oneLoad = await load({ url: `http://127.0.0.1:${onePort}/`, duration: DURATION_S });
    const manyLoad = await load({ url: `http://127.0.0.1:${manyPort}/`, duration: DURATION_S });
    return {
      one: { mode: '1 process', scenario: 'bare Express "hello" (the ceiling)', load: oneLoad, ceiling: oneLoad.rps },
      many: { mode: `${WEB_PROCESSES} processes`, scenario: 'bare Express "hello" (the ceiling)', load: manyLoad, ceiling: manyLoad.rps },
    };
  } finally {
    for (const child of [one, many]) {
      const exited = new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
      child.kill('SIGTERM');
      await exited;
    }
  }
}

function table(rows: Row[]): string[] {
  return [
    '| mode | scenario | req/s | p50 ms | p99 ms | errors | vs ceiling | mail p50 ms | mail p95 ms | drain s | peak RSS MB per process | heap MB after |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|',
    ...rows
      .map((r) =>
        [
          r.mode,
          r.scenario,
          fmt(r.load.rps),
          fmt(r.load.p50, 1),
          fmt(r.load.p99, 1),
          Number.isFinite(r.load.rps) ? r.load.errors : '',
          r.ceiling && Number.isFinite(r.load.rps) ? `${fmt((r.load.rps / r.ceiling) * 100)}%` : '',
          fmt(r.mail?.p50),
          fmt(r.mail?.p95),
          r.mail ? fmt(r.mail.drainS, 1) + (r.mail.lost ? ` (${r.mail.lost} never came)` : '') : '',
          r.rss?.join(' + ') ?? '',
          r.heap?.join(' + ') ?? '',
        ].join(' | '),
      )
      .map((line) => `| ${line} |`),
  ];
}

/** The unusual answers (anything but the page, the redirect of a sign-in, a mail request's 200). */
function oddStatuses(rows: Row[]): string[] {
  return rows.flatMap((r) => {
    const odd = Object.entries(r.load.statuses).filter(([code]) => !['200', '303'].includes(code));
    return odd.length ? [`  ${r.mode}, ${r.scenario}: ${odd.map(([code, n]) => `${code}×${n}`).join(' ')}`] : [];
  });
}

function targets(rows: Row[], one: Row): string[] {
  const lines: string[] = [];
  const say = (what: string, figure: string, met: boolean) => lines.push(`  ${met ? 'met   ' : 'MISSED'} ${what}: ${figure}`);
  const find = (mode: string, start: string) => rows.find((r) => r.mode === mode && r.scenario.startsWith(start));
  for (const mode of [...new Set(rows.map((r) => r.mode))].filter((m) => m !== one.mode || rows.some((r) => r.mode === m && r.mail))) {
    const burst = find(mode, 'POST /signin/email, known, burst');
    const steady = find(mode, `POST /signin/email, known, ${TOKEN_RATE}/s`);
    if (burst?.mail)
      say(
        `${mode}: last mail of the burst accepted ≤ ${TARGETS.burstDrainS} s after it`,
        `${fmt(burst.mail.drainS, 1)} s`,
        burst.mail.drainS <= TARGETS.burstDrainS && !burst.mail.lost,
      );
    if (steady?.mail)
      say(`${mode}: mail p95 at ${TOKEN_RATE}/s < ${TARGETS.steadyMailP95Ms} ms`, `${fmt(steady.mail.p95)} ms`, steady.mail.p95 < TARGETS.steadyMailP95Ms);
    const peak = find(mode, 'peak RSS');
    if (peak?.rss) {
      if (mode === '1 process') say(`${mode}: peak RSS < ${TARGETS.singleRssMb} MB`, `${peak.rss[0]} MB`, peak.rss[0]! < TARGETS.singleRssMb);
      else {
        const http = peak.rss.slice(1);
        say(
          `${mode}: peak RSS per HTTP process < ${TARGETS.httpRssMb} MB`,
          `${http.join(', ')} MB (supervisor ${peak.rss[0]} MB)`,
          Math.max(...http) < TARGETS.httpRssMb,
        );
      }
    }
  }
  const single = '1 process';
  const signin = find(single, 'GET /signin');
  const home = find(single, 'GET / (signed in)');
  const steady = find(single, `POST /signin/email, known, ${TOKEN_RATE}/s`);
  const verify = find(single, `POST /signin/verify, ${TOKEN_RATE}/s`);
  const ratio = (r: Row) => r.load.rps / one.load.rps;
  if (signin) say(`GET /signin ≥ ${TARGETS.signinRatio * 100}% of the 1-process hello`, `${fmt(ratio(signin) * 100)}%`, ratio(signin) >= TARGETS.signinRatio);
  if (home) say(`signed-in GET / ≥ ${TARGETS.homeRatio * 100}% of the 1-process hello`, `${fmt(ratio(home) * 100)}%`, ratio(home) >= TARGETS.homeRatio);
  if (steady)
    say(`token request p99 < ${TARGETS.tokenP99Ms} ms at ${TOKEN_RATE}/s, one process`, `${fmt(steady.load.p99, 1)} ms`, steady.load.p99 < TARGETS.tokenP99Ms);
  if (verify)
    say(`verify p99 < ${TARGETS.verifyP99Ms} ms at ${TOKEN_RATE}/s, one process`, `${fmt(verify.load.p99, 1)} ms`, verify.load.p99 < TARGETS.verifyP99Ms);
  return lines;
}

async function cleanUp() {
  const cleanup = knexFactory({ client: 'pg', connection: ADMIN_DB });
  await cleanup.raw('drop database if exists portico_bench with (force)');
  await cleanup.destroy();
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys('portico-bench:*');
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
}

async function benchDeployments(): Promise<boolean> {
  await freshDatabase();
  const db = knexFactory({ client: 'pg', connection: databaseUrl });
  await migrate(db);
  const smtp = await startSmtpReceiver();
  try {
    const { one, many } = await ceilings();
    const rows: Row[] = [one, many];
    if (MODES.includes('single')) rows.push(...(await benchMode('single', db, smtp, one.load.rps)));
    if (MODES.includes('cluster')) rows.push(...(await benchMode('cluster', db, smtp, many.load.rps)));
    const odd = oddStatuses(rows);
    const lines = [
      '',
      `Portico benchmark: ${DURATION_S} s per phase (burst ${BURST_S} s) on ${availableParallelism()} cores; production build, PostgreSQL + Redis,`,
      `mail over SMTP to this process. "1 process": the default deployment (serves and sends). WEB_CONCURRENCY=${WEB_PROCESSES}: the supervisor`,
      'sends the mail, its HTTP processes serve; RSS and heap are listed supervisor first. "vs ceiling": against the hello with as many processes.',
      'mail: request → accepted by SMTP; drain: from the end of the load to the last mail accepted. heap: used, after a full collection.',
      '',
      ...table(rows),
      ...(odd.length ? ['', 'answers other than 200/303:', ...odd] : []),
      '',
      'targets:',
      ...targets(rows, one),
    ];
    process.stdout.write(lines.join('\n') + '\n');
    return rows.every((r) => !r.load.errors);
  } finally {
    await smtp.close();
    await db.destroy();
  }
}

/** Two instances on one PostgreSQL and one Redis: do they behave as one system? */
async function benchInstances(count: number): Promise<boolean> {
  await freshDatabase();
  const smtp = await startSmtpReceiver();
  const names = Array.from({ length: count }, (_, i) => `instance-${String.fromCharCode(97 + i)}`);
  // A low per-address limit (the load uses each address once) to see whether the instances count together.
  const perAddress = 4;
  const started = now();
  const apps = await Promise.all(
    names.map(async (name) => new App(name, await freePort(), appEnv(0, smtp.url(name), { SIGNIN_RATE_LIMIT_PER_ADDRESS: `${perAddress}/15m` }), appArgs())),
  );
  const db = knexFactory({ client: 'pg', connection: databaseUrl });
  const checks: string[] = [];
  const check = (what: string, figure: string, ok: boolean) => checks.push(`  ${ok ? 'ok    ' : 'FAILED'} ${what}: ${figure}`);
  const rows: Row[] = [];
  try {
    await Promise.all(apps.map((app) => app.ready()));
    const readyS = (now() - started) / 1000;
    const listed = (await migrationSource.getMigrations([])).length;
    const recorded = (await db('knex_migrations').select('name')) as Array<{ name: string }>;
    const distinct = new Set(recorded.map((r) => r.name)).size;
    check(
      `migration lock: ${count} instances started at once on a fresh database`,
      `all ready in ${fmt(readyS, 1)} s; ${recorded.length} migrations recorded, ${distinct} distinct, ${listed} listed`,
      recorded.length === listed && distinct === listed,
    );

    const [a, b] = [apps[0]!, apps[1]!];
    const home = `twin-home@${DOMAIN}`; // not "inst-…": its token is the bench's own, without a mail
    const known = apps.map((_, i) => addresses(`inst-${i}-known`, DURATION_S * (TOKEN_RATE / count) + 200));
    const burst = apps.map((_, i) => addresses(`inst-${i}-burst`, BURST_ADDRESSES));
    await addContacts(db, [home, `limit@${DOMAIN}`, ...known.flat(), ...burst.flat()]);

    // Sessions: signed in on A, valid on B; signed out on B, gone on A.
    const tokens = createLoginTokenStore({ db, clock: { now: () => new Date() }, key: deriveKey(SECRET, 'login-tokens') });
    const cookie = await signInWith(a.base, (await tokens.issue(db, { purpose: 'email_token', email: home, minutes: 60 })).token);
    const onB = await fetch(`${b.base}/`, { headers: { cookie }, redirect: 'manual' });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await onB.text())?.[1] ?? '';
    const signOut = await fetch(`${b.base}/signout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf }),
    });
    const afterOnA = await fetch(`${a.base}/`, { headers: { cookie }, redirect: 'manual' });
    check(
      'sessions: signed in on A, home page on B; signed out on B, signed out on A',
      `B answered ${onB.status}, sign-out on B ${signOut.status}, A then ${afterOnA.status} → ${afterOnA.headers.get('location')}`,
      onB.status === 200 && signOut.status === 303 && afterOnA.status === 303 && afterOnA.headers.get('location') === '/signin',
    );

    // Rate limits: one address asked for from one browser, alternately on A and B.
    const browser = await visit(a.base);
    const answers: number[] = [];
    for (let i = 0; i < perAddress * 2; i++) {
      const response = await fetch(`${apps[i % count]!.base}/signin/email`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: browser.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: browser.csrf, email: `limit@${DOMAIN}` }),
      });
      answers.push(response.status);
    }
    const refused = answers.filter((s) => s === 429).length;
    check(
      `rate limits: ${perAddress * 2} requests for one address (limit ${perAddress}/15m), alternately on A and B`,
      `${answers.join(' ')}: ${answers.length - refused} answered, ${refused} refused`,
      answers.length - refused === perAddress && refused === perAddress,
    );

    // The outbox: the load split over the instances, steady and then a burst, each address asked for once.
    const browsers = await Promise.all(apps.map((app) => visit(app.base)));
    for (const [scenario, pools, steady] of [
      [`POST /signin/email, known, ${TOKEN_RATE}/s split`, known, true],
      [`POST /signin/email, known, burst ${BURST_S} s on each`, burst, false],
    ] as const) {
      const sent = apps.map(() => new Map<string, number>());
      apps.forEach((app) => app.startSampling());
      const loads = await Promise.all(
        apps.map((app, i) =>
          steady
            ? paced({ ...pacedTokenRequests(app.base, browsers[i]!, pools[i]!, sent[i]!), rate: TOKEN_RATE / count, duration: DURATION_S })
            : load({ ...tokenRequests(app.base, browsers[i]!, pools[i]!, sent[i]!), connections: 20, duration: BURST_S }),
        ),
      );
      const end = Math.max(...loads.map((l) => l.endedAt));
      const mail = await mailFigures(db, smtp, new Map(sent.flatMap((m) => [...m])), end);
      await quiet(db);
      apps.forEach((app, i) => {
        const rss = app.stopSampling();
        rows.push({ mode: `${count} instances`, scenario: `${names[i]}: ${scenario}`, load: loads[i]!, rss, mail: i === count - 1 ? mail : undefined });
      });
    }
    await quiet(db);
    const [{ n: issued }] = (await db('login_tokens').where('email', 'like', 'inst-%').count({ n: '*' })) as Array<{ n: string }>;
    const got = [...known.flat(), ...burst.flat()].map((email) => smtp.mailsTo.get(email) ?? 0);
    const tokenEmails = new Set(((await db('login_tokens').where('email', 'like', 'inst-%').select('email')) as Array<{ email: string }>).map((r) => r.email));
    const lost = [...tokenEmails].filter((email) => !smtp.mailsTo.has(email)).length;
    const twice = got.filter((n) => n > 1).length;
    const duplicateIds = [...smtp.messageIds.values()].filter((n) => n > 1).length;
    const mailed = got.filter((n) => n > 0).length;
    check(
      'outbox: every token issued has exactly one mail (recipients and Message-IDs at the SMTP receiver)',
      `${issued} tokens issued, ${mailed} recipients mailed, ${lost} tokens without a mail, ${twice} recipients mailed twice, ${duplicateIds} Message-IDs seen twice`,
      Number(issued) === mailed && lost === 0 && twice === 0 && duplicateIds === 0,
    );
    const senders = names.map((name) => `${name} ${smtp.bySender.get(name) ?? 0}`);
    check(
      'outbox: every instance sends',
      `mails sent by ${senders.join(', ')}`,
      names.every((name) => (smtp.bySender.get(name) ?? 0) > 0),
    );

    const lines = [
      '',
      `Portico, ${count} instances (one process each) on ports of their own, one PostgreSQL, one Redis; ${DURATION_S} s steady, ${BURST_S} s burst;`,
      `${availableParallelism()} cores for all of it. mail and drain: over both instances, on the last row of each phase.`,
      '',
      ...table(rows),
      '',
      'checks:',
      ...checks,
    ];
    process.stdout.write(lines.join('\n') + '\n');
    return rows.every((r) => !r.load.errors) && checks.every((line) => !line.includes('FAILED'));
  } finally {
    await Promise.all(apps.map((app) => app.stop()));
    await smtp.close();
    await db.destroy();
  }
}

async function main() {
  process.stdout.write('building (npm run build)…\n');
  const build = spawnSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build failed');
  try {
    return INSTANCES > 1 ? await benchInstances(INSTANCES) : await benchDeployments();
  } finally {
    await cleanUp();
  }
}

main().then(
  (ok) => process.exit(ok ? 0 : 1),
  (error) => {
    process.stderr.write(`bench failed: ${(error as Error).stack ?? error}\n`);
    process.exit(1);
  },
);
