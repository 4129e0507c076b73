// Sends queued mail. Rows are claimed with FOR UPDATE SKIP LOCKED, so several instances can share one
// database without sending a mail twice; a failed send is retried with exponential backoff and keeps
// its last error for the console.
import type { Db } from '../db/index.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Outbox } from './outbox.js';
import type { MailTransport } from './transport.js';

export interface MailWorkerOptions {
  pollMs?: number;
  batchSize?: number;
  maxAttempts?: number;
  /** A claim older than this is taken to belong to a process that died mid-send. */
  staleClaimMs?: number;
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

export function createMailWorker(
  deps: { db: Db; outbox: Outbox; transport: MailTransport; clock: Clock; logger: Logger },
  options: MailWorkerOptions = {},
): MailWorker {
  const { pollMs = 2_000, batchSize = 50, maxAttempts = 12, staleClaimMs = 5 * 60_000 } = options;
  const log = deps.logger.child({ component: 'mail-worker' });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let queued: Promise<number> | undefined;
  let stopped = true;

  async function claim() {
    const now = deps.clock.now();
    const staleBefore = new Date(now.getTime() - staleClaimMs);
    const result = await deps.db.raw(
      `update outbox set status = 'sending', claimed_at = ?, attempts = attempts + 1
        where id in (
          select id from outbox
           where (status = 'pending' and next_attempt_at <= ?) or (status = 'sending' and claimed_at < ?)
           order by id limit ? for update skip locked)
        returning id, to_address, subject, sealed_body, attempts, discard_after`,
      [now, now, staleBefore, batchSize],
    );
    return result.rows as Array<{ id: string; to_address: string; subject: string; sealed_body: string | null; attempts: number; discard_after: Date | null }>;
  }

  /** Sends one mail; returns true when it went out or was logged (the caller marks those in one update). */
  async function deliver(row: Awaited<ReturnType<typeof claim>>[number]): Promise<boolean> {
    const now = deps.clock.now();
    if (!row.sealed_body || (row.discard_after && row.discard_after < now)) {
      await deps.db('outbox').where({ id: row.id }).update({ status: 'discarded', sealed_body: null, last_error: 'expired before it could be sent' });
      return false;
    }
    try {
      const body = deps.outbox.open(row.sealed_body);
      await deps.transport.send({ ...body, to: row.to_address, subject: row.subject });
      return true;
    } catch (error) {
      const message = (error as Error).message?.slice(0, 500) ?? String(error);
      const giveUp = row.attempts >= maxAttempts;
      await deps
        .db('outbox')
        .where({ id: row.id })
        .update({ status: giveUp ? 'failed' : 'pending', last_error: message, next_attempt_at: new Date(now.getTime() + backoffMs(row.attempts)) });
      log.warn({ outboxId: row.id, attempts: row.attempts, err: message }, giveUp ? 'mail failed; giving up' : 'mail failed; will retry');
      return false;
    }
  }

  async function drain(): Promise<number> {
    let handled = 0;
    for (;;) {
      const rows = await claim();
      const results = await Promise.all(rows.map(deliver));
      const sent = rows.filter((_, i) => results[i]).map((r) => r.id);
      // Without SMTP the mail only went to the log: "logged", with no sent time, so nobody reads it as delivered.
      const done = deps.transport.kind === 'smtp' ? { status: 'sent', sent_at: deps.clock.now() } : { status: 'logged', sent_at: null };
      if (sent.length)
        await deps
          .db('outbox')
          .whereIn('id', sent)
          .update({ ...done, sealed_body: null, last_error: null });
      handled += rows.length;
      // On stop, finish the batch in flight, not the whole queue: the rest waits in the outbox.
      if (rows.length < batchSize || stopped) return handled;
    }
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
    if (!stopped) void runOnce();
  });

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      void runOnce();
      schedule();
    },
    runOnce,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
