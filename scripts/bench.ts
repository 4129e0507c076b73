// npm run bench: Portico under load on real PostgreSQL and Redis, its mail going to an SMTP receiver in
// this process, measured with autocannon against a bare Express "hello" on the same machine.
// Prints requests/s, p50/p99 latency, errors, the ratio to the ceiling, peak RSS of the app process,
// and the time from token request to mail accepted by SMTP (p50/p95).
//
// Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres; a
// database portico_bench is created and dropped) and Redis (BENCH_REDIS_URL, default
// redis://127.0.0.1:6379). Rate limits are raised for the run through the app's own variables.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import knexFactory from 'knex';
import { SMTPServer } from 'smtp-server';
import { createLoginTokenStore } from '../src/auth/login-tokens.js';
import { migrate } from '../src/db/index.js';
import { deriveKey } from '../src/lib/crypto.js';

const ADMIN_DB = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 10);
const TOKEN_RATE = 200;
const SECRET = 'bench-secret-bench-secret-bench-secret-42';
const KNOWN = DURATION_S * TOKEN_RATE + 200;

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
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${seconds} s`);
}

/** The peak resident set size of a process, from Linux's own record (VmHWM). */
function peakRssMb(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : NaN;
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
  non2xx: number;
}

async function run(name: string, options: autocannon.Options): Promise<Row> {
  const result = await autocannon({ connections: 20, ...(options.amount ? {} : { duration: DURATION_S }), ...options });
  return { name, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.timeouts, non2xx: result.non2xx };
}

async function main() {
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
  for (let i = 0; i < KNOWN; i += 500) {
    await db('contacts').insert(Array.from({ length: Math.min(500, KNOWN - i) }, (_, j) => ({ company_id: company.id, email: `person${i + j}@bench.example`, first_name: 'Bench', last_name: String(i + j), status: 'active' })));
  }

  // SMTP receiver: records when each recipient's mail was accepted.
  const accepted = new Map<string, number>();
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
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
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  // The app and the ceiling, each in a process of its own.
  const appPort = await freePort();
  const helloPort = await freePort();
  const base = `http://127.0.0.1:${appPort}`;
  const app = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
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
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
      SIGNIN_RATE_LIMIT_PER_IP: '100000000/1m',
      SIGNIN_RATE_LIMIT_PER_ADDRESS: '100000000/1m',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const hello = spawn(process.execPath, ['--import', 'tsx', 'scripts/hello.ts'], { env: { ...process.env, PORT: String(helloPort) }, stdio: ['ignore', 'inherit', 'inherit'] });
  try {
    await waitFor(`${base}/healthz`, app);
    await waitFor(`http://127.0.0.1:${helloPort}/`, hello);

    // One browser session (cookie + CSRF token) for the POSTs that do not sign in.
    const first = await fetch(`${base}/signin`);
    const cookie = first.headers.getSetCookie()[0]!.split(';')[0]!;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await first.text())![1]!;
    const form = (fields: Record<string, string>) => new URLSearchParams({ _csrf: csrf, ...fields }).toString();
    const formHeaders = { 'content-type': 'application/x-www-form-urlencoded', cookie };

    const rows: Row[] = [];
    rows.push(await run('bare Express "hello" (ceiling)', { url: `http://127.0.0.1:${helloPort}/` }));
    rows.push(await run('GET /signin', { url: `${base}/signin` }));
    rows.push(await run('POST /signin/email, unknown address', { url: `${base}/signin/email`, method: 'POST', headers: formHeaders, body: form({ email: 'nobody@nowhere.example' }) }));

    // Known addresses at a fixed 200 requests/s, each address once, timing request → mail accepted.
    const sentAt = new Map<string, number>();
    let next = 0;
    rows.push(
      await run(`POST /signin/email, known address (${TOKEN_RATE}/s)`, {
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
      }),
    );

    // The confirm POST: each request spends its own token from its own browser session.
    const confirmCount = 1500;
    const tokens = createLoginTokenStore({ db, clock: { now: () => new Date() }, key: deriveKey(SECRET, 'login-tokens') });
    const issued: string[] = [];
    for (let i = 0; i < confirmCount; i++) issued.push((await tokens.issue(db, { purpose: 'email_token', email: `person${i}@bench.example`, minutes: 10, withCode: true })).token);
    const sessions = await Promise.all(
      Array.from({ length: confirmCount }, async () => {
        const page = await fetch(`${base}/signin`);
        return { cookie: page.headers.getSetCookie()[0]!.split(';')[0]!, csrf: /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]! };
      }),
    );
    let confirmNext = 0;
    rows.push(
      await run('POST /signin/verify (confirm, signs in)', {
        url: `${base}/signin/verify`,
        amount: confirmCount,
        connections: 10,
        requests: [
          {
            method: 'POST',
            setupRequest: (request) => {
              const i = confirmNext++;
              const session = sessions[i % confirmCount]!;
              return { ...request, headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: session.cookie }, body: new URLSearchParams({ _csrf: session.csrf, token: issued[i % confirmCount]! }).toString() };
            },
          },
        ],
      }),
    );
    const spent = await db('login_tokens').whereIn('email', issued.map((_, i) => `person${i}@bench.example`)).whereNotNull('consumed_at').count({ n: '*' });

    // Wait for the mail of the known-address phase.
    const deadline = Date.now() + 30_000;
    while ([...sentAt.keys()].some((email) => !accepted.has(email)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const latencies = [...sentAt].filter(([email]) => accepted.has(email)).map(([email, at]) => accepted.get(email)! - at);
    const rss = peakRssMb(app.pid!);

    const ceiling = rows[0]!.rps;
    const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
    const lines = [
      `Portico benchmark: ${DURATION_S} s per phase, 2-core machine, PostgreSQL + Redis, mail over SMTP`,
      '',
      `| scenario | req/s | p50 ms | p99 ms | errors | non-2xx | vs ceiling |`,
      `|---|---:|---:|---:|---:|---:|---:|`,
      ...rows.map((r) => `| ${r.name} | ${fmt(r.rps)} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${r.errors} | ${r.non2xx} | ${fmt((r.rps / ceiling) * 100)}% |`),
      '',
      `confirm POSTs that signed in: ${spent[0]!.n} of ${confirmCount} (303 redirects count as non-2xx above)`,
      `peak RSS of the app process: ${rss} MB`,
      `token request → mail accepted by SMTP: ${latencies.length} of ${sentAt.size} mails, p50 ${fmt(percentile(latencies, 50))} ms, p95 ${fmt(percentile(latencies, 95))} ms`,
      '',
      'targets:',
      `  sign-in page ≥ 50% of the ceiling: ${fmt((rows[1]!.rps / ceiling) * 100)}% ${rows[1]!.rps >= ceiling / 2 ? 'met' : 'NOT met'}`,
      `  token request p99 < 50 ms at ${TOKEN_RATE}/s: ${fmt(rows[3]!.p99, 1)} ms ${rows[3]!.p99 < 50 ? 'met' : 'NOT met'}`,
      `  mail accepted within 1 s at p95: ${fmt(percentile(latencies, 95))} ms ${percentile(latencies, 95) < 1000 ? 'met' : 'NOT met'}`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    app.kill('SIGTERM');
    hello.kill('SIGTERM');
    await Promise.all([app, hello].map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)))));
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
