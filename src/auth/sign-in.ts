// The one place a signed-in session is created, checked and ended, for clients (contacts) and staff
// alike. Every sign-in method ends here: the session id is regenerated (no fixation), a server-side
// auth_sessions row is written (so sessions can be ended whatever the session store is), the last
// sign-in is updated and an audit event recorded.
import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import type { Knex } from 'knex';
import type { AuditService } from '../audit/service.js';
import type { Db } from '../db/index.js';
import { prepared } from '../db/prepared.js';
import { isUsable, type ContactRepository } from '../directory/contacts-repo.js';
import { requestLocale } from '../i18n/index.js';
import { randomToken } from '../lib/crypto.js';
import type { Clock } from '../lib/clock.js';
import type { SessionEndReason, SignedInAs } from '../http/session-data.js';
import { sessions } from '../http/sessions.js';
import type { SettingsService } from '../settings/service.js';
import type { StaffService } from '../staff/service.js';
import { subjectRow, type SignInSubject, type SubjectKind, type SubjectRow } from './audience.js';
import { offerOpenExpression } from './passkey/repo.js';

export type SignInMethod = 'email_link' | 'email_code' | 'magic_link' | 'microsoft' | 'jwt' | 'account_switch' | 'passkey';
export type { SubjectKind } from './audience.js';

// Staff sessions: server-side limits from the configuration (STAFF_SESSION_IDLE_MINUTES, 30, and
// STAFF_SESSION_ABSOLUTE_HOURS, 12, within ASVS level 2). Client sessions follow the console's session policy.
// last_seen_at is written at most this often, so a page view is not a database write.
const TOUCH_EVERY_MS = 60_000;

// current() reads the session and its subject in one joined query (it runs on every signed-in request,
// once: the brand, the route guard and the page share its answer); a contact comes with its company's
// name and look (portal name, logo, accent: brand/locals.ts), which every portal page shows, and whether
// the home page still offers a passkey (two index probes, cheaper than the round trip of asking apart).
// All writes to these tables go through their owners (contacts-repo, staff service, brand, passkey repo).
const subjects = {
  contact: {
    table: 'contacts',
    column: 'contact_id',
    isDisabled: (row: SubjectRow<'contact'>) => !isUsable(row),
    join: (query: Knex.QueryBuilder, db: Db) =>
      query
        .join('companies', 'companies.id', 'contacts.company_id')
        .leftJoin('company_brands', 'company_brands.company_id', 'companies.id')
        .leftJoin('brand_assets', 'brand_assets.sha256', 'company_brands.logo_sha256')
        .select(
          'companies.name as company_name',
          'companies.portal_name as company_portal_name',
          'company_brands.logo_sha256 as company_logo_sha256',
          'brand_assets.content_type as company_logo_type',
          'company_brands.accent_color as company_accent_color',
          db.raw('? as passkey_offer_open', [offerOpenExpression(db, 'contact', db.ref('contacts.id'))]),
        ),
  },
  staff: { table: 'staff', column: 'staff_id', isDisabled: (row: SubjectRow<'staff'>) => row.disabled, join: (query: Knex.QueryBuilder) => query },
} as const;

/** The signed-in subject as current() reads it: a contact with its company's name and look. */
export type CurrentSubject<K extends SubjectKind> = K extends 'contact'
  ? SubjectRow<'contact'> & {
      company_name: string;
      company_portal_name: string | null;
      company_logo_sha256: string | null;
      company_logo_type: string | null;
      company_accent_color: string | null;
      /** "Add a passkey" is still offered: they have none and did not put it away (passkey/repo.ts). */
      passkey_offer_open: boolean;
    }
  : SubjectRow<K>;

export interface SignInService {
  /** `accounts`: other contacts of the same proven address this session may switch to. */
  signIn(req: Request, subject: SignInSubject, method: SignInMethod, accounts?: { email: string; contactIds: number[] }): Promise<void>;
  /** The subject behind this request's session, or undefined (an ended session is then forgotten). */
  current<K extends SubjectKind>(req: Request, kind: K): Promise<CurrentSubject<K> | undefined>;
  signOut(req: Request): Promise<void>;
  /** Ends every session of a contact or staff member (disable, "sign out everywhere"). */
  revokeAll(kind: SubjectKind, id: number, db?: Db): Promise<number>;
  /** The sessions of a contact or staff member that are not ended, most recently seen first. */
  listSessions(kind: SubjectKind, id: number): Promise<ActiveSession[]>;
  /** Ends one session of theirs; false when they have no such session that is not ended yet. */
  revokeSession(kind: SubjectKind, id: number, authSessionId: string): Promise<boolean>;
  /** Ends all their sessions but one (the one they are using); returns how many were ended. */
  revokeOtherSessions(kind: SubjectKind, id: number, keepAuthSessionId: string): Promise<number>;
}

/** A signed-in session as its owner sees it (the portal's sessions page). */
export interface ActiveSession {
  id: string;
  method: SignInMethod;
  ip: string | null;
  user_agent: string | null;
  created_at: Date;
  last_seen_at: Date;
}

/** A new session id and CSRF token, keeping only returnTo and a console form kept for after a sign-in
 * again (it is shown only to the staff member who typed it, and never applied without them): a session id
 * or token known before (a cookie planted by a sibling subdomain, say) is worthless after it. Called when a
 * sign-in happens, and as soon as an address is proven and the next step (choose an account, create one)
 * is kept in the session. */
export async function renewSession(req: Request): Promise<void> {
  const { returnTo, keptForm } = req.session;
  await sessions.regenerate(req);
  if (returnTo) req.session.returnTo = returnTo;
  if (keptForm) req.session.keptForm = keptForm;
  req.session.csrfToken = randomToken(32);
}

export function createSignInService(deps: {
  db: Db;
  clock: Clock;
  audit: AuditService;
  settings: SettingsService;
  contactRepo: ContactRepository;
  staff: StaffService;
  staffSession: { idleMs: number; absoluteMs: number };
}): SignInService {
  const { db, clock, audit, settings, contactRepo, staff } = deps;

  async function limits(kind: SubjectKind) {
    if (kind === 'staff') return { ...deps.staffSession, rememberMs: undefined };
    const policy = await settings.get('session_policy');
    return {
      idleMs: policy.idleMinutes * 60_000,
      absoluteMs: policy.absoluteHours * 3_600_000,
      rememberMs: policy.mode === 'remember' ? policy.rememberDays * 86_400_000 : undefined,
    };
  }

  // Why a revoked session was ended, from the rows alone: every revocation of a subject's sessions is one
  // UPDATE with one timestamp. When the owner ends this session (or all others) from another device,
  // the session they use there lives on past that instant; "sign out everywhere" (staff, or a disable)
  // leaves none. Only the owner's own browser is told.
  async function howRevoked(kind: SubjectKind, id: number, authSessionId: string, revokedAt: Date): Promise<SessionEndReason> {
    const survivor = await db('auth_sessions')
      .where({ [subjects[kind].column]: id })
      .whereNot({ id: authSessionId })
      .where('created_at', '<=', revokedAt)
      .where((q) => q.whereNull('revoked_at').orWhereNot('revoked_at', revokedAt))
      .first('id');
    return survivor ? 'ended_elsewhere' : 'signed_out_everywhere';
  }

  /** Why this session no longer signs anyone in, or undefined while it still does. */
  async function whyEnded<K extends SubjectKind>(
    kind: K,
    signedIn: SignedInAs,
    row: (SubjectRow<K> & { session_revoked_at: Date | null; session_last_seen_at: Date; session_created_at: Date }) | undefined,
    now: Date,
  ): Promise<SessionEndReason | undefined> {
    if (!row) return 'gone';
    if ((subjects[kind].isDisabled as (r: SubjectRow<K>) => boolean)(row)) return 'disabled';
    if (row.session_revoked_at) return howRevoked(kind, signedIn.id, signedIn.authSessionId, new Date(row.session_revoked_at));
    const { idleMs, absoluteMs } = await limits(kind);
    if (now.getTime() - new Date(row.session_created_at).getTime() > absoluteMs) return 'absolute';
    if (now.getTime() - new Date(row.session_last_seen_at).getTime() > idleMs) return 'idle';
    return undefined;
  }

  // Each request's answer of current(), per kind: asked by several steps of one page, read once.
  // Signing in or out in the request forgets it.
  const currentOf = new WeakMap<Request, Map<SubjectKind, Promise<unknown>>>();

  async function readCurrent<K extends SubjectKind>(req: Request, kind: K): Promise<CurrentSubject<K> | undefined> {
    const signedIn = req.session?.signedIn;
    if (!signedIn || signedIn.kind !== kind) return undefined;
    const { table, column } = subjects[kind];
    const now = clock.now();
    const row = await subjects[kind]
      .join(db('auth_sessions').join(table, `${table}.id`, `auth_sessions.${column}`), db)
      .where('auth_sessions.id', signedIn.authSessionId)
      .options(prepared(`current_${kind}`))
      .first(
        `${table}.*`,
        'auth_sessions.revoked_at as session_revoked_at',
        'auth_sessions.last_seen_at as session_last_seen_at',
        'auth_sessions.created_at as session_created_at',
      );
    const ended = await whyEnded(kind, signedIn, row, now);
    if (ended) {
      delete req.session.signedIn;
      // Told once, on the sign-in page this browser lands on: only to the browser that held the session.
      const { idleMs, absoluteMs } = await limits(kind);
      req.session.sessionEnded = { reason: ended, idleMinutes: Math.round(idleMs / 60_000), absoluteHours: Math.round(absoluteMs / 3_600_000) };
      return undefined;
    }
    if (now.getTime() - new Date(row.session_last_seen_at).getTime() > TOUCH_EVERY_MS) {
      await db('auth_sessions').where({ id: signedIn.authSessionId }).update({ last_seen_at: now });
    }
    const { session_revoked_at: _r, session_last_seen_at: _l, session_created_at: _c, ...subject } = row;
    return subject;
  }

  return {
    async signIn(req, subject, method, accounts) {
      currentOf.delete(req);
      const { kind } = subject;
      const { id } = subjectRow(subject);
      const now = clock.now();
      const authSessionId = randomUUID();
      const { column } = subjects[kind];
      // The session row, the subject's last sign-in and the audit event, written as one statement (the
      // first two as data-modifying CTEs of the audit insert): atomic like a transaction, in one round
      // trip instead of five on the sign-in's path.
      const session = db('auth_sessions').insert({
        id: authSessionId,
        kind,
        [column]: id,
        method,
        ip: req.ip ?? null,
        user_agent: req.get('user-agent')?.slice(0, 500) ?? null,
        created_at: now,
        last_seen_at: now,
      });
      // A contact's language is kept for mails sent to them later (magic links, invitations).
      const lastSignIn = kind === 'contact' ? contactRepo.recordSignIn(id, { at: now, locale: requestLocale(req) }) : staff.recordSignIn(id, now);
      await audit
        .recordStatement({
          action: 'signin.success',
          actor: { type: kind, id },
          subject: { type: kind, id },
          ip: req.ip,
          userAgent: req.get('user-agent'),
          detail: { method },
        })
        .with('session', session)
        .with('last_sign_in', lastSignIn)
        .options(prepared(`sign_in_${kind}`));
      // Switching to another account of an address this session proved is no new proof: the time of the
      // proof carries over, so what needs a recent sign-in (adding a passkey) still asks for one.
      const provedAt = method === 'account_switch' ? req.session.signedIn?.at : undefined;
      await renewSession(req);
      const signedIn: SignedInAs = { kind, authSessionId, id, method, at: provedAt ?? now.getTime() };
      req.session.signedIn = signedIn;
      // "Remember me for N days" keeps the cookie across browser restarts; otherwise it ends with the browser.
      const { rememberMs } = await limits(kind);
      if (rememberMs) sessions.rememberFor(req, rememberMs);
      if (accounts && accounts.contactIds.length > 1) req.session.accounts = accounts;
      await sessions.save(req);
    },

    current(req, kind) {
      let answers = currentOf.get(req);
      if (!answers) currentOf.set(req, (answers = new Map()));
      let answer = answers.get(kind);
      if (!answer) answers.set(kind, (answer = readCurrent(req, kind)));
      return answer as Promise<CurrentSubject<typeof kind> | undefined>;
    },

    async signOut(req) {
      currentOf.delete(req);
      const signedIn = req.session?.signedIn;
      if (signedIn) {
        await db('auth_sessions').where({ id: signedIn.authSessionId }).whereNull('revoked_at').update({ revoked_at: clock.now() });
        await audit.record({ action: 'signout', actor: { type: signedIn.kind, id: signedIn.id }, ip: req.ip, userAgent: req.get('user-agent') });
      }
      await sessions.destroy(req);
    },

    async revokeAll(kind, id, database = db) {
      return database('auth_sessions')
        .where({ [subjects[kind].column]: id })
        .whereNull('revoked_at')
        .update({ revoked_at: clock.now() });
    },

    listSessions(kind, id) {
      return db('auth_sessions')
        .where({ [subjects[kind].column]: id })
        .whereNull('revoked_at')
        .orderBy('last_seen_at', 'desc')
        .select('id', 'ip', 'user_agent', 'created_at', 'last_seen_at', 'method');
    },

    async revokeSession(kind, id, authSessionId) {
      const ended = await db('auth_sessions')
        .where({ id: authSessionId, [subjects[kind].column]: id })
        .whereNull('revoked_at')
        .update({ revoked_at: clock.now() });
      return ended > 0;
    },

    revokeOtherSessions(kind, id, keepAuthSessionId) {
      return db('auth_sessions')
        .where({ [subjects[kind].column]: id })
        .whereNot({ id: keepAuthSessionId })
        .whereNull('revoked_at')
        .update({ revoked_at: clock.now() });
    },
  };
}
