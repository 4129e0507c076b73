// The one owner of the passkeys and passkey_offer_dismissals tables.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Db } from '../../db/index.js';
import type { Clock } from '../../lib/clock.js';
import type { SubjectKind } from '../audience.js';

/** A row of passkeys: every column 011_passkeys creates. */
export interface PasskeyRow {
  id: string;
  credential_id: string;
  kind: SubjectKind;
  contact_id: number | null;
  staff_id: number | null;
  company_id: number | null;
  public_key: Buffer;
  user_handle: string;
  counter: string | number;
  transports: string[];
  device_type: 'singleDevice' | 'multiDevice';
  backed_up: boolean;
  aaguid: string | null;
  name: string;
  created_at: Date;
  last_used_at: Date | null;
}

/** What the Security pages and the console show: no key material. */
export type PasskeySummary = Pick<PasskeyRow, 'id' | 'name' | 'device_type' | 'backed_up' | 'created_at' | 'last_used_at'>;

export interface NewPasskey {
  credentialId: string;
  publicKey: Uint8Array;
  /** The WebAuthn user handle given at registration (base64url). */
  userHandle: string;
  counter: number;
  transports: string[];
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
  aaguid: string | null;
  name: string;
  /** For a contact: the company they belong to now. */
  companyId: number | null;
}

export interface Holder {
  kind: SubjectKind;
  id: number;
}

export interface PasskeyRepository {
  list(holder: Holder): Promise<PasskeySummary[]>;
  count(holder: Holder): Promise<number>;
  /** Credential ids of the holder's passkeys, so the browser does not make a second one on the same authenticator. */
  credentialIds(holder: Holder): Promise<Array<{ id: string; transports: string[] }>>;
  byCredentialId(credentialId: string): Promise<PasskeyRow | undefined>;
  insert(holder: Holder, passkey: NewPasskey, db?: Db): Promise<PasskeySummary>;
  rename(holder: Holder, id: string, name: string, db?: Db): Promise<boolean>;
  remove(holder: Holder, id: string, db?: Db): Promise<PasskeySummary | undefined>;
  removeAll(holder: Holder, db?: Db): Promise<number>;
  /** Records a sign-in with it: the new counter (only forwards) and whether it is backed up now (a synced
   * passkey may be backed up later; whether it may be never changes, see ceremony.ts). */
  recordUse(id: string, use: { counter: number; backedUp: boolean }, db?: Db): Promise<boolean>;
  /** Puts the home page's "Add a passkey" away for good (whether it is still offered: offerOpenExpression). */
  dismissOffer(holder: Holder): Promise<void>;
}

const SUMMARY = ['id', 'name', 'device_type', 'backed_up', 'created_at', 'last_used_at'] as const;
const column = (kind: SubjectKind) => (kind === 'contact' ? 'contact_id' : 'staff_id');
const owned = (holder: Holder) => ({ kind: holder.kind, [column(holder.kind)]: holder.id });

/**
 * Whether "Add a passkey" is still offered to a holder (they have none and did not put the offer away), as
 * an SQL expression over the holder's id column: sign-in.ts reads it with the signed-in contact, so the
 * home page asks in the same round trip.
 */
export function offerOpenExpression(db: Db, kind: SubjectKind, holderId: Knex.Ref<string, object>): Knex.Raw {
  // Qualified columns: the expression sits inside queries over tables with the same column names.
  return db.raw('not exists (?) and not exists (?)', [
    db('passkeys')
      .where('passkeys.kind', kind)
      .where(`passkeys.${column(kind)}`, holderId)
      .select(db.raw('1')),
    db('passkey_offer_dismissals')
      .where(`passkey_offer_dismissals.${column(kind)}`, holderId)
      .select(db.raw('1')),
  ]);
}

export function createPasskeyRepository(deps: { db: Db; clock: Clock }): PasskeyRepository {
  const { db, clock } = deps;
  const table = (database: Db = db) => database<PasskeyRow>('passkeys');

  return {
    list: (holder) =>
      table()
        .where(owned(holder))
        .orderBy([{ column: 'created_at', order: 'asc' }, { column: 'id' }])
        .select(...SUMMARY),

    async count(holder) {
      const [{ n }] = await table().where(owned(holder)).count({ n: '*' });
      return Number(n);
    },

    async credentialIds(holder) {
      const rows = await table().where(owned(holder)).select('credential_id', 'transports');
      return rows.map((row) => ({ id: row.credential_id, transports: row.transports }));
    },

    byCredentialId: (credentialId) => table().where({ credential_id: credentialId }).first(),

    async insert(holder, passkey, database = db) {
      const [row] = await table(database)
        .insert({
          id: randomUUID(),
          credential_id: passkey.credentialId,
          ...owned(holder),
          company_id: passkey.companyId,
          public_key: Buffer.from(passkey.publicKey),
          user_handle: passkey.userHandle,
          counter: passkey.counter,
          transports: JSON.stringify(passkey.transports) as unknown as string[],
          device_type: passkey.deviceType,
          backed_up: passkey.backedUp,
          aaguid: passkey.aaguid,
          name: passkey.name,
          created_at: clock.now(),
        })
        .returning([...SUMMARY]);
      return row as PasskeySummary;
    },

    async rename(holder, id, name, database = db) {
      return (
        (await table(database)
          .where({ id, ...owned(holder) })
          .update({ name })) > 0
      );
    },

    async remove(holder, id, database = db) {
      const [row] = await table(database)
        .where({ id, ...owned(holder) })
        .delete()
        .returning([...SUMMARY]);
      return row as PasskeySummary | undefined;
    },

    removeAll: (holder, database = db) => table(database).where(owned(holder)).delete(),

    async recordUse(id, use, database = db) {
      // The WHERE repeats the counter rule (see counterMovedOn), so of two sign-ins racing with the same
      // counter value only one counts. An authenticator without a counter reports 0 every time.
      const updated = await table(database)
        .where({ id })
        .where('counter', use.counter === 0 ? '=' : '<', use.counter)
        .update({ counter: use.counter, backed_up: use.backedUp, last_used_at: clock.now() });
      return updated > 0;
    },

    async dismissOffer(holder) {
      await db('passkey_offer_dismissals')
        .insert({ [column(holder.kind)]: holder.id, dismissed_at: clock.now() })
        .onConflict(column(holder.kind))
        .ignore();
    },
  };
}
