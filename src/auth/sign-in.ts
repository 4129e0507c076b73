// The one place a signed-in session is created, checked and ended. Every sign-in method ends here:
// the session id is regenerated (no fixation), a server-side auth_sessions row is written (so a
// technician can end it whatever the session store is), the contact's last sign-in is updated and an
// audit event recorded.
import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import type { AuditService } from '../audit/service.js';
import type { Db } from '../db/index.js';
import type { Contact } from '../directory/service.js';
import type { Clock } from '../lib/clock.js';
import type { SignedInAs } from '../http/session-data.js';

export type SignInMethod = 'email_link' | 'email_code' | 'magic_link' | 'microsoft' | 'jwt';

// Server-side limits, enforced whatever the cookie says.
export const SESSION_IDLE_MS = 12 * 3_600_000;
export const SESSION_ABSOLUTE_MS = 7 * 24 * 3_600_000;
// last_seen_at is written at most this often, so a page view is not a database write.
const TOUCH_EVERY_MS = 60_000;

export interface SignInService {
  signInContact(req: Request, contact: Contact, method: SignInMethod): Promise<void>;
  /** The contact behind this request's session, or undefined (and the session is then cleared). */
  currentContact(req: Request): Promise<Contact | undefined>;
  signOut(req: Request): Promise<void>;
  /** Ends every session of a contact (disable, "sign out everywhere"). */
  revokeContactSessions(contactId: number, db?: Db): Promise<number>;
}

export function createSignInService(deps: { db: Db; clock: Clock; audit: AuditService }): SignInService {
  const { db, clock, audit } = deps;

  async function regenerate(req: Request): Promise<void> {
    const keep = { returnTo: req.session.returnTo };
    await new Promise<void>((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
    if (keep.returnTo) req.session.returnTo = keep.returnTo;
  }

  async function save(req: Request): Promise<void> {
    await new Promise<void>((resolve, reject) => req.session.save((err) => (err ? reject(err) : resolve())));
  }

  async function forget(req: Request): Promise<void> {
    await new Promise<void>((resolve, reject) => req.session.destroy((err) => (err ? reject(err) : resolve())));
  }

  return {
    async signInContact(req, contact, method) {
      const now = clock.now();
      const authSessionId = randomUUID();
      await db.transaction(async (trx) => {
        await trx('auth_sessions').insert({
          id: authSessionId,
          kind: 'contact',
          contact_id: contact.id,
          method,
          ip: req.ip ?? null,
          user_agent: req.get('user-agent')?.slice(0, 500) ?? null,
          created_at: now,
          last_seen_at: now,
        });
        await trx('contacts')
          .where({ id: contact.id })
          .update({ last_sign_in_at: now, status: contact.status === 'invited' ? 'active' : contact.status, updated_at: now });
        await audit.record(
          { action: 'signin.success', actor: { type: 'contact', id: contact.id }, subject: { type: 'contact', id: contact.id }, ip: req.ip, userAgent: req.get('user-agent'), detail: { method } },
          trx,
        );
      });
      await regenerate(req);
      const signedIn: SignedInAs = { kind: 'contact', authSessionId, id: contact.id, method, at: now.getTime() };
      req.session.signedIn = signedIn;
      await save(req);
    },

    async currentContact(req) {
      const signedIn = req.session?.signedIn;
      if (!signedIn || signedIn.kind !== 'contact') return undefined;
      const now = clock.now();
      const row = await db('auth_sessions')
        .join('contacts', 'contacts.id', 'auth_sessions.contact_id')
        .where('auth_sessions.id', signedIn.authSessionId)
        .first('contacts.*', 'auth_sessions.revoked_at as session_revoked_at', 'auth_sessions.last_seen_at as session_last_seen_at', 'auth_sessions.created_at as session_created_at');
      const expired =
        !row ||
        row.session_revoked_at ||
        row.status === 'disabled' ||
        now.getTime() - new Date(row.session_last_seen_at).getTime() > SESSION_IDLE_MS ||
        now.getTime() - new Date(row.session_created_at).getTime() > SESSION_ABSOLUTE_MS;
      if (expired) {
        delete req.session.signedIn;
        return undefined;
      }
      if (now.getTime() - new Date(row.session_last_seen_at).getTime() > TOUCH_EVERY_MS) {
        await db('auth_sessions').where({ id: signedIn.authSessionId }).update({ last_seen_at: now });
      }
      const { session_revoked_at: _r, session_last_seen_at: _l, session_created_at: _c, ...contact } = row;
      return contact as Contact;
    },

    async signOut(req) {
      const signedIn = req.session?.signedIn;
      if (signedIn) {
        await db('auth_sessions').where({ id: signedIn.authSessionId }).whereNull('revoked_at').update({ revoked_at: clock.now() });
        await audit.record({ action: 'signout', actor: { type: signedIn.kind, id: signedIn.id }, ip: req.ip, userAgent: req.get('user-agent') });
      }
      if (req.session) await forget(req);
    },

    async revokeContactSessions(contactId, database = db) {
      return database('auth_sessions').where({ contact_id: contactId }).whereNull('revoked_at').update({ revoked_at: clock.now() });
    },
  };
}

/** A returnTo value is honoured only when it is a path on this site. */
export function safeReturnTo(value: unknown): string | undefined {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return undefined;
  try {
    const url = new URL(value, 'http://portico.invalid');
    return url.origin === 'http://portico.invalid' ? url.pathname + url.search : undefined;
  } catch {
    return undefined;
  }
}
