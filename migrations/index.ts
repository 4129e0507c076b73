// Migrations are listed here explicitly (no directory scan) so they load the same way under tsx,
// jest and the compiled build.
//
// A migration's name is its identity: knex records the names it ran in knex_migrations, so a name is
// never changed and a migration that production databases ran is never rewritten. Two names say less
// than their migration does; what each one really creates:
//   001_foundation  companies, company_domains, company_tenants, contacts, staff, settings, login_tokens,
//                   auth_sessions, outbox, audit_events (append-only trigger), http_sessions, rate_limits
//   002_psa         psa_events, import_drafts (CSV import drafts, not PSA), account_claims
//   003_onboarding  jwt_uses only (one-time JWT login URLs; onboarding itself needs no table)
//   004_api_keys    api_keys
//   005_locale      contacts.locale
//   006_audit_no_truncate  the TRUNCATE trigger on audit_events
//   007_company_name_unique_ci  unique index on lower(companies.name); renames existing case duplicates (audited)
//   009_brand       brand_assets (uploaded logos), company_brands (a company's logo and accent colour)
//   011_passkeys    passkeys, passkey_challenge_uses, passkey_offer_dismissals
// A new migration gets a name that says what it creates.
import type { Knex } from 'knex';
import * as m001 from './001_foundation.js';
import * as m002 from './002_psa.js';
import * as m003 from './003_onboarding.js';
import * as m004 from './004_api_keys.js';
import * as m005 from './005_locale.js';
import * as m006 from './006_audit_no_truncate.js';
import * as m007 from './007_company_name_unique_ci.js';
import * as m009 from './009_brand.js';
import * as m011 from './011_passkeys.js';

type Migration = { up(knex: Knex): Promise<void>; down(knex: Knex): Promise<void> };

const migrations: Array<[string, Migration]> = [
  ['001_foundation', m001],
  ['002_psa', m002],
  ['003_onboarding', m003],
  ['004_api_keys', m004],
  ['005_locale', m005],
  ['006_audit_no_truncate', m006],
  ['007_company_name_unique_ci', m007],
  ['009_brand', m009],
  ['011_passkeys', m011],
];

export const migrationSource: Knex.MigrationSource<[string, Migration]> = {
  getMigrations: async () => migrations,
  getMigrationName: ([name]) => name,
  getMigration: async ([, migration]) => migration,
};
