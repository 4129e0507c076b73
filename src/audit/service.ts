// Append-only audit trail: who did what to whom, from where. The table itself refuses changes.
import type { Knex } from 'knex';
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

export interface AuditRow {
  id: number;
  at: Date;
  actor_type: ActorType;
  actor_id: number | null;
  actor_label: string | null;
  /** The actor's name and address as they are now (a staff member or contact), for people to read. */
  actor_name: string | null;
  actor_email: string | null;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  subject_label: string | null;
  subject_name: string | null;
  subject_email: string | null;
  ip: string | null;
  detail: Record<string, unknown>;
}

export interface AuditFilter {
  contactId?: number;
  staffId?: number;
  /** Events by or about any of these contacts or staff members (a search by name or address); none: no events. */
  people?: { contactIds: number[]; staffIds: number[] };
  action?: string;
  page?: number;
  pageSize?: number;
}

export interface AuditService {
  record(event: AuditEvent, db?: Db): Promise<void>;
  /** The insert of record(), not yet run: for a caller that writes it as part of one statement (sign-in.ts,
   * the email-token request). */
  recordStatement(event: AuditEvent, db?: Db): Knex.QueryBuilder;
  /** Newest first; a contact filter matches events by or about that contact. */
  list(filter: AuditFilter): Promise<{ items: AuditRow[]; page: number; pageSize: number; total: number; pages: number }>;
  actions(): Promise<string[]>;
}

export function createAuditService(deps: { db: Db; clock: Clock }): AuditService {
  const recordStatement = (event: AuditEvent, db: Db = deps.db) =>
    db('audit_events').insert({
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

  return {
    async record(event, db) {
      await recordStatement(event, db);
    },

    recordStatement,

    async list({ contactId, staffId, people, action, page = 1, pageSize = 50 }) {
      const db = deps.db;
      const base = db('audit_events as e').modify((q) => {
        if (contactId)
          q.where((w) =>
            w.where({ 'e.actor_type': 'contact', 'e.actor_id': contactId }).orWhere({ 'e.subject_type': 'contact', 'e.subject_id': String(contactId) }),
          );
        if (staffId) q.where({ 'e.actor_type': 'staff', 'e.actor_id': staffId });
        if (people)
          q.where((w) => {
            // An empty list must match nothing (a search that found nobody), never everything.
            w.whereRaw('false');
            const about = (type: string, ids: number[]) => {
              if (!ids.length) return;
              w.orWhere((x) => x.where('e.actor_type', type).whereIn('e.actor_id', ids));
              w.orWhere((x) => x.where('e.subject_type', type).whereIn('e.subject_id', ids.map(String)));
            };
            about('contact', people.contactIds);
            about('staff', people.staffIds);
          });
        if (action) q.where('e.action', action);
      });
      const [{ n }] = await base.clone().count({ n: '*' });
      const items = await base
        .clone()
        .select(
          'e.*',
          db.raw(
            `case e.actor_type
               when 'staff' then (select name from staff s where s.id = e.actor_id)
               when 'contact' then (select email from contacts c where c.id = e.actor_id)
             end as actor_label`,
          ),
          db.raw(
            `case e.subject_type
               when 'contact' then (select email from contacts c where c.id::text = e.subject_id)
               when 'company' then (select name from companies c where c.id::text = e.subject_id)
               when 'staff' then (select email from staff s where s.id::text = e.subject_id)
             end as subject_label`,
          ),
          db.raw(
            `case e.actor_type
               when 'staff' then (select name from staff s where s.id = e.actor_id)
               when 'contact' then (select trim(first_name || ' ' || last_name) from contacts c where c.id = e.actor_id)
             end as actor_name`,
          ),
          db.raw(
            `case e.actor_type
               when 'staff' then (select email from staff s where s.id = e.actor_id)
               when 'contact' then (select email from contacts c where c.id = e.actor_id)
             end as actor_email`,
          ),
          db.raw(
            `case e.subject_type
               when 'contact' then (select trim(first_name || ' ' || last_name) from contacts c where c.id::text = e.subject_id)
               when 'company' then (select name from companies c where c.id::text = e.subject_id)
               when 'staff' then (select name from staff s where s.id::text = e.subject_id)
             end as subject_name`,
          ),
          db.raw(
            `case e.subject_type
               when 'contact' then (select email from contacts c where c.id::text = e.subject_id)
               when 'staff' then (select email from staff s where s.id::text = e.subject_id)
             end as subject_email`,
          ),
        )
        .orderBy('e.id', 'desc')
        .limit(pageSize)
        .offset((page - 1) * pageSize);
      return { items, page, pageSize, total: Number(n), pages: Math.max(1, Math.ceil(Number(n) / pageSize)) };
    },

    async actions() {
      const rows = await deps.db('audit_events').distinct('action').orderBy('action');
      return rows.map((r) => r.action);
    },
  };
}

/** An integration acting through a User API key (src/api). */
export interface ApiKeyActor {
  id: number;
  name: string;
}

/**
 * Who did it, for services that act for staff and for the User API: a staff member, or, for an API
 * key, a system actor whose detail names the key (an API key is no person, but must be traceable).
 */
export function attributed(
  staffId: number | null,
  apiKey: ApiKeyActor | undefined,
  detail: Record<string, unknown> = {},
): Pick<AuditEvent, 'actor' | 'detail'> {
  return apiKey
    ? { actor: { type: 'system' }, detail: { ...detail, apiKey: apiKey.name, apiKeyId: apiKey.id } }
    : { actor: { type: 'staff', id: staffId }, detail };
}
