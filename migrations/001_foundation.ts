// Foundation: directory, staff, settings, sign-in tokens, signed-in sessions, outbox, audit, rate limits.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('companies', (t) => {
    t.increments('id');
    t.text('name').notNullable();
    t.text('psa_company_id').unique();
    t.text('portal_name');
    t.timestamps(true, true);
  });

  await knex.schema.createTable('company_domains', (t) => {
    t.increments('id');
    t.integer('company_id').notNullable().references('companies.id').onDelete('CASCADE');
    t.text('domain').notNullable().unique(); // lower-case, normalized before insert
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('company_tenants', (t) => {
    t.increments('id');
    t.integer('company_id').notNullable().references('companies.id').onDelete('CASCADE');
    t.uuid('tenant_id').notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  // One person may be a contact of two client companies, so an address is unique per company only.
  await knex.schema.createTable('contacts', (t) => {
    t.increments('id');
    t.integer('company_id').notNullable().references('companies.id');
    t.text('email').notNullable(); // stored lower-case
    t.text('first_name').notNullable().defaultTo('');
    t.text('last_name').notNullable().defaultTo('');
    t.text('phone');
    t.text('psa_contact_id');
    t.text('status').notNullable().defaultTo('active');
    t.uuid('entra_tenant_id');
    t.uuid('entra_object_id');
    t.timestamp('terms_accepted_at', { useTz: true });
    t.text('terms_version');
    t.timestamp('last_sign_in_at', { useTz: true });
    t.timestamps(true, true);
    t.unique(['company_id', 'email']);
    t.index(['email']);
    t.unique(['entra_tenant_id', 'entra_object_id']);
  });
  await knex.raw(`alter table contacts add constraint contacts_status_check check (status in ('invited', 'active', 'disabled'))`);

  await knex.schema.createTable('staff', (t) => {
    t.increments('id');
    t.text('email').notNullable().unique();
    t.text('name').notNullable();
    t.text('role').notNullable();
    t.uuid('entra_tenant_id');
    t.uuid('entra_object_id');
    t.boolean('disabled').notNullable().defaultTo(false);
    t.timestamp('last_sign_in_at', { useTz: true });
    t.timestamps(true, true);
  });
  await knex.raw(`alter table staff add constraint staff_role_check check (role in ('admin', 'technician'))`);

  await knex.schema.createTable('settings', (t) => {
    t.text('key').primary();
    t.jsonb('value').notNullable();
    t.integer('updated_by').references('staff.id').onDelete('SET NULL');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  // Secrets are kept only as keyed hashes. browser_binding ties a code to the browser session that
  // asked for it; email is the address the token proves.
  await knex.schema.createTable('login_tokens', (t) => {
    t.uuid('id').primary();
    t.text('purpose').notNullable();
    t.text('email').notNullable();
    t.integer('contact_id').references('contacts.id').onDelete('CASCADE');
    t.integer('staff_id').references('staff.id').onDelete('CASCADE');
    t.text('link_hash').notNullable();
    t.text('code_hash');
    t.text('browser_binding');
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('consumed_at', { useTz: true });
    t.timestamp('revoked_at', { useTz: true });
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.text('created_ip');
    t.integer('created_by').references('staff.id').onDelete('SET NULL');
    t.index(['purpose', 'email']);
  });

  // A signed-in session. The session store holds the cookie's data; this row is the authority on
  // whether that sign-in is still valid, so revocation works whatever the store is.
  await knex.schema.createTable('auth_sessions', (t) => {
    t.uuid('id').primary();
    t.text('kind').notNullable(); // contact | staff
    t.integer('contact_id').references('contacts.id').onDelete('CASCADE');
    t.integer('staff_id').references('staff.id').onDelete('CASCADE');
    t.text('method').notNullable();
    t.text('ip');
    t.text('user_agent');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('last_seen_at', { useTz: true }).notNullable();
    t.timestamp('revoked_at', { useTz: true });
    t.index(['contact_id']);
    t.index(['staff_id']);
  });

  await knex.schema.createTable('outbox', (t) => {
    t.bigIncrements('id');
    t.text('to_address').notNullable();
    t.text('template').notNullable();
    t.text('subject').notNullable();
    t.text('sealed_body'); // encrypted {from, html, text}; cleared once sent
    t.text('status').notNullable().defaultTo('pending'); // pending | sending | sent | failed
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('next_attempt_at', { useTz: true }).notNullable();
    t.timestamp('claimed_at', { useTz: true });
    t.timestamp('discard_after', { useTz: true }); // a sign-in mail is worthless once its token has expired
    t.text('last_error');
    t.timestamp('sent_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['status', 'next_attempt_at']);
  });

  await knex.schema.createTable('audit_events', (t) => {
    t.bigIncrements('id');
    t.timestamp('at', { useTz: true }).notNullable();
    t.text('actor_type').notNullable(); // contact | staff | system | anonymous
    t.integer('actor_id');
    t.text('action').notNullable();
    t.text('subject_type');
    t.text('subject_id');
    t.text('ip');
    t.text('user_agent');
    t.jsonb('detail').notNullable().defaultTo('{}');
    t.index(['action', 'at']);
    t.index(['subject_type', 'subject_id']);
  });
  // Append-only: the table refuses updates and deletes.
  await knex.raw(`create function audit_events_append_only() returns trigger language plpgsql as $$
    begin raise exception 'audit_events is append-only'; end $$`);
  await knex.raw(`create trigger audit_events_no_change before update or delete on audit_events
    for each row execute function audit_events_append_only()`);

  // Used for sessions and rate limits when no REDIS_URL is set.
  await knex.schema.createTable('http_sessions', (t) => {
    t.text('sid').primary();
    t.jsonb('data').notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable().index();
  });
  await knex.schema.createTable('rate_limits', (t) => {
    t.text('key').primary();
    t.integer('count').notNullable();
    t.timestamp('reset_at', { useTz: true }).notNullable().index();
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'rate_limits',
    'http_sessions',
    'audit_events',
    'outbox',
    'auth_sessions',
    'login_tokens',
    'settings',
    'staff',
    'contacts',
    'company_tenants',
    'company_domains',
    'companies',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
  await knex.raw('drop function if exists audit_events_append_only()');
}
