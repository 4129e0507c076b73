// Several instances starting at once against one database: all of them migrate without failing.
import { randomBytes } from 'node:crypto';
import { createDb, migrate, closeDb } from '../../src/db/index.js';
import { usingPostgres } from '../helpers/app.js';
import { migrationSource } from '../../migrations/index.js';

// Skipped on the embedded database, which one process holds at a time by design (see db/lock.ts).
const postgres = usingPostgres ? it : it.skip;

postgres('lets concurrent starts wait for the migration lock instead of failing', async () => {
  const schema = `m_${randomBytes(4).toString('hex')}`;
  const dbs = Array.from({ length: 3 }, () => createDb({ databaseUrl: process.env.DATABASE_URL, dataDir: '/tmp', schema }));
  try {
    await dbs[0]!.raw('create schema ??', [schema]);
    const applied = await Promise.all(dbs.map((db) => migrate(db)));
    // Every migration ran exactly once, whichever instance ran it.
    const all = (await migrationSource.getMigrations([])).map((m) => migrationSource.getMigrationName(m));
    expect(applied.flat().sort()).toEqual([...all].sort());
    expect(await dbs[1]!('companies').count({ n: '*' })).toEqual([{ n: expect.anything() }]);
  } finally {
    await dbs[0]!.raw('drop schema if exists ?? cascade', [schema]);
    await Promise.all(dbs.map((db) => closeDb(db)));
  }
});
