// Audit events as people read them on the console's audit log and dashboard: the action as words, who
// did it and whom it was about as a name and address with a link, and the detail as "label: value"
// lines instead of JSON. A key or action not listed here is still shown, in words made from its name.
import type { AuditRow } from '../audit/service.js';
import { domainForPeople } from './present.js';

export interface Party {
  name: string;
  email?: string;
  href?: string;
}

export interface PresentedEvent {
  id: number;
  at: Date;
  action: string;
  who: Party;
  about?: Party;
  ip: string | null;
  detail: Array<{ label: string; value: string }>;
}

const ACTIONS: Record<string, string> = {
  'signin.success': 'Signed in',
  'signin.failure': 'Sign-in failed',
  'signin.token_requested': 'Asked for a sign-in mail',
  signout: 'Signed out',
  'terms.accepted': 'Accepted the terms',
  'magic_link.generated': 'Made a magic link',
  'contact.created': 'Added a contact',
  'contact.updated': 'Changed a contact',
  'contact.disabled': 'Disabled a contact',
  'contact.enabled': 'Enabled a contact',
  'contact.invited': 'Invited a contact',
  'contact.signed_out_everywhere': 'Signed a contact out everywhere',
  'contact.imported': 'Imported contacts',
  'company.created': 'Added a company',
  'company.updated': 'Changed a company',
  'company.deleted': 'Deleted a company',
  'company.domain_added': 'Added a domain',
  'company.domain_removed': 'Removed a domain',
  'company.tenant_added': 'Linked an Entra tenant',
  'company.tenant_removed': 'Removed an Entra tenant',
  'psa.company_linked': 'Linked a company to the PSA',
  'psa.company_imported': 'Imported a company from the PSA',
  'staff.created': 'Added a staff member',
  'staff.updated': 'Changed a staff member',
  'api_key.created': 'Created an API key',
  'api_key.revoked': 'Revoked an API key',
  'settings.mail_token_changed': 'Changed the Mail Token settings',
  'settings.access_changed': 'Changed the sign-in settings',
  'settings.portal_changed': 'Changed the portal settings',
  'settings.login_url_changed': 'Switched login URLs',
  'settings.login_url_secret_rotated': 'Replaced the login URL secret',
  'psa.connection_tested': 'Tested the PSA connection',
  'psa.signin_previewed': 'Checked who may sign in',
};

const LABELS: Record<string, string> = {
  method: 'Method',
  audience: 'Where',
  reason: 'Reason',
  burned: 'Token locked',
  email: 'Address',
  issued: 'Mail sent',
  role: 'Role',
  disabled: 'Disabled',
  name: 'Name',
  prefix: 'Key starts with',
  domain: 'Domain',
  outcome: 'Outcome',
  version: 'Terms version',
  via: 'Via',
  apiKey: 'API key',
  apiKeyId: 'API key number',
  enabled: 'Enabled',
  portalName: 'Portal name',
  fromAddress: 'Sender address',
  fromName: 'Sender name',
  tokenMinutes: 'Token lifetime (minutes)',
  resendCooldownSeconds: 'Resend cooldown (seconds)',
  staffEmailToken: 'Staff sign-in by email',
  magicLinksEnabled: 'Magic links',
  magicLinkMinutes: 'Magic link lifetime (minutes)',
  signInPolicy: 'Who may get a sign-in mail',
  termsVersion: 'Terms version',
  session: 'Sessions',
  beyondLevel2: 'Longer than ASVS level 2',
  sessionsEnded: 'Sessions ended',
  psaCompanyId: 'PSA company',
  tenantId: 'Entra tenant',
};

const VALUES: Record<string, Record<string, string>> = {
  method: {
    email_link: 'link in a mail',
    email_code: 'code from a mail',
    magic_link: 'magic link',
    microsoft: 'Microsoft',
    jwt: 'login URL',
    account_switch: 'account switch',
  },
  audience: { contact: 'portal', staff: 'console' },
  signInPolicy: { domain: "anyone on a company's domain", invited_only: 'invited contacts only' },
  session: { browser: 'until the browser closes', remember: 'remember me' },
};

/** "signed_out_everywhere" or "sessionsEnded" → "Signed out everywhere", "Sessions ended". */
export function words(name: string): string {
  const spaced = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[._-]+/g, ' ')
    .trim()
    .toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

function valueText(key: string, value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'string') {
    if (VALUES[key]?.[value]) return VALUES[key][value];
    if (key === 'domain') return domainForPeople(value);
    return key === 'reason' || key === 'outcome' ? words(value).toLowerCase() : value;
  }
  if (Array.isArray(value)) return value.map((item) => valueText(key, item)).join(', ');
  if (typeof value === 'object')
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${LABELS[k] ?? words(k)}: ${valueText(k, v)}`)
      .join('; ');
  return String(value);
}

export function actionText(action: string): string {
  if (ACTIONS[action]) return ACTIONS[action];
  const [area, ...rest] = action.split('.');
  return rest.length ? `${words(area!)}: ${words(rest.join(' ')).toLowerCase()}` : words(action);
}

export function detailLines(detail: Record<string, unknown>): PresentedEvent['detail'] {
  return Object.entries(detail ?? {}).map(([key, value]) => ({ label: LABELS[key] ?? words(key), value: valueText(key, value) }));
}

const hrefOf = (type: string | null, id: string | number | null) => {
  if (id === null || id === undefined) return undefined;
  if (type === 'contact') return `/admin/contacts/${id}`;
  if (type === 'company') return `/admin/companies/${id}`;
  if (type === 'staff') return `/admin/audit?staff=${id}`;
  return undefined;
};

const KINDS: Record<string, string> = { contact: 'contact', staff: 'staff member', company: 'company', system: 'Portico', anonymous: 'someone not signed in' };

function party(type: string | null, id: string | number | null, name: string | null, email: string | null): Party {
  const href = hrefOf(type, id);
  if (name || email) return { name: name || email!, email: name && email ? email : undefined, href };
  // Gone since (a deleted company) or never a record (system, anonymous): say what it was.
  const kind = KINDS[type ?? 'anonymous'] ?? words(type ?? '');
  return { name: id !== null && id !== undefined ? `${kind} #${id} (deleted)` : kind };
}

const sameParty = (row: AuditRow) => row.subject_type === row.actor_type && row.subject_id === String(row.actor_id);

export function presentEvent(row: AuditRow): PresentedEvent {
  return {
    id: row.id,
    at: row.at,
    action: actionText(row.action),
    who: party(row.actor_type, row.actor_id, row.actor_name, row.actor_email),
    // A sign-in is by and about the same person: said once.
    about: row.subject_type && !sameParty(row) ? party(row.subject_type, row.subject_id, row.subject_name, row.subject_email) : undefined,
    ip: row.ip,
    detail: detailLines(row.detail),
  };
}
