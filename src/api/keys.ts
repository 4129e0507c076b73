// User API keys: created, listed and revoked by admins in the console; presented by integrations as
// `Authorization: Bearer pk_…`. The key is shown once at creation and stored only as a keyed hash, so
// a copy of the database does not hold a usable key.
import type { AuditService } from '../audit/service.js';
import type { Db } from '../db/index.js';
import type { Clock } from '../lib/clock.js';
import { constantTimeEqual, keyedHash, randomToken } from '../lib/crypto.js';
import { NotFoundError } from '../lib/errors.js';

export interface ApiKey {
  id: number;
  name: string;
  prefix: string;
  created_by: number | null;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export interface ApiKeyListItem extends ApiKey {
  created_by_name: string | null;
}

type Actor = { staffId: number; ip?: string | null };

export interface ApiKeyService {
  /** A new key; `secret` is the only copy of the key and is not stored. */
  create(name: string, actor: Actor): Promise<{ key: ApiKey; secret: string }>;
  /** Newest first, revoked keys included. */
  list(): Promise<ApiKeyListItem[]>;
  /** Stops the key at once; revoking a revoked key changes nothing. */
  revoke(id: number, actor: Actor): Promise<ApiKey>;
  /** The active key a bearer value belongs to, or undefined. */
  authenticate(bearer: string): Promise<ApiKey | undefined>;
}

export const KEY_PREFIX = 'pk_';
// 32 random bytes in base64url.
const KEY_PATTERN = /^pk_[A-Za-z0-9_-]{43}$/;
// "pk_" and 8 characters: enough to tell keys apart in the console, far too little to guess the rest.
const SHOWN_PREFIX_LENGTH = KEY_PREFIX.length + 8;
// last_used_at is for people ("used today?"), so one write a minute per key is plenty.
const LAST_USED_RESOLUTION_MS = 60_000;

const COLUMNS = ['id', 'name', 'prefix', 'created_by', 'created_at', 'last_used_at', 'revoked_at'] as const;

export function createApiKeyService(deps: { db: Db; clock: Clock; audit: AuditService; key: Buffer }): ApiKeyService {
  const { db, clock, audit } = deps;
  const hash = (secret: string) => keyedHash(deps.key, secret);

  return {
    async create(name, actor) {
      const secret = KEY_PREFIX + randomToken(32);
      const key = await db.transaction(async (trx) => {
        const [row] = await trx('api_keys')
          .insert({ name, prefix: secret.slice(0, SHOWN_PREFIX_LENGTH), key_hash: hash(secret), created_by: actor.staffId, created_at: clock.now() })
          .returning([...COLUMNS]);
        await audit.record(
          {
            action: 'api_key.created',
            actor: { type: 'staff', id: actor.staffId },
            subject: { type: 'api_key', id: row.id },
            ip: actor.ip,
            detail: { name, prefix: row.prefix },
          },
          trx,
        );
        return row as ApiKey;
      });
      return { key, secret };
    },

    async list() {
      return db('api_keys')
        .leftJoin('staff', 'staff.id', 'api_keys.created_by')
        .orderBy('api_keys.id', 'desc')
        .select(...COLUMNS.map((c) => `api_keys.${c}`), 'staff.name as created_by_name');
    },

    async revoke(id, actor) {
      return db.transaction(async (trx) => {
        const row = await trx('api_keys')
          .where({ id })
          .first<ApiKey | undefined>(...COLUMNS);
        if (!row) throw new NotFoundError('This API key does not exist.');
        if (row.revoked_at) return row;
        const [revoked] = await trx('api_keys')
          .where({ id })
          .update({ revoked_at: clock.now() })
          .returning([...COLUMNS]);
        await audit.record(
          {
            action: 'api_key.revoked',
            actor: { type: 'staff', id: actor.staffId },
            subject: { type: 'api_key', id },
            ip: actor.ip,
            detail: { name: row.name, prefix: row.prefix },
          },
          trx,
        );
        return revoked as ApiKey;
      });
    },

    async authenticate(bearer) {
      if (!KEY_PATTERN.test(bearer)) return undefined;
      const presented = hash(bearer);
      // Looked up by the public prefix, then compared in constant time, so response times say
      // nothing about how much of a guessed hash matched.
      const candidates = await db('api_keys')
        .where({ prefix: bearer.slice(0, SHOWN_PREFIX_LENGTH) })
        .whereNull('revoked_at')
        .select<Array<ApiKey & { key_hash: string }>>(...COLUMNS, 'key_hash');
      const match = candidates.find((row) => constantTimeEqual(row.key_hash, presented));
      if (!match) return undefined;
      const { key_hash: _stored, ...key } = match;
      const now = clock.now();
      if (!key.last_used_at || now.getTime() - new Date(key.last_used_at).getTime() >= LAST_USED_RESOLUTION_MS) {
        // Conditional, so concurrent requests in the same minute write once.
        await db('api_keys')
          .where({ id: key.id })
          .where((w) => w.whereNull('last_used_at').orWhere('last_used_at', '<=', new Date(now.getTime() - LAST_USED_RESOLUTION_MS)))
          .update({ last_used_at: now });
        key.last_used_at = now;
      }
      return key;
    },
  };
}
