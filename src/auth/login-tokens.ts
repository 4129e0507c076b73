// One-time sign-in tokens: email tokens (link + code), magic links and invitations share this store.
// A token is "<id>.<secret>": the id finds the row, the secret is compared with its keyed hash in
// constant time. Secrets and codes are never stored, only their HMACs. Spending a token is one
// conditional UPDATE, so of N concurrent uses exactly one wins.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Db } from '../db/index.js';
import { insertWhen } from '../db/insert-when.js';
import { prepared } from '../db/prepared.js';
import type { Clock } from '../lib/clock.js';
import { constantTimeEqual, keyedHash, randomCode, randomToken } from '../lib/crypto.js';

export type TokenPurpose = 'email_token' | 'staff_email_token' | 'magic_link' | 'staff_link';

export interface LoginToken {
  id: string;
  purpose: TokenPurpose;
  email: string;
  contact_id: number | null;
  staff_id: number | null;
  link_hash: string;
  code_hash: string | null;
  browser_binding: string | null;
  expires_at: Date;
  consumed_at: Date | null;
  revoked_at: Date | null;
  attempts: number;
}

export interface IssueOptions {
  purpose: TokenPurpose;
  email: string;
  contactId?: number | null;
  staffId?: number | null;
  minutes: number;
  withCode?: boolean;
  /** The requesting browser's binding; a code is accepted only from that browser session. */
  browserBinding?: string;
  createdIp?: string | null;
  createdBy?: number | null;
}

export interface IssuedToken {
  id: string;
  /** "<id>.<secret>", to put in a link. */
  token: string;
  /** Eight characters, shown as XXXX-XXXX; present when withCode. */
  code?: string;
  expiresAt: Date;
}

export type TokenFailure = 'invalid' | 'expired' | 'used' | 'revoked';
export type TokenCheck = { ok: true; token: LoginToken } | { ok: false; reason: TokenFailure };

export const MAX_CODE_ATTEMPTS = 5;

export interface LoginTokenStore {
  /** Writes a new token with db (use the transaction's trx) and kills earlier open ones of the same
   * purpose for the same contact or staff member, or, for tokens not tied to one, the same address;
   * a token bound to a browser kills only earlier ones bound to the same browser. */
  issue(db: Db, options: IssueOptions): Promise<IssuedToken>;
  /** issue()'s two writes, not yet run, as data-modifying CTEs for a statement of the caller's (the
   * email-token request writes the token, its mail and the audit event as one); they write only when
   * `when` holds, and are the same statement either way. */
  issueStatements(db: Db, options: IssueOptions, when: boolean): { issued: IssuedToken; revoke: Knex.QueryBuilder; insert: Knex.Raw };
  /** Looks a link token up without spending it (confirm pages, GET/HEAD). */
  peek(token: string, purposes: TokenPurpose[]): Promise<TokenCheck>;
  /** Spends a link token; exactly one concurrent caller gets ok. */
  consumeLink(token: string, purposes: TokenPurpose[]): Promise<TokenCheck>;
  /** Spends the newest open code token of this address bound to this browser; counts wrong codes. */
  consumeCode(input: { purpose: TokenPurpose; email: string; browserBinding: string; code: string }): Promise<TokenCheck & { burned?: boolean }>;
  formatCode(code: string): string;
}

/** Accepts the code in any case, with or without the dash or spaces. */
export function normalizeCode(input: string): string {
  return input.replace(/[\s-]/g, '').toUpperCase();
}

/** A link token as issued: "<row id (uuid)>.<secret: 32 random bytes, base64url>", groups id and secret. */
export const LINK_TOKEN_PATTERN = '([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\\.([A-Za-z0-9_-]{43})';

const WHOLE_LINK_TOKEN = new RegExp(`^${LINK_TOKEN_PATTERN}$`);

export function createLoginTokenStore(deps: { db: Db; clock: Clock; key: Buffer }): LoginTokenStore {
  const { db, clock, key } = deps;
  const hash = (value: string) => keyedHash(key, value);

  function split(token: string): { id: string; secret: string } | undefined {
    const match = WHOLE_LINK_TOKEN.exec(token);
    return match ? { id: match[1]!, secret: match[2]! } : undefined;
  }

  function state(row: LoginToken | undefined, now: Date): TokenCheck {
    if (!row) return { ok: false, reason: 'invalid' };
    if (row.consumed_at) return { ok: false, reason: 'used' };
    if (row.revoked_at) return { ok: false, reason: 'revoked' };
    if (new Date(row.expires_at) <= now) return { ok: false, reason: 'expired' };
    return { ok: true, token: row };
  }

  async function findByLink(token: string, purposes: TokenPurpose[]): Promise<LoginToken | undefined> {
    const parts = split(token);
    if (!parts) return undefined;
    const row = await db<LoginToken>('login_tokens')
      .where({ id: parts.id })
      .whereIn('purpose', purposes)
      .options(prepared(`token_by_link_${purposes.join('_')}`))
      .first();
    return row && constantTimeEqual(row.link_hash, hash(parts.secret)) ? row : undefined;
  }

  // The WHERE clause repeats every condition: the row is spent only if it is still open at this instant.
  async function spend(id: string, now: Date): Promise<LoginToken | undefined> {
    const [row] = await db<LoginToken>('login_tokens')
      .where({ id })
      .whereNull('consumed_at')
      .whereNull('revoked_at')
      .where('expires_at', '>', now)
      .update({ consumed_at: now })
      .returning('*')
      .options(prepared('token_spend'));
    return row;
  }

  // issue()'s writes: the earlier open tokens revoked, the new one inserted. One statement, so they die
  // and it is born together (the UPDATE works on the snapshot from before the INSERT, so it cannot
  // revoke the new row).
  function plan(db: Db, options: IssueOptions) {
    const now = clock.now();
    const id = randomUUID();
    const secret = randomToken(32);
    const code = options.withCode ? randomCode(8) : undefined;
    const expiresAt = new Date(now.getTime() + options.minutes * 60_000);
    const holder = options.contactId ? { contact_id: options.contactId } : options.staffId ? { staff_id: options.staffId } : { email: options.email };
    const bindingHash = options.browserBinding ? hash(options.browserBinding) : null;
    // A request from another browser (anyone may type the address) must not kill the link and code
    // this browser is waiting for; a resend from the same browser replaces its own.
    const sameBrowser = bindingHash ? { browser_binding: bindingHash } : {};
    const revoke = db
      .from('login_tokens')
      .where({ purpose: options.purpose, ...holder, ...sameBrowser })
      .whereNull('consumed_at')
      .whereNull('revoked_at')
      .update({ revoked_at: now });
    const row = {
      id,
      purpose: options.purpose,
      email: options.email,
      contact_id: options.contactId ?? null,
      staff_id: options.staffId ?? null,
      link_hash: hash(secret),
      code_hash: code ? hash(code) : null,
      browser_binding: bindingHash,
      expires_at: expiresAt,
      attempts: 0,
      created_at: now,
      created_ip: options.createdIp ?? null,
      created_by: options.createdBy ?? null,
    };
    return { issued: { id, token: `${id}.${secret}`, code, expiresAt }, revoke, row };
  }

  return {
    async issue(trx, options) {
      const { issued, revoke, row } = plan(trx, options);
      await trx('login_tokens').with('revoked', revoke).insert(row);
      return issued;
    },

    issueStatements(db, options, when) {
      const { issued, revoke, row } = plan(db, options);
      return { issued, revoke: revoke.whereRaw('?', [when]), insert: insertWhen(db, 'login_tokens', row, when) };
    },

    async peek(token, purposes) {
      return state(await findByLink(token, purposes), clock.now());
    },

    async consumeLink(token, purposes) {
      const now = clock.now();
      const row = await findByLink(token, purposes);
      const checked = state(row, now);
      if (!checked.ok) return checked;
      const spent = await spend(checked.token.id, now);
      return spent ? { ok: true, token: spent } : state(await db<LoginToken>('login_tokens').where({ id: checked.token.id }).first(), now);
    },

    async consumeCode({ purpose, email, browserBinding, code }) {
      const now = clock.now();
      const row = await db<LoginToken>('login_tokens')
        .where({ purpose, email, browser_binding: hash(browserBinding) })
        .whereNotNull('code_hash')
        .whereNull('consumed_at')
        .whereNull('revoked_at')
        .where('expires_at', '>', now)
        .orderBy('created_at', 'desc')
        .first();
      if (!row) return { ok: false, reason: 'invalid' };
      // Reserve one of the five tries before comparing, in one UPDATE, so parallel guesses cannot
      // get more than five comparisons between them.
      const [reserved] = await db('login_tokens')
        .where({ id: row.id })
        .whereNull('revoked_at')
        .whereNull('consumed_at')
        .where('attempts', '<', MAX_CODE_ATTEMPTS)
        .increment('attempts', 1)
        .returning('attempts');
      if (!reserved) return { ok: false, reason: 'revoked', burned: true };
      if (!constantTimeEqual(row.code_hash!, hash(normalizeCode(code)))) {
        const burned = Number(reserved.attempts) >= MAX_CODE_ATTEMPTS;
        if (burned) await db('login_tokens').where({ id: row.id }).whereNull('revoked_at').update({ revoked_at: now });
        return { ok: false, reason: 'invalid', burned };
      }
      const spent = await spend(row.id, now);
      return spent ? { ok: true, token: spent } : { ok: false, reason: 'used' };
    },

    formatCode(code) {
      return `${code.slice(0, 4)}-${code.slice(4)}`;
    },
  };
}
