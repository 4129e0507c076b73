// The timing oracle an attacker would try on /signin/email (issue 15, Medium 3): the answer itself is
// the same for known and unknown addresses, but the work after it (issue a token, queue the mail) runs
// in the serving process and, on the embedded database, on its event loop, so the NEXT request on the
// same connection could pay for it. This test is that attacker: it asks for mails for known and unknown
// addresses in random order within pairs, times the request that follows each on the same keep-alive
// connection, fits a threshold on half the samples and classifies the other half. It must stay near
// chance (below 70%; 80 test samples at chance reach that about once in several thousand runs).
// Costs are turned into ranks within blocks of two pairs, so a machine that slows down or speeds up
// during the run (other tests on the same cores) moves nothing. It runs against both databases, and
// they defend differently (auth/email-token/service.ts): on PostgreSQL the mail worker is woken at once,
// so a known address's send (claim, decrypt, write, mark sent) runs right behind the answer, within
// the span measured here; on the embedded database it is woken after a random pause. Before the fix (known addresses did
// a transaction and sent their mail at once, unknown ones wrote one audit row) the embedded database
// gave 0.65-0.73 on wall time and 0.78 on CPU time on a loaded 2-core machine. With the decoy alone it
// still reached 0.58-0.68 (once 0.8): committing a real token and mail costs ~0.7 ms more than rolling a
// decoy back, and the next request paid for it; since that work starts at a random moment there too
// (EMBEDDED_WORK_DELAY_MAX_MS), 0.40-0.58. Since issue 18 the decoy is no longer a savepoint rolled
// back but the same single statement with its token and mail inserts bound to write nothing.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createCompany, createContact } from '../helpers/factories.js';

const PAIRS = 80;
const BLOCK = 4; // samples per rank block: two pairs
const ORIGIN = 'http://portal.test.example';

let t: TestApp;
let server: http.Server;
let agent: http.Agent;
let port: number;
let known: string[];

beforeAll(async () => {
  t = await startTestApp({ env: { SIGNIN_RATE_LIMIT_PER_IP: '100000/15m', SIGNIN_RATE_LIMIT_PER_ADDRESS: '100000/15m' } });
  const { id: companyId } = await createCompany(t.services.db, { name: 'Timing Ltd', domains: ['timing.example'] });
  known = [];
  for (let i = 0; i < PAIRS; i++) known.push((await createContact(t.services.db, { companyId, email: `known${i}-${Date.now()}@timing.example` })).email);
  server = http.createServer(t.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  // One socket, kept alive: every request of the attacker goes over the same connection.
  agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
}, 60_000);

afterAll(async () => {
  agent?.destroy();
  await new Promise((resolve) => server?.close(resolve));
  await t?.close();
});

interface Answer {
  status: number;
  cookies: string[];
  body: string;
  ms: number;
}

function send(method: 'GET' | 'POST', path: string, cookies: string[] = [], form?: Record<string, string>): Promise<Answer> {
  const body = form ? new URLSearchParams(form).toString() : undefined;
  const headers: Record<string, string> = { Host: 'portal.test.example', 'Sec-Fetch-Site': 'same-origin', Accept: 'text/html' };
  if (cookies.length) headers.Cookie = cookies.join('; ');
  if (body !== undefined) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    headers['Content-Length'] = String(Buffer.byteLength(body));
    headers.Origin = ORIGIN;
  }
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const request = http.request({ host: '127.0.0.1', port, method, path, agent, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        const setCookies = ([] as string[]).concat(response.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]!);
        resolve({ status: response.statusCode ?? 0, cookies: setCookies, body: Buffer.concat(chunks).toString(), ms });
      });
    });
    request.on('error', reject);
    request.end(body);
  });
}

// The attacker's browser: one session, asked for mail again and again (CSRF token from its first page).
// The attacker's browser: one session, asking for mail again and again with the CSRF token of its first page.
let browser: { cookies: string[]; csrf: string };

async function openBrowser() {
  const page = await send('GET', '/signin');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
  if (!csrf) throw new Error(`no CSRF field on /signin (status ${page.status})`);
  browser = { cookies: page.cookies, csrf };
}

// Cookies set by an answer replace those of the same name.
function remember(cookies: string[]) {
  const names = new Set(cookies.map((c) => c.split('=')[0]));
  browser.cookies = [...browser.cookies.filter((c) => !names.has(c.split('=')[0])), ...cookies];
}

interface Cost {
  /** Wall time from sending the request for a mail to the end of the following answer. */
  ms: number;
  /** CPU time of the serving process over the same span. */
  cpuMs: number;
}

// One sample: ask for a mail, then at once load the sign-in page again on the same connection. The
// span runs from the request for the mail to the end of the following answer: the client shares the
// server's process here, so the work after the answer can delay its reading of the first answer as
// well as the second. Besides the wall time, the process's CPU time over that span: on a machine
// loaded by other work, wall time is mostly other processes' scheduling, and the CPU time is the
// latency the attacker would see on a quiet one.
async function sample(email: string): Promise<Cost> {
  const startedAt = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  const asked = await send('POST', '/signin/email', browser.cookies, { _csrf: browser.csrf, email });
  await send('GET', '/signin');
  const ms = Number(process.hrtime.bigint() - startedAt) / 1e6;
  const cpu = process.cpuUsage(cpuBefore);
  if (asked.status !== 200) throw new Error(`/signin/email answered ${asked.status}`);
  remember(asked.cookies);
  // Let this sample's work finish (its mail included), so it does not land on the next measurement.
  await t.settle();
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000 };
}

// Rank of each latency within its block, scaled to 0..1: only the order inside a block counts.
function rankScores(ms: number[]): number[] {
  const scores: number[] = [];
  for (let start = 0; start < ms.length; start += BLOCK) {
    const block = ms.slice(start, start + BLOCK);
    const order = block.map((value, i) => ({ value, i })).sort((a, b) => a.value - b.value);
    const ranks: number[] = new Array(block.length);
    order.forEach(({ i }, rank) => (ranks[i] = rank / (block.length - 1)));
    scores.push(...ranks);
  }
  return scores;
}

interface Scored {
  known: boolean;
  score: number;
}

const accuracyOf = (samples: Scored[], threshold: number, slowerIsKnown: boolean) =>
  samples.filter((s) => s.score > threshold === (slowerIsKnown ? s.known : !s.known)).length / samples.length;

/** The best threshold (and direction) on the training half, and how well it does on the other half. */
function classify(train: Scored[], test: Scored[]): { trained: number; tested: number } {
  let best = { accuracy: -1, threshold: 0, slowerIsKnown: true };
  for (const { score: threshold } of train) {
    for (const slowerIsKnown of [true, false]) {
      const accuracy = accuracyOf(train, threshold, slowerIsKnown);
      if (accuracy > best.accuracy) best = { accuracy, threshold, slowerIsKnown };
    }
  }
  return { trained: best.accuracy, tested: accuracyOf(test, best.threshold, best.slowerIsKnown) };
}

function accuracy(labels: boolean[], costs: number[]) {
  const scores = rankScores(costs);
  const samples = labels.map((isKnown, i) => ({ known: isKnown, score: scores[i]! }));
  // Train on even blocks, test on odd ones: both halves see the whole run.
  const half = (parity: number) => samples.filter((_, i) => Math.floor(i / BLOCK) % 2 === parity);
  return classify(half(0), half(1)).tested;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

it('does not tell known from unknown addresses by the latency of the following request', async () => {
  await openBrowser();
  // Warm up: the first requests compile views and fill caches.
  for (let i = 0; i < 4; i++) await sample(`warm${i}-${Date.now()}@nowhere.example`);
  const labels: boolean[] = [];
  const costs: Cost[] = [];
  for (let pair = 0; pair < PAIRS; pair++) {
    const order = Math.random() < 0.5 ? [true, false] : [false, true];
    for (const isKnown of order) {
      labels.push(isKnown);
      costs.push(await sample(isKnown ? known[pair]! : `unknown${pair}-${Date.now()}@nowhere.example`));
    }
  }
  const of = (pick: (c: Cost) => number, isKnown: boolean) => median(costs.filter((_, i) => labels[i] === isKnown).map(pick));
  const report = {
    accuracy: {
      wall: accuracy(
        labels,
        costs.map((c) => c.ms),
      ),
      cpu: accuracy(
        labels,
        costs.map((c) => c.cpuMs),
      ),
    },
    medianMs: {
      wallKnown: of((c) => c.ms, true),
      wallUnknown: of((c) => c.ms, false),
      cpuKnown: of((c) => c.cpuMs, true),
      cpuUnknown: of((c) => c.cpuMs, false),
    },
    samples: costs.length,
  };
  // The figures are in the failure message; TIMING_REPORT=1 prints them on success too.
  if (process.env.TIMING_REPORT) process.stderr.write(`timing oracle: ${JSON.stringify(report)}\n`);
  const nearChance = report.accuracy.wall < 0.7 && report.accuracy.cpu < 0.7;
  expect({ ...report, nearChance }).toEqual({ ...report, nearChance: true });
}, 120_000);
