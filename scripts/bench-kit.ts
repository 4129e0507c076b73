// The parts of npm run bench that are not scenarios: the app's processes (started, watched, asked for
// their memory), the SMTP receiver that times every mail, autocannon runs and a signed-in browser.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { SMTPServer } from 'smtp-server';
import { childrenOf, cpuMsOf } from './processes.js';
import { productionNodeFlags } from './production-command.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const now = () => performance.timeOrigin + performance.now();

export const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });

export const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};

export async function waitFor(url: string, child: ChildProcess, seconds = 90): Promise<void> {
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

export interface Load {
  rps: number;
  p50: number;
  p99: number;
  /** Connection errors, timeouts and 5xx answers: any of these makes the bench exit non-zero. */
  errors: number;
  statuses: Record<string, number>;
  startedAt: number;
  endedAt: number;
}

export async function load(options: autocannon.Options): Promise<Load> {
  const startedAt = now();
  const result = await autocannon({ connections: 20, ...options });
  const statuses = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, stat]) => [code, (stat as { count: number }).count]));
  const serverErrors = Object.entries(statuses)
    .filter(([code]) => Number(code) >= 500)
    .reduce((sum, [, count]) => sum + count, 0);
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + serverErrors,
    statuses,
    startedAt,
    endedAt: now(),
  };
}

/** One request of a paced run: its body and its own headers (a browser's cookie, say), told the moment
 * it was due (for the mail's request time). */
export type PacedRequest = (dueAt: number) => { body: string; headers?: Record<string, string> };

/**
 * A steady rate, open loop: request i is due at start + i/rate and sent then, whatever the answers before
 * it did, and its latency is counted from when it was due (a late answer delays no later request's clock:
 * no coordinated omission). autocannon's overallRate is not steady: each connection sends its share of a
 * second as fast as it can at the start of the second and then waits, a burst every second.
 */
export async function paced(options: {
  url: string;
  rate: number;
  duration: number;
  method?: string;
  headers?: Record<string, string>;
  request: PacedRequest;
}): Promise<Load> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const target = new URL(options.url);
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let due = 0;
  const total = Math.round(options.rate * options.duration);
  const startedAt = now();
  const inFlight = new Set<Promise<void>>();
  const send = (dueAt: number) => {
    const { body, headers } = options.request(dueAt);
    const done = new Promise<void>((resolve) => {
      const req = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname + target.search,
          method: options.method ?? 'POST',
          headers: { ...options.headers, ...headers, 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            latencies.push(now() - dueAt);
            statuses[res.statusCode!] = (statuses[res.statusCode!] ?? 0) + 1;
            if (res.statusCode! >= 500) errors += 1;
            resolve();
          });
        },
      );
      req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        errors += 1;
        resolve();
      });
      req.end(body);
    });
    inFlight.add(done);
    void done.then(() => inFlight.delete(done));
  };
  await new Promise<void>((resolve) => {
    const tick = () => {
      const elapsed = now() - startedAt;
      while (due < total && (due * 1000) / options.rate <= elapsed) send(startedAt + (due++ * 1000) / options.rate);
      if (due < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  await Promise.all(inFlight);
  agent.destroy();
  const endedAt = now();
  return {
    rps: (latencies.length * 1000) / (endedAt - startedAt),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors,
    statuses,
    startedAt,
    endedAt,
  };
}

/** The SMTP server the app's mail goes to: when each recipient's mail was accepted, how many mails
 * each recipient got, their Message-IDs and which instance (by its EHLO name) sent them. */
export async function startSmtpReceiver() {
  const acceptedAt = new Map<string, number>();
  const mailsTo = new Map<string, number>();
  const messageIds = new Map<string, number>();
  const bySender = new Map<string, number>();
  let total = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    onData(stream, session, callback) {
      let head = '';
      stream.on('data', (chunk: Buffer) => {
        if (head.length < 4096) head += chunk.toString('latin1');
      });
      stream.on('end', () => {
        const at = now();
        total += 1;
        const id = /^Message-ID:\s*(\S+)/im.exec(head)?.[1] ?? `none-${total}`;
        messageIds.set(id, (messageIds.get(id) ?? 0) + 1);
        bySender.set(session.hostNameAppearsAs, (bySender.get(session.hostNameAppearsAs) ?? 0) + 1);
        for (const { address } of session.envelope.rcptTo) {
          if (!acceptedAt.has(address)) acceptedAt.set(address, at);
          mailsTo.set(address, (mailsTo.get(address) ?? 0) + 1);
        }
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: (name?: string) => `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}${name ? `/?name=${name}` : ''}`,
    acceptedAt,
    mailsTo,
    messageIds,
    bySender,
    total: () => total,
    /** Waits (at most `seconds`) until a mail for each address has been accepted. */
    async allAccepted(emails: string[], seconds = 30) {
      const deadline = Date.now() + seconds * 1000;
      while (emails.some((email) => !acceptedAt.has(email)) && Date.now() < deadline) await sleep(100);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
export type SmtpReceiver = Awaited<ReturnType<typeof startSmtpReceiver>>;

const PROBE = fileURLToPath(new URL('./memory-probe.mjs', import.meta.url));
const kib = (status: string, field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
const readStatus = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return ''; // gone meanwhile
  }
};

export interface MemoryReport {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

/** One running Portico (production build), its processes, and a sampler of their resident memory. */
export class App {
  readonly base: string;
  readonly child: ChildProcess;
  private readonly probeDir = mkdtempSync(path.join(tmpdir(), 'portico-bench-probe-'));
  private peaks = new Map<number, number>();
  private sampler: NodeJS.Timeout | undefined;

  constructor(
    readonly label: string,
    port: number,
    env: Record<string, string>,
    extraArgs: string[],
  ) {
    this.base = `http://127.0.0.1:${port}`;
    // The production command's node flags (the Dockerfile's CMD), then the probe's; extraArgs last, so
    // BENCH_APP_ARGS can override a production flag (V8 takes the last of a flag given twice).
    this.child = spawn(process.execPath, [...productionNodeFlags(), '--expose-gc', '--import', PROBE, ...extraArgs, 'dist/src/server.js'], {
      env: { ...process.env, ...env, PORT: String(port), BASE_URL: this.base, BENCH_PROBE_DIR: this.probeDir },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  }

  ready = () => waitFor(`${this.base}/readyz`, this.child);

  /** The supervisor (or the one process) first, then its HTTP processes. */
  pids(): number[] {
    const root = this.child.pid!;
    return [root, ...childrenOf(root).filter((pid) => readStatus(pid).includes('Name:\tnode'))];
  }

  /** Starts recording the highest resident set size of each process, every 100 ms. */
  startSampling() {
    this.peaks = new Map();
    const sample = () => {
      for (const pid of this.pids()) this.peaks.set(pid, Math.max(this.peaks.get(pid) ?? 0, kib(readStatus(pid), 'VmRSS') / 1024));
    };
    sample();
    this.sampler = setInterval(sample, 100);
  }

  /** The highest RSS (MB) of each process since startSampling. */
  stopSampling(): number[] {
    clearInterval(this.sampler);
    return this.pids().map((pid) => Math.round(this.peaks.get(pid) ?? NaN));
  }

  /** CPU time (ms, user + system) the app's processes have used so far. */
  cpuMs(): number {
    return cpuMsOf(this.pids());
  }

  /** VmHWM (MB) of each process: its highest RSS since it started. */
  highWater(): number[] {
    return this.pids().map((pid) => Math.round(kib(readStatus(pid), 'VmHWM') / 1024));
  }

  /** Each process's memory after a full garbage collection (the probe, on SIGUSR2). */
  async memory(): Promise<MemoryReport[]> {
    return this.probe('memory', 'json', (file) => JSON.parse(readFileSync(file, 'utf8')) as MemoryReport);
  }

  /** Writes a heap snapshot of each process; returns the files. */
  async heapSnapshots(): Promise<string[]> {
    return this.probe('snapshot', 'heapsnapshot', (file) => file, 120);
  }

  private async probe<T>(command: string, extension: string, read: (file: string) => T, seconds = 10): Promise<T[]> {
    writeFileSync(path.join(this.probeDir, 'command'), command);
    const files = this.pids().map((pid) => path.join(this.probeDir, `${pid}.${extension}`));
    for (const file of files) rmSync(file, { force: true });
    for (const pid of this.pids()) process.kill(pid, 'SIGUSR2');
    const deadline = Date.now() + seconds * 1000;
    while (files.some((file) => !existsSync(file)) && Date.now() < deadline) await sleep(50);
    return files.filter((file) => existsSync(file)).map(read);
  }

  async stop() {
    clearInterval(this.sampler);
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.probeDir, { recursive: true, force: true });
  }
}

/** A browser's first visit to the sign-in page: its cookie and the page's CSRF token. */
export async function visit(base: string): Promise<{ cookie: string; csrf: string }> {
  const page = await fetch(`${base}/signin`);
  return { cookie: page.headers.getSetCookie()[0]!.split(';')[0]!, csrf: /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]! };
}

/** Spends an email token through the confirm form and returns the signed-in session's cookies. */
export async function signInWith(base: string, token: string): Promise<string> {
  const browser = await visit(base);
  const response = await fetch(`${base}/signin/verify`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: browser.cookie },
    body: new URLSearchParams({ _csrf: browser.csrf, token }),
  });
  if (response.status !== 303) throw new Error(`the confirm POST answered ${response.status}`);
  const cookies = new Map([browser.cookie, ...response.headers.getSetCookie().map((c) => c.split(';')[0]!)].map((c) => [c.split('=')[0]!, c]));
  return [...cookies.values()].join('; ');
}
