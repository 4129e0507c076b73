// `portico` commands: migrate, seed. Run with `npm run portico -- <command>` (or npm run migrate / seed).
import { buildServices } from './compose.js';
import { ConfigError, loadConfig } from './config.js';
import { DataDirLockedError } from './db/lock.js';
import { createLogger } from './lib/logger.js';
import { seedDemo } from '../seeds/demo.js';

const USAGE = `usage: portico <command>
  migrate   apply database migrations
  seed      migrate, then load the demo companies and contacts (idempotent)`;

async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  if (!command || command === 'help' || command === '--help') {
    process.stdout.write(USAGE + '\n');
    return command ? 0 : 2;
  }
  if (!['migrate', 'seed'].includes(command)) {
    process.stderr.write(`portico: unknown command "${command}"\n${USAGE}\n`);
    return 2;
  }
  const config = loadConfig();
  const services = await buildServices(config, { logger: createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel) });
  try {
    if (command === 'seed') {
      await seedDemo(services.db, services.settings);
      process.stdout.write('Seeded: Contoso (contoso.example, 5 contacts) and Fabrikam (fabrikam.example, 1 contact).\n');
    } else {
      process.stdout.write('Database is up to date.\n');
    }
    return 0;
  } finally {
    await services.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    if (error instanceof ConfigError) process.stderr.write(`portico: configuration error: ${error.problems.join('; ')}\n`);
    else if (error instanceof DataDirLockedError) process.stderr.write(`portico: ${error.message}\n`);
    else process.stderr.write(`portico: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
