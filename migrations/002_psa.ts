// CSV import drafts; PSA: a log of PSA calls that failed (shown on the console's PSA page), and claims that make
// account creation for one address happen once even when two sign-ins race.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('psa_events', (t) => {
    t.bigIncrements('id');
    t.timestamp('at', { useTz: true }).notNullable();
    t.text('provider').notNullable();
    t.text('operation').notNullable();
    t.text('message').notNullable();
    t.index(['at']);
  });
  // A CSV import between preview and apply: kept on the server, so what is applied is exactly what
  // was previewed (and no megabyte of CSV travels back through a form).
  await knex.schema.createTable('import_drafts', (t) => {
    t.uuid('id').primary();
    t.integer('staff_id').notNullable().references('staff.id').onDelete('CASCADE');
    t.text('csv').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
  });
  await knex.schema.createTable('account_claims', (t) => {
    t.text('email').primary();
    t.timestamp('claimed_at', { useTz: true }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('account_claims');
  await knex.schema.dropTableIfExists('import_drafts');
  await knex.schema.dropTableIfExists('psa_events');
}
