// The contact's language (en, de): set at each sign-in from the browser, used for the mails sent to
// them later (magic links, invitations). Null until the first sign-in: English.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('contacts', (t) => {
    t.text('locale');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('contacts', (t) => {
    t.dropColumn('locale');
  });
}
