// For the knex CLI. The app itself migrates at start (src/db); migrations are listed in migrations/index.ts.
import { loadConfig } from './src/config.js';
import { migrationSource } from './migrations/index.js';

const config = loadConfig();

export default {
  client: config.databaseUrl ? 'pg' : 'knex-pglite',
  connection: config.databaseUrl ?? { filename: `${config.dataDir}/pglite` },
  migrations: { migrationSource },
};
