// Sends queued mail. Every instance (and with WEB_CONCURRENCY its supervisor) runs one; they share the
// outbox safely:
// - Rows are claimed in batches with FOR UPDATE SKIP LOCKED: two workers never claim the same row, and
//   neither waits for the other's locks.
// - A claim is a lease: status 'sending' with claimed_at. A row whose sender died mid-send (crash,
//   kill -9, a lost machine) is claimed again once the lease has run out, so no mail is lost; it may
//   then go out twice, which beats never (the message keeps its Message-ID, see mime.ts).
// - Every later update of a claimed row names the claim (claimed_at): a sender that outlived its
//   lease cannot undo the claim of the worker that took the row over.
// - Mails are sent while the next rows are claimed: up to batchSize in flight, spread over the SMTP
//   pool's connections (SMTP_POOL_SIZE), and marked sent in one update per batch of completions.
// A failed send is retried with exponential backoff and keeps its last error for the console.
import type { Db } from '../db/index.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Outbox } from './outbox.js';
import type { MailTransport } from './transport.js';

export interface MailWorkerOptions {
  pollMs?: number;
  /** Rows claimed at once, and the most mails in flight. */
  batchSize?: number;
  maxAttempts?: number;
  /** A claim older than this is taken to belong to a process that died mid-send (the lease). Longer
   * than a send can take: connect and greeting limits plus the socket limit (transport.ts), twice. */
  leaseMs?: number;
  /** Wake-ups (one per mail queued) within this many ms share one run, so at a few hundred sign-ins a
   * second several mails come with one claim instead of each costing a claim query of its own. */
  wakeCoalesceMs?: number;
}

export interface MailWorker {
  start(): void;
  /** Sends what is due now; resolves with the number of mails handled. */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

export function backoffMs(attempts: number): number {
  return Math.min(5_000 * 2 ** Math.max(0, attempts - 1), 3_600_000);
}

interface ClaimedRow {
  id: string;
  to_address: string;
  subject: string;
  sealed_body: string | null;
  attempts: number;
  discard_after: Date | null;
  claimed_at: Date;
}

export function createMailWorker(
  deps: { db: Db; outbox: Outbox; transport: MailTransport; clock: Clock; logger: Logger },
  options: MailWorkerOptions = {},
): MailWorker {
  const { pollMs = 2_000, batchSize = 100, maxAttempts = 12, leaseMs = 5 * 60_000, wakeCoalesceMs = 10 } = options;
  const log = deps.logger.child({ component: 'mail-worker' });
  let timer: NodeJS.Timeout | undefined;
  let wakeTimer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let queued: Promise<number> | undefined;
  // Not started: runOnce still drains the queue (tests, shutdown). Stopped: runs end after what is in flight.
  let started = false;
  let stopped = false;

  async function claim(limit: number): Promise<ClaimedRow[]> {
    const now = deps.clock.now();
    const leaseExpiredBefore = new Date(now.getTime() - leaseMs);
    const result = await deps.db.raw(
      `update outbox set status = 'sending', claimed_at = ?, attempts = attempts + 1
        where id in (
          select id from outbox
           where (status = 'pending' and next_attempt_at <= ?) or (status = 'sending' and claimed_at < ?)
           order by id limit ? for update skip locked)
        returning id, to_address, subject, sealed_body, attempts, discard_after, claimed_at`,
      [now, now, leaseExpiredBefore, limit],
    );
    return result.rows;
  }

  /** This claim of the row, and no later one. */
  const claimed = (row: ClaimedRow) => deps.db('outbox').where({ id: row.id, status: 'sending', claimed_at: row.claimed_at });

  /** Sends one mail; returns true when it went out or was logged (the caller marks those in one update). */
  async function deliver(row: ClaimedRow): Promise<boolean> {
    const now = deps.clock.now();
    if (!row.sealed_body || (row.discard_after && row.discard_after < now)) {
      await claimed(row).update({ status: 'discarded', sealed_body: null, last_error: 'expired before it could be sent' });
      return false;
    }
    try {
      const body = deps.outbox.open(row.sealed_body);
      await deps.transport.send({ ...body, to: row.to_address, subject: row.subject });
      return true;
    } catch (error) {
      const message = (error as Error).message?.slice(0, 500) ?? String(error);
      const giveUp = row.attempts >= maxAttempts;
      await claimed(row).update({
        status: giveUp ? 'failed' : 'pending',
        last_error: message,
        next_attempt_at: new Date(now.getTime() + backoffMs(row.attempts)),
      });
      log.warn({ outboxId: row.id, attempts: row.attempts, err: message }, giveUp ? 'mail failed; giving up' : 'mail failed; will retry');
      return false;
    }
  }

  // Without SMTP the mail only went to the log: "logged", with no sent time, so nobody reads it as delivered.
  const done = () => (deps.transport.kind === 'smtp' ? { status: 'sent', sent_at: deps.clock.now() } : { status: 'logged', sent_at: null });

  async function markSent(rows: ClaimedRow[]) {
    if (!rows.length) return;
    await deps
      .db('outbox')
      .whereIn(
        ['id', 'claimed_at'],
        rows.map((row) => [row.id, row.claimed_at]),
      )
      .where({ status: 'sending' })
      .update({ ...done(), sealed_body: null, last_error: null });
  }

  async function drain(): Promise<number> {
    let handled = 0;
    const inFlight = new Set<Promise<void>>();
    const sent: ClaimedRow[] = [];
    let marking: Promise<void> = Promise.resolve();
    // Marks what has gone out so far, one update at a time, in the order sent.
    const markSentSoFar = () => {
      const rows = sent.splice(0);
      marking = marking.then(() => markSent(rows));
      return marking;
    };
    try {
      for (;;) {
        const room = batchSize - inFlight.size;
        const rows = await claim(room);
        handled += rows.length;
        for (const row of rows) {
          const sending: Promise<void> = deliver(row)
            .then(
              (ok) => void (ok && sent.push(row)),
              // Only the outbox update after a failed send can throw here: the row's lease brings it back.
              (error: unknown) => log.error({ err: error, outboxId: row.id }, 'could not record a failed send'),
            )
            .finally(() => inFlight.delete(sending));
          inFlight.add(sending);
        }
        // Fewer rows than asked for: nothing more is due now. On stop, the rows in flight are
        // finished, not the whole queue: the rest waits in the outbox.
        if (rows.length < room || stopped) break;
        // Claim more once half the window is free, so the pool never runs dry while the next rows come.
        while (inFlight.size > batchSize / 2) await Promise.race(inFlight);
        void markSentSoFar().catch(() => undefined); // a failure is seen (and thrown) by the final await
      }
    } finally {
      await Promise.all(inFlight);
      await markSentSoFar();
    }
    return handled;
  }

  // The promise returned covers a whole run that starts after the call: a run already in progress
  // may have claimed its rows before the caller's mail was due, so one more is queued behind it.
  function runOnce(): Promise<number> {
    if (running) {
      queued ??= running.then(() => {
        queued = undefined;
        return stopped ? 0 : runOnce();
      });
      return queued;
    }
    running = drain()
      .catch((error) => {
        log.error({ err: error }, 'outbox run failed');
        return 0;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  }

  function schedule() {
    if (stopped) return;
    timer = setTimeout(async () => {
      await runOnce();
      schedule();
    }, pollMs);
  }

  deps.outbox.onNotify(() => {
    if (!started || stopped || wakeTimer) return;
    wakeTimer = setTimeout(() => {
      wakeTimer = undefined;
      void runOnce();
    }, wakeCoalesceMs);
  });

  return {
    start() {
      if (started) return;
      started = true;
      stopped = false;
      void runOnce();
      schedule();
    },
    runOnce,
    async stop() {
      stopped = true;
      started = false;
      clearTimeout(timer);
      clearTimeout(wakeTimer);
      wakeTimer = undefined;
      await running;
    },
  };
}
