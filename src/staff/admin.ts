// Changes to staff accounts (the console's Staff page and `admin:create`). Each change commits together
// with its audit event, and disabling someone ends their sessions in the same transaction.
import type { AuditEvent, AuditService } from '../audit/service.js';
import type { SignInService } from '../auth/sign-in.js';
import type { Db } from '../db/index.js';
import { AppError } from '../lib/errors.js';
import type { Staff, StaffRole, StaffService } from './service.js';

type Actor = NonNullable<AuditEvent['actor']>;
interface Context {
  ip?: string | null;
  /** Extra audit detail, e.g. { via: 'cli' }. */
  detail?: Record<string, unknown>;
}

export interface StaffAdmin {
  create(input: { email: string; name: string; role: StaffRole }, actor: Actor, context?: Context): Promise<Staff>;
  /** Role and disabled flag; nobody demotes or disables themselves (another admin must). */
  change(id: number, change: { role: StaffRole; disabled: boolean }, actor: Actor, context?: Context): Promise<Staff>;
}

export function createStaffAdmin(deps: { db: Db; staff: StaffService; audit: AuditService; signIn: SignInService }): StaffAdmin {
  const { db, staff, audit, signIn } = deps;
  return {
    create: (input, actor, context = {}) =>
      db.transaction(async (trx) => {
        const member = await staff.create(input, trx);
        await audit.record(
          { action: 'staff.created', actor, subject: { type: 'staff', id: member.id }, ip: context.ip, detail: { role: member.role, ...context.detail } },
          trx,
        );
        return member;
      }),

    async change(id, change, actor, context = {}) {
      if (actor.type === 'staff' && actor.id === id && (change.role !== 'admin' || change.disabled))
        throw new AppError(409, 'You cannot demote or disable yourself; ask another admin.');
      return db.transaction(async (trx) => {
        const member = await staff.update(id, change, trx);
        if (member.disabled) await signIn.revokeAll('staff', id, trx);
        await audit.record(
          { action: 'staff.updated', actor, subject: { type: 'staff', id }, ip: context.ip, detail: { role: member.role, disabled: member.disabled } },
          trx,
        );
        return member;
      });
    },
  };
}
