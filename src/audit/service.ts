// Append-only audit trail: who did what to whom, from where. The table itself refuses changes.
import type { Db } from '../db/index.js';
import type { Clock } from '../lib/clock.js';

export type ActorType = 'contact' | 'staff' | 'system' | 'anonymous';

export interface AuditEvent {
  action: string;
  actor?: { type: ActorType; id?: number | null };
  subject?: { type: string; id: string | number };
  ip?: string | null;
  userAgent?: string | null;
  detail?: Record<string, unknown>;
}

export interface AuditService {
  record(event: AuditEvent, db?: Db): Promise<void>;
}

export function createAuditService(deps: { db: Db; clock: Clock }): AuditService {
  return {
    async record(event, db = deps.db) {
      await db('audit_events').insert({
        at: deps.clock.now(),
        actor_type: event.actor?.type ?? 'anonymous',
        actor_id: event.actor?.id ?? null,
        action: event.action,
        subject_type: event.subject?.type ?? null,
        subject_id: event.subject ? String(event.subject.id) : null,
        ip: event.ip ?? null,
        user_agent: event.userAgent?.slice(0, 500) ?? null,
        detail: JSON.stringify(event.detail ?? {}),
      });
    },
  };
}
