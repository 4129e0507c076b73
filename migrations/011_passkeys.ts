// Passkeys (WebAuthn credentials) of contacts and staff, the challenges already answered (each is used
// once), and who put away the home page's "Add a passkey" offer.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('passkeys', (t) => {
    t.uuid('id').primary();
    // The credential id as the authenticator made it (base64url): what a sign-in names.
    t.text('credential_id').notNullable().unique();
    t.text('kind').notNullable(); // 'contact' | 'staff'
    t.integer('contact_id').references('contacts.id').onDelete('CASCADE');
    t.integer('staff_id').references('staff.id').onDelete('CASCADE');
    // The company the contact belonged to when the passkey was made: a contact moved to another company
    // must prove the address again before a passkey signs them in there.
    t.integer('company_id');
    t.binary('public_key').notNullable();
    // The WebAuthn user handle the passkey was made for (base64url), kept: a sign-in's answer must name it.
    t.text('user_handle').notNullable();
    t.bigInteger('counter').notNullable().defaultTo(0);
    t.jsonb('transports').notNullable().defaultTo('[]');
    t.text('device_type').notNullable(); // 'singleDevice' | 'multiDevice' (synced)
    t.boolean('backed_up').notNullable();
    t.text('aaguid');
    t.text('name').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('last_used_at', { useTz: true });
    t.index(['contact_id']);
    t.index(['staff_id']);
  });
  await knex.raw(`alter table passkeys add constraint passkeys_one_holder check (
    (kind = 'contact' and contact_id is not null and staff_id is null) or (kind = 'staff' and staff_id is not null and contact_id is null))`);
  await knex.schema.createTable('passkey_challenge_uses', (t) => {
    t.text('challenge_hash').primary();
    t.timestamp('expires_at', { useTz: true }).notNullable().index();
  });
  // Kept here, not on contacts and staff: the offer belongs to the passkey feature.
  await knex.schema.createTable('passkey_offer_dismissals', (t) => {
    t.integer('contact_id').unique().references('contacts.id').onDelete('CASCADE');
    t.integer('staff_id').unique().references('staff.id').onDelete('CASCADE');
    t.timestamp('dismissed_at', { useTz: true }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('passkey_offer_dismissals');
  await knex.schema.dropTableIfExists('passkey_challenge_uses');
  await knex.schema.dropTableIfExists('passkeys');
}
