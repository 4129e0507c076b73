// The console's view of the outbox: what was sent, what was only logged (no SMTP_URL), what waits,
// what failed; "retry now"; and what became of one mail (the test mail reports it).
import type { Db } from '../db/index.js';
import type { Clock } from '../lib/clock.js';
import { AppError, NotFoundError } from '../lib/errors.js';
import type { Outbox } from './outbox.js';

export interface OutboxRow {
  id: number;
  to_address: string;
  template: string;
  subject: string;
  status: string;
  attempts: number;
  last_error: string | null;
  next_attempt_at: Date;
  sent_at: Date | null;
  created_at: Date;
}

/** Every status a row can have; `logged`: written to the server output because no SMTP_URL is set, never delivered. */
export const OUTBOX_STATUSES = ['pending', 'sending', 'sent', 'logged', 'failed', 'discarded'] as const;

/** What became of one mail, as far as is known when asked. */
export type MailOutcome =
  | { kind: 'sent' | 'logged' | 'discarded' }
  | { kind: 'failed'; error: string; willRetry: boolean }
  /** Still waiting for its first try when the wait ended. */
  | { kind: 'waiting' };

export interface OutboxAdmin {
  list(query: {
    status?: string;
    page?: number;
    pageSize?: number;
  }): Promise<{ items: OutboxRow[]; page: number; pageSize: number; total: number; pages: number }>;
  /** Makes a waiting or failed mail due now. */
  retry(id: number): Promise<void>;
  /** Mail not sent yet: waiting for its first or next attempt, or failed for good. */
  waitingCount(): Promise<number>;
  /** Mail that went to the log only, because no SMTP_URL is set. */
  loggedCount(): Promise<number>;
  /** Waits (at most timeoutMs) until the mail has been tried once, and says how that went. */
  outcome(id: number, timeoutMs: number): Promise<MailOutcome>;
}

const POLL_MS = 100;

export function createOutboxAdmin(deps: { db: Db; clock: Clock; outbox: Outbox }): OutboxAdmin {
  const { db } = deps;
  return {
    async list({ status, page = 1, pageSize = 50 }) {
      const base = db('outbox').modify((q) => {
        if (status) q.where({ status });
      });
      const [{ n }] = await base.clone().count({ n: '*' });
      const items = await base
        .clone()
        .select('id', 'to_address', 'template', 'subject', 'status', 'attempts', 'last_error', 'next_attempt_at', 'sent_at', 'created_at')
        .orderBy('id', 'desc')
        .limit(pageSize)
        .offset((page - 1) * pageSize);
      return { items, page, pageSize, total: Number(n), pages: Math.max(1, Math.ceil(Number(n) / pageSize)) };
    },
    async retry(id) {
      const row = await db('outbox').where({ id }).first('status', 'sealed_body');
      if (!row) throw new NotFoundError('This mail is not in the outbox.');
      if (!['pending', 'failed'].includes(row.status) || !row.sealed_body)
        throw new AppError(409, `This mail is ${row.status}; only waiting or failed mail can be retried.`);
      // Conditional: a row the worker claimed in the meantime is left alone.
      await db('outbox').where({ id }).whereIn('status', ['pending', 'failed']).update({ status: 'pending', next_attempt_at: deps.clock.now() });
      deps.outbox.notify();
    },
    async waitingCount() {
      const [{ n }] = await db('outbox').whereIn('status', ['pending', 'failed']).count({ n: '*' });
      return Number(n);
    },
    async loggedCount() {
      const [{ n }] = await db('outbox').where({ status: 'logged' }).count({ n: '*' });
      return Number(n);
    },
    // Read from the row, not from the worker in this process: the worker may run in another one.
    async outcome(id, timeoutMs) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const row = await db('outbox').where({ id }).first('status', 'last_error');
        if (!row) throw new NotFoundError('This mail is not in the outbox.');
        if (row.status === 'sent' || row.status === 'logged' || row.status === 'discarded') return { kind: row.status };
        if (row.status === 'failed' || (row.status === 'pending' && row.last_error))
          return { kind: 'failed', error: row.last_error ?? 'unknown error', willRetry: row.status === 'pending' };
        if (Date.now() >= until) return { kind: 'waiting' };
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    },
  };
}
