// `admin:create`: make an admin (or find the staff member with that address) and a one-time console
// sign-in link. The CLI runs it on the database directly; a running server on the embedded database
// runs it for the CLI over its control channel (control/channel.ts). Both print the same text.
import type { MagicLinkService } from '../auth/magic-link/service.js';
import { issueText } from '../i18n/index.js';
import { emailSchema } from '../lib/email.js';
import type { StaffAdmin } from './admin.js';
import type { StaffRole, StaffService } from './service.js';

/** The input cannot make an admin; the message says what to change. */
export class AdminCreateRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdminCreateRefused';
  }
}

export interface AdminCreateInput {
  email?: string;
  name?: string;
}

export interface AdminCreateResult {
  outcome: 'created' | 'existing';
  email: string;
  name: string;
  role: StaffRole;
  link: string;
  expiresAt: string;
  minutes: number;
}

/** The address, normalised, or AdminCreateRefused: checked before any database is opened. */
export function checkedEmail(input: AdminCreateInput): string {
  const email = emailSchema.safeParse(input.email ?? '');
  if (!email.success) throw new AdminCreateRefused(`--email: ${issueText(email.error.issues[0]!)}`);
  return email.data;
}

export async function createAdminWithLink(
  deps: { staff: StaffService; staffAdmin: StaffAdmin; magicLinks: MagicLinkService },
  input: AdminCreateInput,
  minutes: number,
): Promise<AdminCreateResult> {
  const email = checkedEmail(input);
  const name = (input.name ?? '').trim();
  let member = await deps.staff.byEmail(email);
  if (member?.disabled) throw new AdminCreateRefused(`${email} is a disabled staff member; enable them in the console first.`);
  const outcome = member ? 'existing' : 'created';
  if (!member) {
    if (!name) throw new AdminCreateRefused('--name is required for a new admin');
    member = await deps.staffAdmin.create({ email, name, role: 'admin' }, { type: 'system' }, { detail: { via: 'cli' } });
  }
  const { link, expiresAt } = await deps.magicLinks.generateForStaff(member.id);
  return { outcome, email: member.email, name: member.name, role: member.role, link, expiresAt: expiresAt.toISOString(), minutes };
}

/** What the command prints; the link is the last line, so scripts can take it with `tail -n 1`. */
export function adminCreateText(result: AdminCreateResult): string {
  const first =
    result.outcome === 'created'
      ? `Created admin ${result.name} <${result.email}>.`
      : `${result.email} is already ${result.role === 'admin' ? 'an admin' : 'a technician'}; here is a new sign-in link.`;
  return `${first}\nOne-time console sign-in link (valid ${result.minutes} minutes):\n${result.link}\n`;
}
