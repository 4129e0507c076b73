// `portico` commands: migrate, seed, admin:create. Run with `npm run portico -- <command>`.
import { parseArgs } from 'node:util';
import { buildServices, type Services } from './compose.js';
import { ConfigError, loadConfig } from './config.js';
import { DataDirLockedError } from './db/lock.js';
import { createLogger } from './lib/logger.js';
import { seedDemo } from '../seeds/demo.js';
import { emailSchema } from './lib/email.js';
import { issueText } from './i18n/index.js';
import { STAFF_LINK_MINUTES } from './auth/magic-link/service.js';

const USAGE = `usage: portico <command>
  migrate   apply database migrations
  seed      migrate, then load the demo companies and contacts (idempotent)
  admin:create --email you@msp.example --name "Your Name"
            create an admin (or find the existing one) and print a one-time console sign-in link`;

class UsageError extends Error {}

// Creates the admin unless the address is staff already, and prints a 15-minute link as the last line.
async function adminCreate(services: Services, args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { email: { type: 'string' }, name: { type: 'string' } }, strict: true });
  const email = emailSchema.safeParse(values.email ?? '');
  if (!email.success) throw new UsageError(`--email: ${issueText(email.error.issues[0]!)}`);
  const name = (values.name ?? '').trim();
  let member = await services.staff.byEmail(email.data);
  if (member?.disabled) throw new UsageError(`${email.data} is a disabled staff member; enable them in the console first.`);
  if (!member) {
    if (!name) throw new UsageError('--name is required for a new admin');
    member = await services.staffAdmin.create({ email: email.data, name, role: 'admin' }, { type: 'system' }, { detail: { via: 'cli' } });
    process.stdout.write(`Created admin ${name} <${email.data}>.\n`);
  } else {
    process.stdout.write(`${email.data} is already ${member.role === 'admin' ? 'an admin' : 'a technician'}; here is a new sign-in link.\n`);
  }
  const { link } = await services.magicLinks.generateForStaff(member.id);
  process.stdout.write(`One-time console sign-in link (valid ${STAFF_LINK_MINUTES} minutes):\n${link}\n`);
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
  const services = await buildServices(config, { logger: createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel) });
  try {
    if (command === 'admin:create') {
      await adminCreate(services, argv.slice(1));
    } else if (command === 'seed') {
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
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`portico: ${(error as Error).message}\n${USAGE}\n`);
      process.exit(2);
    }
    if (error instanceof ConfigError) process.stderr.write(`portico: configuration error: ${error.problems.join('; ')}\n`);
    else if (error instanceof DataDirLockedError) process.stderr.write(`portico: ${error.message}\n`);
    else process.stderr.write(`portico: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
