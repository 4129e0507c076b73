// Login URLs for programs: each signed token (JWT) is used once, remembered by its jti until it expires.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('jwt_uses', (t) => {
    t.text('jti').primary();
    t.timestamp('expires_at', { useTz: true }).notNullable().index();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('jwt_uses');
}
