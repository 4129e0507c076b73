// The console's view of the outbox: what was sent, what waits, what failed; "retry now".
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
}

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
  };
}
