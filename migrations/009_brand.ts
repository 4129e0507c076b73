// The portal's brand (issue 17). The MSP's own brand is a setting (key "brand"; the portal name stays
// in the Mail Token setting); these tables hold what does not fit a settings value:
//   brand_assets    uploaded logos, by content: sha256 of the bytes is the key and the ETag, so every
//                   instance serves the same file at /brand/logo/<sha256>.<ext> and a URL never changes meaning
//   company_brands  a company's own logo and accent colour (its own portal name is companies.portal_name)
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('brand_assets', (t) => {
    t.text('sha256').primary();
    t.text('content_type').notNullable();
    t.binary('bytes').notNullable();
    t.integer('byte_size').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('company_brands', (t) => {
    t.integer('company_id').primary().references('companies.id').onDelete('CASCADE');
    t.text('logo_sha256').references('brand_assets.sha256');
    t.text('accent_color');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('company_brands');
  await knex.schema.dropTable('brand_assets');
}
