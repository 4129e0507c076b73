// Issue 18: the production command (the Dockerfile's CMD) carries node flags that bound the V8 heap and
// size V8's worker pool to the machine's cores (README, "Running in production"). They must reach every process that serves: the README's command
// without Docker quotes them, and the supervisor's HTTP processes run with them (node:cluster forks
// with the supervisor's own execArgv).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';
import { httpProcessesOf } from '../../scripts/processes.js';
import { productionNodeFlags } from '../../scripts/production-command.js';
import { usingPostgres } from '../helpers/app.js';
import { freePort, startServer } from '../helpers/processes.js';

const SLOW = 180_000; // a supervisor and its HTTP processes start with tsx on a loaded machine

it('the production command bounds the heap and sizes the GC threads to the cores, and the README starts the build without Docker with the same flags', () => {
  const flags = productionNodeFlags();
  expect(flags).toEqual(
    expect.arrayContaining([expect.stringMatching(/^--max-old-space-size=\d+$/), expect.stringMatching(/^--max-semi-space-size=\d+$/), '--v8-pool-size=0']),
  );
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  expect(readme).toContain(`NODE_ENV=production node ${flags.join(' ')} dist/src/server.js`);
});

(usingPostgres ? it : it.skip)(
  'the supervisor starts its HTTP processes with the node flags it was started with',
  async () => {
    const flags = productionNodeFlags();
    const admin = () => knexFactory({ client: 'pg', connection: process.env.DATABASE_URL, pool: { min: 0, max: 1 } });
    const database = `portico_node_flags_${process.pid}_${Date.now()}`;
    const db = admin();
    await db.raw(`create database ${database}`);
    await db.destroy();
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = `/${database}`;
    const dataDir = mkdtempSync(path.join(tmpdir(), 'portico-node-flags-'));
    const port = await freePort();
    const server = await startServer(dataDir, { PORT: String(port), DATABASE_URL: url.toString(), WEB_CONCURRENCY: '2' }, port, flags);
    try {
      // Ready means every HTTP process listens (the supervisor says so only then).
      const children = httpProcessesOf(server.process.pid!);
      expect(children).toHaveLength(2);
      for (const pid of children) {
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
        expect(argv.slice(0, -1)).toEqual(expect.arrayContaining(flags));
      }
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
      const cleanup = admin();
      await cleanup.raw(`drop database if exists ${database} with (force)`);
      await cleanup.destroy();
    }
  },
  SLOW,
);
