// Technicians and admins of the MSP: the people who use the console.
import type { Db } from '../db/index.js';
import { NotFoundError, ValidationError } from '../lib/errors.js';

export type StaffRole = 'admin' | 'technician';

export interface Staff {
  id: number;
  email: string;
  name: string;
  role: StaffRole;
  disabled: boolean;
  last_sign_in_at: Date | null;
  created_at: Date;
}

export interface StaffService {
  list(): Promise<Staff[]>;
  get(id: number): Promise<Staff | undefined>;
  /** Staff members with this address who are not disabled (at most one): who may sign in to the console with it. */
  activeByEmail(email: string, db?: Db): Promise<Staff[]>;
  /** @deprecated the old name of activeByEmail, kept until src/auth (email-token/audience.ts, microsoft/identity.ts) is moved to it. */
  resolve(email: string, db?: Db): Promise<Staff[]>;
  create(input: { email: string; name: string; role: StaffRole }): Promise<Staff>;
  update(id: number, changes: Partial<Pick<Staff, 'name' | 'role' | 'disabled'>>): Promise<Staff>;
}

export function createStaffService(deps: { db: Db }): StaffService {
  const { db } = deps;
  const activeByEmail = (email: string, database: Db = db) => database<Staff>('staff').where({ email: email.toLowerCase(), disabled: false });
  return {
    list: () => db<Staff>('staff').orderBy('name'),
    get: (id) => db<Staff>('staff').where({ id }).first(),
    activeByEmail,
    resolve: activeByEmail,
    async create(input) {
      const existing = await db('staff').where({ email: input.email.toLowerCase() }).first('id');
      if (existing)
        throw new ValidationError('A staff member with this address exists already.', { email: 'A staff member with this address exists already.' });
      const [row] = await db<Staff>('staff').insert({ email: input.email.toLowerCase(), name: input.name, role: input.role }).returning('*');
      return row!;
    },
    async update(id, changes) {
      const [row] = await db<Staff>('staff')
        .where({ id })
        .update({ ...changes, updated_at: db.fn.now() } as never)
        .returning('*');
      if (!row) throw new NotFoundError('This staff member does not exist.');
      return row;
    },
  };
}
