// Migrations are listed here explicitly (no directory scan) so they load the same way under tsx,
// jest and the compiled build.
import type { Knex } from 'knex';
import * as m001 from './001_foundation.js';
import * as m002 from './002_psa.js';
import * as m003 from './003_onboarding.js';
import * as m004 from './004_api_keys.js';
import * as m005 from './005_locale.js';

type Migration = { up(knex: Knex): Promise<void>; down(knex: Knex): Promise<void> };

const migrations: Array<[string, Migration]> = [
  ['001_foundation', m001],
  ['002_psa', m002],
  ['003_onboarding', m003],
  ['004_api_keys', m004],
  ['005_locale', m005],
];

export const migrationSource: Knex.MigrationSource<[string, Migration]> = {
  getMigrations: async () => migrations,
  getMigrationName: ([name]) => name,
  getMigration: async ([, migration]) => migration,
};
