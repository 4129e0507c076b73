// knex on PostgreSQL (DATABASE_URL) or, when that is unset, on embedded PGlite under DATA_DIR.
// PGlite is one connection in one process: code inside a transaction must use the trx it was given.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import { migrationSource } from '../../migrations/index.js';
import { lockDataDir } from './lock.js';

export type Db = Knex;

export interface DbOptions {
  /** knex's own warnings (e.g. a lost connection) go to the application's log, not to the console. */
  logger?: { warn(msg: string): void; error(msg: string): void };
  databaseUrl: string | undefined;
  dataDir: string;
  /** PostgreSQL schema to work in (tests give each file its own). */
  schema?: string;
  /** Most PostgreSQL connections (default 10); the embedded database has one. */
  poolMax?: number;
}

export function createDb(options: DbOptions): Db {
  if (options.databaseUrl) {
    return knexFactory({
      client: 'pg',
      connection: options.databaseUrl,
      searchPath: options.schema ? [options.schema] : undefined,
      pool: { min: 0, max: options.poolMax ?? 10 },
      acquireConnectionTimeout: 10_000,
      log: knexLog(options.logger),
    });
  }
  const dir = path.join(options.dataDir, 'pglite');
  mkdirSync(dir, { recursive: true });
  const release = lockDataDir(dir);
  const db = knexFactory({
    client: ClientPgLite as unknown as typeof knexFactory.Client,
    connection: { filename: dir } as Knex.StaticConnectionConfig,
    searchPath: options.schema ? [options.schema] : undefined,
    log: knexLog(options.logger),
  });
  releases.set(db, release);
  return db;
}

const releases = new WeakMap<Db, () => void>();

/** Closes the pool and, for the embedded database, gives up its lock. */
export async function closeDb(db: Db): Promise<void> {
  try {
    await db.destroy();
  } finally {
    releases.get(db)?.();
    releases.delete(db);
  }
}

function knexLog(logger: DbOptions['logger']): Knex.Config['log'] {
  if (!logger) return undefined;
  const text = (message: unknown) => (message instanceof Error ? message.message : String(message));
  return { warn: (m) => logger.warn(text(m)), error: (m) => logger.error(text(m)), deprecate: (m) => logger.warn(text(m)), debug: () => undefined };
}

// Several instances starting at once against one database: a PostgreSQL advisory lock, held on one
// connection for the whole run, lets exactly one migrate while the others wait. (knex's own lock table
// is not enough on a fresh database: instances racing to create it can leave it unusable.)
const MIGRATION_LOCK_KEY = 7_270_736_901;

export async function migrate(db: Db): Promise<string[]> {
  const run = async () => ((await db.migrate.latest({ migrationSource })) as [number, string[]])[1];
  if (db.client.config.client !== 'pg') return run(); // embedded: one process by design
  const connection = await db.client.acquireConnection();
  try {
    await connection.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    return await run();
  } finally {
    await connection.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await db.client.releaseConnection(connection);
  }
}
