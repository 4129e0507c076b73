// Technicians and admins of the MSP: the people who use the console. This module is the one owner of
// the staff table: every read and write of it goes through here.
import type { Knex } from 'knex';
import type { Db } from '../db/index.js';
import type { Clock } from '../lib/clock.js';
import { NotFoundError, ValidationError } from '../lib/errors.js';

export type StaffRole = 'admin' | 'technician';

/** A staff row, every column of migrations/001_foundation.ts. */
export interface Staff {
  id: number;
  email: string;
  name: string;
  role: StaffRole;
  entra_tenant_id: string | null;
  entra_object_id: string | null;
  disabled: boolean;
  last_sign_in_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface EntraIdentity {
  tenantId: string;
  objectId: string;
}

export interface StaffService {
  list(): Promise<Staff[]>;
  get(id: number, db?: Db): Promise<Staff | undefined>;
  /** The staff member with this address, disabled or not. */
  byEmail(email: string, db?: Db): Promise<Staff | undefined>;
  /** Staff members with this address who are not disabled (at most one): who may sign in to the console with it. */
  activeByEmail(email: string, db?: Db): Promise<Staff[]>;
  byEntraIdentity(identity: EntraIdentity, db?: Db): Promise<Staff | undefined>;
  create(input: { email: string; name: string; role: StaffRole }, db?: Db): Promise<Staff>;
  update(id: number, changes: Partial<Pick<Staff, 'name' | 'role' | 'disabled'>>, db?: Db): Promise<Staff>;
  linkEntraIdentity(id: number, identity: EntraIdentity, db?: Db): Promise<void>;
  /** The update is returned unrun: await it, or write it as part of one statement (sign-in.ts). */
  recordSignIn(id: number, at: Date, db?: Db): Knex.QueryBuilder;
}

export function createStaffService(deps: { db: Db; clock: Clock }): StaffService {
  const { clock } = deps;
  const table = (db: Db) => db<Staff>('staff');
  const activeByEmail = (email: string, db: Db = deps.db) => table(db).where({ email: email.toLowerCase(), disabled: false });
  return {
    list: () => table(deps.db).orderBy('name'),
    get: (id, db = deps.db) => table(db).where({ id }).first(),
    byEmail: (email, db = deps.db) => table(db).where({ email: email.toLowerCase() }).first(),
    activeByEmail,
    byEntraIdentity: ({ tenantId, objectId }, db = deps.db) =>
      table(db).where({ entra_tenant_id: tenantId.toLowerCase(), entra_object_id: objectId.toLowerCase() }).first(),
    async create(input, db = deps.db) {
      const existing = await table(db).where({ email: input.email.toLowerCase() }).first('id');
      if (existing)
        throw new ValidationError('A staff member with this address exists already.', { email: 'A staff member with this address exists already.' });
      const [row] = await table(db).insert({ email: input.email.toLowerCase(), name: input.name, role: input.role }).returning('*');
      return row!;
    },
    async update(id, changes, db = deps.db) {
      const [row] = await table(db)
        .where({ id })
        .update({ ...changes, updated_at: clock.now() })
        .returning('*');
      if (!row) throw new NotFoundError('This staff member does not exist.');
      return row;
    },
    async linkEntraIdentity(id, { tenantId, objectId }, db = deps.db) {
      await table(db).where({ id }).update({ entra_tenant_id: tenantId.toLowerCase(), entra_object_id: objectId.toLowerCase(), updated_at: clock.now() });
    },
    recordSignIn: (id, at, db = deps.db) => db('staff').where({ id }).update({ last_sign_in_at: at, updated_at: at }),
  };
}
