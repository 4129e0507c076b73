// User API keys: bearer keys an admin creates in the console. Only a keyed hash of the key is stored;
// the prefix (not secret, shown in the console) tells keys apart and narrows the lookup.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('api_keys', (t) => {
    t.increments('id');
    t.text('name').notNullable();
    t.text('prefix').notNullable().index();
    t.text('key_hash').notNullable().unique();
    t.integer('created_by').references('staff.id').onDelete('SET NULL');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('last_used_at', { useTz: true });
    t.timestamp('revoked_at', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('api_keys');
}
