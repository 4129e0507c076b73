// The one place a signed-in session is created, checked and ended, for clients (contacts) and staff
// alike. Every sign-in method ends here: the session id is regenerated (no fixation), a server-side
// auth_sessions row is written (so sessions can be ended whatever the session store is), the last
// sign-in is updated and an audit event recorded.
import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import type { AuditService } from '../audit/service.js';
import type { Db } from '../db/index.js';
import type { Contact } from '../directory/service.js';
import { requestLocale } from '../i18n/index.js';
import { randomToken } from '../lib/crypto.js';
import type { Clock } from '../lib/clock.js';
import type { SignedInAs } from '../http/session-data.js';
import { sessions } from '../http/sessions.js';
import type { SettingsService } from '../settings/service.js';
import type { Staff } from '../staff/service.js';

export type SignInMethod = 'email_link' | 'email_code' | 'magic_link' | 'microsoft' | 'jwt' | 'account_switch';
export type SubjectKind = 'contact' | 'staff';

// Staff sessions: fixed server-side limits. Client sessions follow the console's session policy.
export const STAFF_IDLE_MS = 12 * 3_600_000;
export const STAFF_ABSOLUTE_MS = 7 * 24 * 3_600_000;
// last_seen_at is written at most this often, so a page view is not a database write.
const TOUCH_EVERY_MS = 60_000;

const subjects = {
  contact: { table: 'contacts', column: 'contact_id', isDisabled: (row: Contact) => row.status === 'disabled' },
  staff: { table: 'staff', column: 'staff_id', isDisabled: (row: Staff) => row.disabled },
} as const;

type SubjectRow<K extends SubjectKind> = K extends 'contact' ? Contact : Staff;

export interface SignInService {
  /** `accounts`: other contacts of the same proven address this session may switch to. */
  signIn<K extends SubjectKind>(req: Request, kind: K, subject: SubjectRow<K>, method: SignInMethod, accounts?: { email: string; contactIds: number[] }): Promise<void>;
  /** The subject behind this request's session, or undefined (an ended session is then forgotten). */
  current<K extends SubjectKind>(req: Request, kind: K): Promise<SubjectRow<K> | undefined>;
  signOut(req: Request): Promise<void>;
  /** Ends every session of a contact or staff member (disable, "sign out everywhere"). */
  revokeAll(kind: SubjectKind, id: number, db?: Db): Promise<number>;
}

export function createSignInService(deps: { db: Db; clock: Clock; audit: AuditService; settings: SettingsService }): SignInService {
  const { db, clock, audit, settings } = deps;

  async function limits(kind: SubjectKind) {
    if (kind === 'staff') return { idleMs: STAFF_IDLE_MS, absoluteMs: STAFF_ABSOLUTE_MS, rememberMs: undefined };
    const policy = await settings.get('session_policy');
    return { idleMs: policy.idleMinutes * 60_000, absoluteMs: policy.absoluteHours * 3_600_000, rememberMs: policy.mode === 'remember' ? policy.rememberDays * 86_400_000 : undefined };
  }

  return {
    async signIn(req, kind, subject, method, accounts) {
      const now = clock.now();
      const authSessionId = randomUUID();
      const { table, column } = subjects[kind];
      await db.transaction(async (trx) => {
        await trx('auth_sessions').insert({
          id: authSessionId,
          kind,
          [column]: subject.id,
          method,
          ip: req.ip ?? null,
          user_agent: req.get('user-agent')?.slice(0, 500) ?? null,
          created_at: now,
          last_seen_at: now,
        });
        const changes: Record<string, unknown> = { last_sign_in_at: now, updated_at: now };
        if (kind === 'contact' && (subject as Contact).status === 'invited') changes.status = 'active';
        // The contact's language for mails sent to them later (magic links, invitations).
        if (kind === 'contact') changes.locale = requestLocale(req);
        await trx(table).where({ id: subject.id }).update(changes);
        await audit.record({ action: 'signin.success', actor: { type: kind, id: subject.id }, subject: { type: kind, id: subject.id }, ip: req.ip, userAgent: req.get('user-agent'), detail: { method } }, trx);
      });
      const returnTo = req.session.returnTo;
      await sessions.regenerate(req);
      if (returnTo) req.session.returnTo = returnTo;
      // A new CSRF token with the new session: one known before the sign-in is worthless after it.
      req.session.csrfToken = randomToken(32);
      const signedIn: SignedInAs = { kind, authSessionId, id: subject.id, method, at: now.getTime() };
      req.session.signedIn = signedIn;
      // "Remember me for N days" keeps the cookie across browser restarts; otherwise it ends with the browser.
      const { rememberMs } = await limits(kind);
      if (rememberMs) sessions.rememberFor(req, rememberMs);
      if (accounts && accounts.contactIds.length > 1) req.session.accounts = accounts;
      await sessions.save(req);
    },

    async current(req, kind) {
      const signedIn = req.session?.signedIn;
      if (!signedIn || signedIn.kind !== kind) return undefined;
      const { table, column, isDisabled } = subjects[kind];
      const now = clock.now();
      const row = await db('auth_sessions')
        .join(table, `${table}.id`, `auth_sessions.${column}`)
        .where('auth_sessions.id', signedIn.authSessionId)
        .first(`${table}.*`, 'auth_sessions.revoked_at as session_revoked_at', 'auth_sessions.last_seen_at as session_last_seen_at', 'auth_sessions.created_at as session_created_at');
      const { idleMs, absoluteMs } = await limits(kind);
      const ended =
        !row ||
        row.session_revoked_at ||
        isDisabled(row) ||
        now.getTime() - new Date(row.session_last_seen_at).getTime() > idleMs ||
        now.getTime() - new Date(row.session_created_at).getTime() > absoluteMs;
      if (ended) {
        delete req.session.signedIn;
        return undefined;
      }
      if (now.getTime() - new Date(row.session_last_seen_at).getTime() > TOUCH_EVERY_MS) {
        await db('auth_sessions').where({ id: signedIn.authSessionId }).update({ last_seen_at: now });
      }
      const { session_revoked_at: _r, session_last_seen_at: _l, session_created_at: _c, ...subject } = row;
      return subject;
    },

    async signOut(req) {
      const signedIn = req.session?.signedIn;
      if (signedIn) {
        await db('auth_sessions').where({ id: signedIn.authSessionId }).whereNull('revoked_at').update({ revoked_at: clock.now() });
        await audit.record({ action: 'signout', actor: { type: signedIn.kind, id: signedIn.id }, ip: req.ip, userAgent: req.get('user-agent') });
      }
      await sessions.destroy(req);
    },

    async revokeAll(kind, id, database = db) {
      return database('auth_sessions').where({ [subjects[kind].column]: id }).whereNull('revoked_at').update({ revoked_at: clock.now() });
    },
  };
}

/** A returnTo value is honoured only when it is a path on this site. */
export function safeReturnTo(value: unknown): string | undefined {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return undefined;
  try {
    const url = new URL(value, 'http://portico.invalid');
    const path = url.pathname + url.search;
    // Check the normalized result as well: "/.//evil.example" normalizes to "//evil.example".
    return url.origin === 'http://portico.invalid' && !path.startsWith('//') && !path.includes('\\') ? path : undefined;
  } catch {
    return undefined;
  }
}
