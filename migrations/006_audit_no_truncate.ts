// audit_events refuses TRUNCATE as well: the row trigger of 001_foundation stops UPDATE and DELETE,
// but TRUNCATE fires no row triggers, so one statement could empty the log. A statement-level trigger
// (PostgreSQL and PGlite alike) closes that.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`create trigger audit_events_no_truncate before truncate on audit_events
    for each statement execute function audit_events_append_only()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop trigger if exists audit_events_no_truncate on audit_events');
}
