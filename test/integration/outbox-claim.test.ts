// Several senders on one outbox (issue 18): two mail workers, each with its own connection pool as two
// instances have (on PostgreSQL; the embedded database has its one connection, shared), claim rows in
// batches with FOR UPDATE SKIP LOCKED and deliver over real SMTP. No mail goes out twice, none is left
// behind, and a row whose sender died mid-send comes back once its lease has run out.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { closeDb, createDb, migrate, type Db } from '../../src/db/index.js';
import { deriveKey } from '../../src/lib/crypto.js';
import { createLogger } from '../../src/lib/logger.js';
import { createOutbox, type Outbox } from '../../src/mail/outbox.js';
import { createMailTransport, type MailTransport } from '../../src/mail/transport.js';
import { createMailWorker } from '../../src/mail/worker.js';
import { usingPostgres } from '../helpers/app.js';
import { TestClock } from '../helpers/clock.js';
import { startSmtpReceiver, type SmtpReceiver } from '../helpers/smtp.js';

const logger = createLogger('silent');
const schema = `t_claim_${randomBytes(4).toString('hex')}`;
const LEASE_MS = 5 * 60_000;
let dataDir: string | undefined;
let db: Db;
/** The second instance's pool (on the embedded database: the same one). */
let otherDb: Db;
let smtp: SmtpReceiver;
let clock: TestClock;
let outbox: Outbox;
const transports: MailTransport[] = [];

const openDb = () => createDb({ databaseUrl: process.env.DATABASE_URL, dataDir: dataDir ?? '', schema: usingPostgres ? schema : undefined, poolMax: 4 });

beforeAll(async () => {
  if (!usingPostgres) dataDir = mkdtempSync(path.join(tmpdir(), 'portico-claim-'));
  db = openDb();
  if (usingPostgres) await db.raw('create schema if not exists ??', [schema]);
  await migrate(db);
  otherDb = usingPostgres ? openDb() : db;
  smtp = await startSmtpReceiver();
  clock = new TestClock();
  outbox = createOutbox({ clock, key: deriveKey('claim-test-secret-claim-test-secret!', 'outbox') });
}, 60_000);

afterAll(async () => {
  for (const transport of transports) transport.close();
  await smtp?.close();
  if (usingPostgres) {
    await otherDb?.destroy();
    await db?.raw('drop schema if exists ?? cascade', [schema]);
  }
  if (db) await closeDb(db);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function smtpTransport(url = smtp.url, options = {}) {
  const transport = createMailTransport(url, logger, { maxConnections: 3, ...options });
  transports.push(transport);
  return transport;
}

async function queue(emails: string[]) {
  for (const email of emails) {
    await outbox.enqueue(db, {
      to: email,
      from: { name: 'Portal', address: 'portal@msp.example' },
      template: 'magic-link',
      data: { portalName: 'Portal', link: `https://portal.example/signin/magic?token=${email}`, minutes: 10, email },
    });
  }
}

const recipientsAt = (receiver: SmtpReceiver) => receiver.messages.flatMap((m) => [m.to].flat().flatMap((a) => (a ? a.value.map((v) => v.address) : [])));

it('two workers share the outbox: each mail is sent once, none is left, both send', async () => {
  const emails = Array.from({ length: 120 }, (_, i) => `batch${i}@contoso.example`);
  await queue(emails);
  // Small batches, so the two interleave many times over the 120 rows.
  const one = createMailWorker({ db, outbox, transport: smtpTransport(), clock, logger }, { batchSize: 8 });
  const two = createMailWorker({ db: otherDb, outbox, transport: smtpTransport(), clock, logger }, { batchSize: 8 });
  const handled = await Promise.all([one.runOnce(), two.runOnce(), one.runOnce(), two.runOnce()]);

  const received = recipientsAt(smtp).filter((address) => address?.startsWith('batch'));
  expect(received.sort()).toEqual([...emails].sort());
  expect(handled.reduce((a, b) => a + b, 0)).toBe(emails.length);
  expect(handled[0]! + handled[2]!).toBeGreaterThan(0);
  expect(handled[1]! + handled[3]!).toBeGreaterThan(0);
  const rows = await db('outbox').whereIn('to_address', emails).select('status', 'attempts', 'sealed_body');
  expect(rows.map((r) => [r.status, r.attempts, r.sealed_body])).toEqual(emails.map(() => ['sent', 1, null]));
  // Nothing due is left: another run finds nothing.
  expect(await one.runOnce()).toBe(0);
});

it('a claim whose sender died mid-send comes back after the lease, and the late sender cannot undo it', async () => {
  // A relay that accepts the connection and never greets: the first sender hangs in its send, as one
  // that crashed or lost its machine would leave its claim.
  const sockets: Socket[] = [];
  const silent: Server = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const email = `lease-${Date.now()}@contoso.example`;
  try {
    await queue([email]);
    const stuck = createMailWorker(
      { db, outbox, transport: smtpTransport(`smtp://127.0.0.1:${(silent.address() as AddressInfo).port}`, { greetingTimeoutMs: 5_000 }), clock, logger },
      { leaseMs: LEASE_MS },
    );
    const taker = createMailWorker({ db: otherDb, outbox, transport: smtpTransport(), clock, logger }, { leaseMs: LEASE_MS });
    const stuckRun = stuck.runOnce();
    for (let i = 0; i < 100 && !(await db('outbox').where({ to_address: email, status: 'sending' }).first()); i++) await new Promise((r) => setTimeout(r, 20));
    const claimed = await db('outbox').where({ to_address: email }).first();
    expect([claimed.status, claimed.attempts]).toEqual(['sending', 1]);

    // Within the lease the claim is respected: the other worker leaves the row alone.
    clock.advance(LEASE_MS - 10_000);
    await taker.runOnce();
    expect(recipientsAt(smtp)).not.toContain(email);

    // Past it, the row is claimed again and sent.
    clock.advance(20_000);
    expect(await taker.runOnce()).toBe(1);
    await smtp.waitForMail(email);
    const sent = await db('outbox').where({ to_address: email }).first();
    expect([sent.status, sent.attempts, sent.sealed_body]).toEqual(['sent', 2, null]);

    // The first sender's send fails at last (no greeting); its "retry later" must not touch the row
    // the other worker sent.
    await stuckRun;
    const after = await db('outbox').where({ to_address: email }).first();
    expect([after.status, after.attempts, after.last_error]).toEqual(['sent', 2, null]);
    expect(recipientsAt(smtp).filter((address) => address === email)).toHaveLength(1);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  }
}, 30_000);
