// `portico` commands: migrate, seed, admin:create. Run with `npm run portico -- <command>`.
import { parseArgs } from 'node:util';
import { buildServices } from './compose.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { askServerToCreateAdmin, ControlChannelUnavailable } from './control/channel.js';
import { readServerRecord } from './control/server-record.js';
import { DataDirLockedError } from './db/lock.js';
import { createLogger } from './lib/logger.js';
import { seedDemo } from '../seeds/demo.js';
import { AdminCreateRefused, adminCreateText, checkedEmail, createAdminWithLink, type AdminCreateInput } from './staff/first-admin.js';
import { STAFF_LINK_MINUTES } from './auth/magic-link/service.js';

const USAGE = `usage: portico <command>
  migrate   apply database migrations
  seed      migrate, then load the demo companies and contacts (idempotent)
  admin:create --email you@msp.example --name "Your Name"
            create an admin (or find the existing one) and print a one-time console sign-in link
            for the server running in this folder (works while it runs)`;

function adminCreateInput(args: string[]): AdminCreateInput {
  const { values } = parseArgs({ args, options: { email: { type: 'string' }, name: { type: 'string' } }, strict: true });
  return { email: values.email, name: values.name };
}

// The link must open on the server that runs in this folder. On the embedded database that server holds
// the data, so it does the work itself (control channel) and builds the link from its own BASE_URL.
// Otherwise the command works on the database and takes the BASE_URL of the running server, or, with
// none running, its own (BASE_URL / PORT), or that of the last server that ran here.
async function adminCreate(config: Config, args: string[]): Promise<void> {
  const input = adminCreateInput(args);
  checkedEmail(input); // a typo answers at once, without waiting for a database to open
  const record = readServerRecord(config.dataDir);
  const running = record?.running ? record : undefined;
  if (running && config.baseUrlChosen && running.baseUrl !== config.baseUrl.toString()) {
    process.stderr.write(`portico: note: the server running here (pid ${running.pid}) uses BASE_URL ${running.baseUrl}; the link is made for it.\n`);
  }
  if (!config.databaseUrl && running?.controlSocket) {
    try {
      const answer = await askServerToCreateAdmin(running.controlSocket, input);
      if (!answer.ok) throw answer.refused ? new AdminCreateRefused(answer.message) : new Error(answer.message);
      process.stdout.write(`Done by the running server (pid ${running.pid}, ${running.baseUrl}).\n` + adminCreateText(answer.result));
      return;
    } catch (error) {
      if (!(error instanceof ControlChannelUnavailable)) throw error;
      // The server went away between reading the record and asking: open the database here instead.
    }
  }
  const fromLastRun = !running && !config.baseUrlChosen && record !== undefined;
  const baseUrl = running || fromLastRun ? new URL(record!.baseUrl) : config.baseUrl;
  if (running) process.stdout.write(`For the server running here (pid ${running.pid}, ${running.baseUrl}).\n`);
  if (fromLastRun) process.stdout.write(`For ${record!.baseUrl}, where the server last ran here (set BASE_URL or PORT to choose another).\n`);
  const services = await buildServices({ ...config, baseUrl }, { logger: createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel) });
  try {
    process.stdout.write(adminCreateText(await createAdminWithLink(services, input, STAFF_LINK_MINUTES)));
  } finally {
    await services.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  if (!command || command === 'help' || command === '--help') {
    process.stdout.write(USAGE + '\n');
    return command ? 0 : 2;
  }
  if (!['migrate', 'seed', 'admin:create'].includes(command)) {
    process.stderr.write(`portico: unknown command "${command}"\n${USAGE}\n`);
    return 2;
  }
  const config = loadConfig();
  if (command === 'admin:create') {
    await adminCreate(config, argv.slice(1));
    return 0;
  }
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
    if (error instanceof AdminCreateRefused || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`portico: ${(error as Error).message}\n${USAGE}\n`);
      process.exit(2);
    }
    if (error instanceof ConfigError) process.stderr.write(`portico: configuration error: ${error.problems.join('; ')}\n`);
    else if (error instanceof DataDirLockedError) process.stderr.write(`portico: ${error.message}\n`);
    else process.stderr.write(`portico: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
